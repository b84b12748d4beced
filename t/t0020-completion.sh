#!/bin/sh
test_description='bash completion (dist/isconf.bash): verbs, options, branch names from the daemon; isconf branches'
. "$(dirname "$0")/lib-isconf.sh"

SRC=$(cd "$SHARNESS_TEST_SRCDIR/.." && pwd)

command -v bash >/dev/null || {
	skip_all='bash is not installed'
	test_done
}

# completions [HOST] WORD...: source the completion, call _isconf with
# COMP_WORDS set (the client as the first word, the last word the one
# being completed) and print COMPREPLY one a line, sorted; as HOST
# when one is named (its IS_HOME and the rest).
completions() {
	_env=/dev/null
	case $1 in
	@*)	_env=$(host_dir "${1#@}")/env; shift ;;
	esac
	(. "$_env" && timeout 10 bash -c '
		. "$0"
		COMP_WORDS=("$ISCONF" "$@")
		COMP_CWORD=$#
		_isconf
		printf "%s\n" "${COMPREPLY[@]}"' "$SRC/dist/isconf.bash" "$@") |
	    sed "/^$/d" | sort
}

test_expect_success 'verbs: the client'"'"'s, start stop restart, not the internal ones' '
	completions "" >actual &&
	for v in start stop restart lock snap exec ci up status log branches \
	    bundle; do
		grep -qx "$v" actual || { echo "no $v"; return 1; }
	done &&
	! grep -qx ping actual &&
	printf "%s\n" lock log >expect &&
	completions lo >actual &&
	test_cmp expect actual
'

test_expect_success 'options before the verb, and a verb after them' '
	printf "%s\n" --help --json --version -D -V -c -h -m -q -r | sort >expect &&
	completions - >actual &&
	test_cmp expect actual &&
	printf "%s\n" start status stop >expect &&
	completions -c /dev/null -q -m "a message" st >actual &&
	test_cmp expect actual
'

test_expect_success 'each verb'"'"'s options and words' '
	printf "%s\n" --applied --json >expect &&
	completions log - >actual && test_cmp expect actual &&
	printf "%s\n" --adopt --no-waves -n >expect &&
	completions up - >actual && test_cmp expect actual &&
	echo --skip >expect &&
	completions lock - >actual && test_cmp expect actual &&
	printf "%s\n" apply create >expect &&
	completions bundle "" >actual && test_cmp expect actual &&
	echo --json >expect &&
	completions status "" >actual && test_cmp expect actual &&
	: >expect &&
	completions fork "" >actual && test_cmp expect actual &&
	echo build >expect &&
	completions image "" >actual && test_cmp expect actual &&
	printf "%s\n" --at --base --branch --net --tar --with-keys >expect &&
	completions image build dir - >actual && test_cmp expect actual &&
	echo --test >expect &&
	completions ci - >actual && test_cmp expect actual
'

test_expect_success 'no daemon: no branch names, no error, at once' '
	make_host a 1 &&
	(. "$(host_dir a)/env" && timeout 10 bash -c "
		. \"$SRC/dist/isconf.bash\"
		COMP_WORDS=(\"\$ISCONF\" migrate \"\")
		COMP_CWORD=2
		_isconf
		echo \${#COMPREPLY[@]}") >actual 2>err &&
	echo 0 >expect &&
	test_cmp expect actual &&
	test_must_be_empty err
'

test_expect_success 'isconf branches: the journal'"'"'s branches, one a line' '
	start_host a 1 &&
	isconf_on a fork web &&
	printf "%s\n" generic web >expect &&
	isconf_on a branches >actual &&
	test_cmp expect actual &&
	echo "{\"branches\":[\"generic\",\"web\"]}" >expect &&
	isconf_on a branches --json >actual &&
	test_cmp expect actual
'

test_expect_success 'branch names from the running daemon' '
	printf "%s\n" generic web >expect &&
	completions @a migrate "" >actual && test_cmp expect actual &&
	echo web >expect &&
	completions @a log w >actual && test_cmp expect actual &&
	completions @a bundle create f.bundle w >actual && test_cmp expect actual &&
	completions @a -c /dev/null resolve w >actual && test_cmp expect actual
'

test_done
