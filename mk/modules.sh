#!/bin/sh
# make test: the module rules of doc/design.md hold in the build.  Each
# module's include paths, as the Makefile gives them, compile the public
# header of every module it may use and fail on every other one; and no
# source reaches around them with a path in an include ("../conf/conf.h").
# usage: prove --exec /bin/sh mk/modules.sh :: BUILD MODULE=FLAGS...
# with MODULES_CC the compiler and its flags (without include paths).
: "${MODULES_CC:?}"
build=$1
shift

# What each module may include: the rules, stated apart from the
# Makefile so that a flag added there against them fails here.
may_use() {
	case $1 in
	lib)			echo "lib" ;;
	conf|journal|cache|net)	echo "lib $1" ;;
	cmd)			echo "lib conf" ;;
	daemon)			echo "lib conf journal cache net daemon" ;;
	*)			echo "" ;;
	esac
}
header() {
	case $1 in
	lib)	echo util.h ;;
	daemon)	echo isconfd.h ;;
	*)	echo "$1.h" ;;
	esac
}

all="lib conf journal cache net daemon"
mkdir -p "$build/modules"
echo "1..$(($# * 6 + 1))"
n=0
for arg in "$@"; do
	m=${arg%%=*}
	flags=${arg#*=}
	for h in $all; do
		n=$((n + 1))
		probe="$build/modules/$m-$h.c"
		echo "#include \"$(header "$h")\"" >"$probe"
		# -iquote: the probe stands for a file in the module's own
		# directory, whose headers come from there.
		if $MODULES_CC -iquote "$m" $flags -fsyntax-only "$probe" \
		    >"$probe.err" 2>&1; then
			got=may
		else
			got="may not"
		fi
		case " $(may_use "$m") " in
		*" $h "*) want=may ;;
		*) want="may not" ;;
		esac
		if [ "$got" = "$want" ]; then
			echo "ok $n - $m $want include $(header "$h")"
		else
			echo "not ok $n - $m $want include $(header "$h"), but" \
			    "the build says it $got"
			sed 's/^/# /' "$probe.err"
		fi
	done
done
n=$((n + 1))
if grep -n '^#[[:space:]]*include[[:space:]]*"[^"]*/' \
    */*.c */*.h t/unit/*.c >"$build/modules/paths" 2>/dev/null; then
	echo "not ok $n - an include names a path:"
	sed 's/^/# /' "$build/modules/paths"
else
	echo "ok $n - no include names a path"
fi
