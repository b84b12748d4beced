# bash completion for isconf(8): options, verbs (from isconf -h, so
# that they follow the client), each verb's options, and branch names
# from the running isconfd (isconf branches).  Installed by make
# install and by the package; needs nothing from bash-completion.

# The running daemon's branches.  With no daemon the client fails at
# once (it never starts one); its errors are not shown, and timeout
# bounds a daemon that does not answer.
_isconf_branches()
{
	local -a cmd=("$1")

	[ -n "$2" ] && cmd+=(-c "$2")
	timeout 2 "${cmd[@]}" branches 2>/dev/null </dev/null
}

_isconf_verbs()
{
	"$1" -h 2>/dev/null </dev/null | awk '/^verbs:/ { v = 1; next }
	    v && /^  [a-z]/ { if ($2 == "|") print $1, $3, $5; else print $1 }'
}

_isconf()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[0]} conf= verb= i=1 nargs word words

	COMPREPLY=()
	# The options before the verb; -c and -m take a value.
	while [ "$i" -lt "$COMP_CWORD" ]; do
		word=${COMP_WORDS[i]}
		case $word in
		-c)	conf=${COMP_WORDS[i+1]}; i=$((i + 2)); continue ;;
		-m)	i=$((i + 2)); continue ;;
		-*)	;;
		*)	verb=$word; break ;;
		esac
		i=$((i + 1))
	done
	if [ -z "$verb" ]; then
		case $prev in
		-c)	compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return ;;
		-m)	return ;;
		esac
		if [[ $cur == -* ]]; then
			words="-c -D -h -m -q -r -V --json --help --version"
		else
			words=$(_isconf_verbs "$cmd")
		fi
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		return
	fi
	# The verb's arguments: nargs before the one being completed.
	nargs=$((COMP_CWORD - i - 1))
	case $verb in
	exec)
		compopt -o filenames 2>/dev/null
		if [ "$nargs" -eq 0 ]; then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return ;;
	snap)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	bundle)
		case $nargs in
		0)	words="create apply" ;;
		1)	compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return ;;
		2)	[ "${COMP_WORDS[i+1]}" = create ] &&
			    words=$(_isconf_branches "$cmd" "$conf") ;;
		esac ;;
	log)
		if [[ $cur == -* ]]; then
			words="--applied --json"
		else
			words=$(_isconf_branches "$cmd" "$conf")
		fi ;;
	migrate|resolve)
		[ "$nargs" -eq 0 ] && words=$(_isconf_branches "$cmd" "$conf") ;;
	image)
		if [ "$nargs" -eq 0 ]; then
			words="build"
		elif [ "$prev" = --branch ]; then
			words=$(_isconf_branches "$cmd" "$conf")
		elif [[ $cur == -* ]]; then
			words="--at --base --branch --net --tar --with-keys"
		else
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
		fi ;;
	ci)	[ "$nargs" -eq 0 ] && words="--test" ;;
	lock)	[ "$nargs" -eq 0 ] && words="--skip" ;;
	up)	words="-n --adopt --no-waves" ;;
	hold|release) ;;
	cache)	words="--json prune" ;;
	hosts)	words="--json --summary --all --verify --branch --state --wave --failed --name --offset --limit --unpin" ;;
	branches|key|report|status|verify)
		words="--json" ;;
	esac
	[ -n "$words" ] &&
	    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
	return 0
}

complete -F _isconf isconf
