#!/bin/sh
test_description='isconf env: main.cf for shell scripts; the daemon'\''s real main.cf in -D and IS_MAINCF (issue 20)'
. "$(dirname "$0")/lib-isconf.sh"

# A value a shell would mangle unquoted: quotes, $, a backslash, spaces.
cat >a.cf <<\EOF2
DEFAULT:
  TRICKY = it's "quoted" $HOME \n  and spaced
a:
  ROLE = web
EOF2
printf '%s' "it's \"quoted\" \$HOME \\n  and spaced" >tricky.expect

test_expect_success 'no daemon: the client'\''s own reading, with a note on stderr' '
	make_host a 1 &&
	isconf_on a -c "$PWD/a.cf" env >out 2>err &&
	echo "isconf: isconfd is not running for IS_HOME=$(host_home a): this is main.cf ($PWD/a.cf) as the client reads it" >expect &&
	test_cmp expect err &&
	grep "^export ROLE='\''web'\''$" out &&
	grep "^export IS_MAINCF='\''$PWD/a.cf'\''$" out &&
	! grep -v "^export [A-Za-z_][A-Za-z0-9_]*='\''" out &&
	(unset TRICKY; . ./out && printf "%s" "$TRICKY") >tricky.actual &&
	test_cmp tricky.expect tricky.actual
'

test_expect_success 'env --json' '
	isconf_on a -c "$PWD/a.cf" env --json >out.json 2>err &&
	json_eval out.json "\$j->{source} eq \"client\" && \$j->{maincf} eq \"$PWD/a.cf\" && \$j->{variables}{ROLE} eq \"web\"" &&
	perl -MJSON::PP -e "local \$/; print JSON::PP->new->decode(<STDIN>)->{variables}{TRICKY}" <out.json >tricky.actual &&
	test_cmp tricky.expect tricky.actual
'

# The client runs with IS_MAINCF=/dev/null (lib-isconf.sh); the daemon
# was started with -c a.cf.  Before: -D showed the client's /dev/null
# and execs saw IS_MAINCF=/dev/null with a.cf'\''s variables.
test_expect_success 'after isconf -c FILE start: env, -D and execs show FILE' '
	isconf_on a -q -c "$PWD/a.cf" start &&
	isconf_on a env >out 2>err &&
	test_must_be_empty err &&
	grep "^export IS_MAINCF='\''$PWD/a.cf'\''$" out &&
	grep "^export ROLE='\''web'\''$" out &&
	isconf_on a env --json >out.json &&
	json_eval out.json "\$j->{source} eq \"isconfd\" && \$j->{maincf} eq \"$PWD/a.cf\"" &&
	isconf_on a -D >out 2>err &&
	test_must_be_empty out &&
	grep "^export IS_MAINCF='\''$PWD/a.cf'\''$" err &&
	grep "^export ROLE='\''web'\''$" err &&
	isconf_on a -q lock "env" &&
	(cd "$(host_dir a)/root" &&
	 isconf_on a exec sh -c "echo \"\$IS_MAINCF \$ROLE\" >seen") &&
	echo "$PWD/a.cf web" >expect &&
	test_cmp expect "$(host_dir a)/root/seen" &&
	isconf_on a -q unlock
'

test_expect_success 'isconf -h lists env' '
	"$ISCONF" -h | grep "^  env$"
'

test_done
