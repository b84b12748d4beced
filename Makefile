# isconf: peer-to-peer journaled change replicator.
#
#   make            install missing packages (as root), build
#   make check      build, run every test, then again under ASan+UBSan
#   make demo       three hosts on loopback, one change replicated
#   make fuzz       build the libFuzzer targets (clang) in build-fuzz and
#                   run each FUZZ_S seconds (default 60) on t/fuzz/<target>
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        isconf_VERSION_ARCH.deb from debian/ (dpkg-buildpackage)
#   make check-package  that package installed, run and purged in a
#                   debootstrapped Debian chroot (minutes; not in check)
#
# Honours CFLAGS+=, PREFIX, DESTDIR, V=1, SANITIZE=address,undefined,
# BUILD=dir (object and binary directory).

PREFIX	?= /usr/local
# The children's programs (isconfd-net, isconfd-http; daemon/helper.c).
LIBEXECDIR ?= $(PREFIX)/libexec/isconf
BUILD	?= build
SANITIZE ?=
PKGS	 = libsodium libevent sqlite3 libmicrohttpd zlib libseccomp

ifeq ($(V),1)
Q =
else
Q = @
endif

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -Wall -Wextra -Werror -Wshadow -Wpointer-arith \
	   -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS += -D_GNU_SOURCE
ifeq ($(TEST_HOOKS),1)
CPPFLAGS += -DISCONF_CRASH_HOOKS
endif
ifneq ($(SANITIZE),)
CFLAGS	+= -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=$(SANITIZE)
# daemon/privdrop.c widens the children's system call filter for the
# sanitizers' runtime (doc/design.md, "Privilege separation").
CPPFLAGS += -DISCONF_SANITIZE
endif

# The include paths of each module, as its rules allow (doc/design.md,
# "Module rules"): a module's own headers come from the directory of the
# file including them, and -I names only what it may call, so including
# any other module's header fails the build (make test checks it).
INC_lib	    =
INC_conf    = -Ilib
INC_journal = -Ilib
INC_cache   = -Ilib
INC_net	    = -Ilib
INC_cmd	    = -Ilib -Iconf
INC_daemon  = -Ilib -Iconf -Ijournal -Icache -Inet
# Unit tests, fuzz targets and benches reach into what they test.
INC_t	    = $(INC_daemon) -Idaemon
INC_fuzz    = $(INC_daemon) -Idaemon
INC_bench   = -Ilib -Idaemon
MODULES	    = lib conf journal cache net cmd daemon
# The include paths for a source file: its first directory's.
inc_of	    = $(INC_$(firstword $(subst /, ,$(1))))

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libmicrohttpd is not linked: isconfd loads it on the first HTTP
# connection (daemon/http_lib.c says why).
LINK_PKGS  = $(filter-out libmicrohttpd,$(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null) -pthread

LIB_SRC	   = lib/log.c lib/xmalloc.c lib/buf.c lib/hex.c lib/path.c \
	     lib/inroot.c lib/name.c lib/verbs.c lib/shquote.c
CONF_SRC   = conf/env.c conf/names.c conf/keys.c conf/nets.c \
	     conf/maincf.c conf/conf.c conf/trusted.c conf/export.c
JOURNAL_SRC = journal/entry.c journal/payload.c journal/disk.c journal/journal.c \
	      journal/stage.c
CACHE_SRC  = cache/cache.c cache/chunker.c cache/compact.c
NET_SRC	   = net/keys.c net/udp.c net/session.c net/tcp.c net/msg.c \
	     net/msgio.c net/proxy.c net/child.c
DAEMON_SRC = daemon/isconfd.c daemon/control.c daemon/child.c \
	     daemon/hostkey.c daemon/state.c daemon/install.c \
	     daemon/branch.c daemon/print.c daemon/bundle_io.c \
	     daemon/chunklist.c daemon/refusal.c \
	     daemon/peers.c daemon/serve.c daemon/have.c \
	     daemon/sync.c daemon/fetch.c daemon/lockd.c daemon/notify.c \
	     daemon/http.c daemon/http_msg.c daemon/helper.c \
	     daemon/http_data.c daemon/http_lib.c daemon/http_limit.c \
	     daemon/dashboard.c \
	     daemon/rules.c daemon/upexec.c daemon/check.c daemon/wire.c \
	     daemon/netkeys.c daemon/skipped.c daemon/members.c \
	     daemon/wire_members.c daemon/wire_fleet.c daemon/fleet.c \
	     daemon/fleet_inject.c daemon/disk.c daemon/stmt.c \
	     daemon/stmtd.c daemon/pins.c daemon/sandbox.c \
	     daemon/imagerec.c daemon/preflight.c daemon/layout.c \
	     daemon/wip.c daemon/usage.c daemon/waves.c \
	     daemon/upwaves.c daemon/wavenews.c daemon/holds.c \
	     daemon/netproc.c daemon/keepers.c \
	     daemon/stmtlist.c daemon/cacheuse.c \
	     daemon/lockstmt.c \
	     $(VERB_SRC)
# One file per verb, named after it (doc/design.md); the verb's spec is
# in lib/verbs.c, the helpers verbs share are in DAEMON_SRC above.
VERB_SRC   = daemon/branches.c daemon/bundle.c daemon/cache.c daemon/bundle_create.c daemon/bundle_apply.c \
	     daemon/ci.c daemon/exec.c daemon/fork.c daemon/hosts.c \
	     daemon/image.c daemon/key.c daemon/lock.c daemon/log.c daemon/migrate.c \
	     daemon/ping.c daemon/reboot.c daemon/report.c daemon/resolve.c \
	     daemon/skip.c daemon/snap.c \
	     daemon/status.c daemon/stop.c daemon/unlock.c daemon/up.c \
	     daemon/verify.c daemon/env.c
CMD_SRC	   = cmd/isconf.c
UNIT_TESTS = test_conf test_names test_keys test_entry test_cache test_rules \
	     test_samerules test_inroot test_time test_path test_hashset test_verbs \
	     test_session test_stmt test_shquote test_waves \
	     test_privdrop test_http_msg test_netmsg test_have test_tcp
# Fuzz targets: fuzz/fuzz_<name>.c, corpus and regressions t/fuzz/<name>/.
FUZZ_TARGETS = entry snap exec sig resolve maincf hmac_keys nets names \
	       trusted_keys udp frame ctl http handshake bundle upexec skip \
	       chunklist members disk stmt image fleet http_msg netmsg
FUZZ_S	   ?= 60

# The children's programs link only what they run (daemon/helper.c says
# why): net/ (its proxy.c unused there, but net/ calls it), or the
# HTTP child's files; lib/; the privilege drop.  No SQLite, zlib, conf/
# or journal/.
NETD_SRC   = daemon/netmain.c daemon/privdrop.c $(NET_SRC) $(LIB_SRC)
HTTPD_SRC  = daemon/http_child.c daemon/http_lib.c daemon/http_msg.c \
	     daemon/http_limit.c daemon/privdrop.c $(LIB_SRC)
NETD_LIBS  = $(shell pkg-config --libs libevent libsodium libseccomp \
	     2>/dev/null)
HTTPD_LIBS = $(shell pkg-config --libs libevent libseccomp \
	     2>/dev/null)
# isconfd itself: no libseccomp (only the children filter calls).
DAEMON_LIBS = $(shell pkg-config --libs $(filter-out libseccomp,$(LINK_PKGS)) \
	     2>/dev/null) -pthread

CORE_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC) $(CONF_SRC) \
	     $(JOURNAL_SRC) $(CACHE_SRC))
DAEMON_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRC) \
	     $(filter-out net/child.c,$(NET_SRC)))
NETD_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(NETD_SRC))
HTTPD_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(HTTPD_SRC))
CMD_OBJ	   = $(patsubst %.c,$(BUILD)/%.o,$(CMD_SRC))
UNIT_BIN   = $(patsubst %,$(BUILD)/t/unit/%,$(UNIT_TESTS))
FUZZ_BIN   = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
# The fuzz targets link the pure parts of the daemon too.
FUZZ_OBJ   = $(CORE_OBJ) $(BUILD)/fuzz/fuzz.o $(BUILD)/daemon/wire.o \
	     $(BUILD)/daemon/wire_members.o $(BUILD)/daemon/wire_fleet.o \
	     $(BUILD)/daemon/stmt.o \
	     $(BUILD)/daemon/bundle_io.o $(BUILD)/daemon/upexec.o \
	     $(BUILD)/daemon/imagerec.o $(BUILD)/daemon/http_msg.o \
	     $(patsubst %.c,$(BUILD)/%.o,$(NET_SRC))

.PHONY: FORCE dist-files install-units install-files bins deb check-package \
	test-package
.PHONY: bench bench-big bench-memory fuzz fuzz-build fuzz-bins fuzz-seeds test-fuzz
.PHONY: all build deps check test test-unit test-e2e test-modules \
	check-sanitize \
	demo install clean

all: deps
	$(Q)$(MAKE) --no-print-directory build

deps:
	$(Q)sh mk/deps.sh

build: $(BUILD)/isconf $(BUILD)/isconfd $(BUILD)/isconfd-net \
	    $(BUILD)/isconfd-http $(UNIT_BIN) $(BUILD)/bench/sim \
	    $(BUILD)/bench/simdist

$(BUILD)/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(call inc_of,$*) $(PKG_CFLAGS) $(CFLAGS) \
	    -c -o $@ $<

# The dashboard page as a C string (daemon/dashboard.c includes it).
$(BUILD)/daemon/dashboard.inc: daemon/dashboard.html
	@mkdir -p $(dir $@)
	$(Q)sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
	    -e 's/^/"/' -e 's/$$/\\n"/' $< >$@
$(BUILD)/daemon/dashboard.o: $(BUILD)/daemon/dashboard.inc
$(BUILD)/daemon/dashboard.o: CPPFLAGS += -I$(BUILD)/daemon

$(BUILD)/isconfd: $(DAEMON_OBJ) $(CORE_OBJ)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BUILD)/isconfd-net: $(NETD_OBJ)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(NETD_LIBS)

$(BUILD)/isconfd-http: $(HTTPD_OBJ)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(HTTPD_LIBS)

# Where isconfd looks for them after its own directory, as a header:
# rewritten only when LIBEXECDIR changes, so make install PREFIX=...
# rebuilds what names it.
$(BUILD)/daemon/libexecdir.h: FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '#define ISCONF_LIBEXECDIR "$(LIBEXECDIR)"' >$@.tmp && \
	    { cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@; }
$(BUILD)/daemon/helper.o: $(BUILD)/daemon/libexecdir.h
$(BUILD)/daemon/helper.o: CPPFLAGS += -I$(BUILD)/daemon
FORCE:

# The client is thin: lib/ and conf/ only, and libsodium (sodium_memzero)
# of the libraries; t/t0010-thin-client.sh checks.
CLIENT_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC) $(CONF_SRC))
CLIENT_LIBS = $(shell pkg-config --libs libsodium 2>/dev/null)

$(BUILD)/isconf: $(CMD_OBJ) $(CLIENT_OBJ)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLIENT_LIBS)

$(BUILD)/t/unit/%: t/unit/%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(INC_t) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ \
	    $(PKG_LIBS) -lcmocka $(LDFLAGS)

# Pure parts of the daemon, linked by their tests: rules.c (the
# simulation links it too) and the set of chunk hashes in bundle_io.c.
$(BUILD)/t/unit/test_rules: $(BUILD)/daemon/rules.o
# test_samerules reads (nm) the objects of the daemon's fetch and of the
# distribution model: both call rules.c's fetch decisions.
$(BUILD)/t/unit/test_samerules: | $(BUILD)/daemon/fetch.o \
	    $(BUILD)/bench/simdist.o
$(BUILD)/t/unit/test_hashset: $(BUILD)/daemon/bundle_io.o
$(BUILD)/t/unit/test_session: $(BUILD)/net/session.o
$(BUILD)/t/unit/test_netmsg: $(BUILD)/net/msg.o $(BUILD)/net/msgio.o
# test_tcp: a stream's client end, with the rest of net/ it calls.
$(BUILD)/t/unit/test_tcp: $(patsubst %.c,$(BUILD)/%.o,\
	    $(filter-out net/child.c,$(NET_SRC)))
$(BUILD)/t/unit/test_have: $(BUILD)/daemon/wire.o $(BUILD)/daemon/stmt.o
$(BUILD)/t/unit/test_stmt: $(BUILD)/daemon/stmt.o
# test_waves reads (nm) the objects of up's gate and of the waves
# simulation too: both call waves.c's gate.
$(BUILD)/t/unit/test_waves: $(BUILD)/daemon/waves.o | \
	    $(BUILD)/daemon/upwaves.o $(BUILD)/bench/sim_waves.o
$(BUILD)/t/unit/test_privdrop: $(BUILD)/daemon/privdrop.o
$(BUILD)/t/unit/test_http_msg: $(BUILD)/daemon/http_msg.o
# test_verbs checks the daemon's verb table against lib/verbs.c: it links
# every daemon object but main's.
VERBS_TEST_OBJ = $(filter-out $(BUILD)/daemon/isconfd.o,$(DAEMON_OBJ))
$(BUILD)/t/unit/test_verbs: t/unit/test_verbs.c $(VERBS_TEST_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(INC_t) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ \
	    $(PKG_LIBS) -lcmocka $(LDFLAGS)

# The same fuzz targets, linked with libFuzzer (make fuzz, FUZZ_ENGINE=1)
# or with replay.c, a main() that runs each corpus file once (make test).
ifeq ($(FUZZ_ENGINE),1)
FUZZ_DRIVER  =
FUZZ_LDFLAGS = -fsanitize=fuzzer
else
FUZZ_DRIVER  = $(BUILD)/fuzz/replay.o
FUZZ_LDFLAGS =
endif

fuzz-bins: $(FUZZ_BIN)

$(FUZZ_BIN): $(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(FUZZ_DRIVER) $(FUZZ_OBJ)
	$(Q)$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The binary seeds of t/fuzz/, written with the real encoders.
fuzz-seeds: $(BUILD)/fuzz/mkseeds
	$(Q)mkdir -p $(patsubst %,t/fuzz/%,$(FUZZ_TARGETS))
	$(Q)$(BUILD)/fuzz/mkseeds

$(BUILD)/fuzz/mkseeds: $(BUILD)/fuzz/mkseeds.o $(CORE_OBJ) $(BUILD)/net/msg.o \
	    $(BUILD)/daemon/wire.o \
	    $(BUILD)/daemon/wire_members.o $(BUILD)/daemon/stmt.o \
	    $(BUILD)/daemon/imagerec.o
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Objects instrumented for coverage; CC and CFLAGS go through the
# environment so that the Makefile's warnings are kept.
fuzz: fuzz-build
	$(Q)sh fuzz/run.sh build-fuzz $(FUZZ_S) $(FUZZ_TARGETS)

fuzz-build:
	$(Q)command -v clang >/dev/null || { echo "make fuzz needs clang:" \
	    "make deps as root, or apt-get install clang" >&2; exit 1; }
	$(Q)CC=clang CFLAGS="-O1 -g -fsanitize=fuzzer-no-link" \
	    $(MAKE) --no-print-directory BUILD=build-fuzz \
	    SANITIZE=address,undefined FUZZ_ENGINE=1 fuzz-bins

# Tests: TAP under prove.  ISCONF_BUILD tells the shell tests which
# binaries to run.
test-unit: build
	$(Q)CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_BIN)

test-e2e: build
	$(Q)ISCONF_BUILD=$(CURDIR)/$(BUILD) prove --exec /bin/sh t/t[0-9]*.sh

# Every fuzz corpus replayed: a crash once found stays fixed.
test-fuzz: build fuzz-bins
	$(Q)ISCONF_BUILD=$(CURDIR)/$(BUILD) prove --exec /bin/sh fuzz/replay.sh \
	    :: $(FUZZ_TARGETS)

# The module rules: each module's include paths allow exactly the
# headers doc/design.md says it may use.
test-modules:
	$(Q)MODULES_CC="$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS)" \
	    prove --exec /bin/sh mk/modules.sh :: $(BUILD) \
	    $(foreach m,$(MODULES),"$(m)=$(call inc_of,$(m)/)")

# The Debian package, built from the source tree (not from BUILD) and
# checked: its files, lintian, an unpack into a throwaway root
# (mk/deb-test.sh).
test-package:
	$(Q)prove --exec /bin/sh mk/deb-test.sh :: $(CURDIR) $(CURDIR)/$(BUILD)

# The tests of what BUILD holds; make test adds the package's.
TESTS_OF_BUILD = test-unit test-modules test-fuzz test-e2e
test: $(TESTS_OF_BUILD) test-package

# The tests run on a build with the crash points compiled in (never in
# what make and make install build).
check: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-test TEST_HOOKS=1 test
	$(Q)$(MAKE) --no-print-directory check-sanitize

# The whole suite again with AddressSanitizer and UBSan, in its own
# build directory.  Leak checking is left to the unit tests: the
# daemon and client exit through exit() with live allocations.
check-sanitize:
	$(Q)ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 CFLAGS="-O1 -g" \
	    $(MAKE) --no-print-directory BUILD=build-asan TEST_HOOKS=1 \
	    SANITIZE=address,undefined $(TESTS_OF_BUILD)

demo: all
	$(Q)sh mk/demo.sh $(CURDIR)/$(BUILD)

# Figures, each beside its baseline from the same run (bench/README).
bench: all $(BUILD)/bench/b2sum $(BUILD)/bench/commit $(BUILD)/bench/sim \
	    $(BUILD)/bench/simdist $(BUILD)/bench/bigtx
	$(Q)sh bench/run.sh $(CURDIR)/$(BUILD)
	@# The fleet view needs hosts injected: a test-hooks build.
	$(Q)$(MAKE) --no-print-directory BUILD=build-test TEST_HOOKS=1 bins
	$(Q)echo "fleet view of 10,000 hosts (ms): summary, page of 100," \
	    "page of 1000, filtered page; dashboard drawn, with 1000 rows:" \
	    "$$(sh bench/fleet.sh $(CURDIR)/build-test 10000)"
	@# The issue's 10,000-host distribution figures: ~18 CPU minutes.
	$(Q)[ "$${BENCH_SIM_BIG:-1}" = 0 ] || \
	    $(MAKE) --no-print-directory BUILD=$(BUILD) bench-big

# The distribution model at 10,000 hosts (bench/simdist.sh; minutes).
bench-big: $(BUILD)/bench/simdist
	$(Q)BUILD=$(CURDIR)/$(BUILD) BENCH_BIG=1 sh bench/simdist.sh \
	    $(CURDIR)/$(BUILD)/simdist-big.json

# Only the memory figures (bench/memory.sh): peak RSS under hostile
# input and a 100,000-entry transaction.
bench-memory: all $(BUILD)/bench/bigtx
	$(Q)sh bench/memory.sh $(CURDIR)/$(BUILD)

$(BUILD)/bench/bigtx: bench/bigtx.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Ilib -Ijournal $(PKG_CFLAGS) $(CFLAGS) -o $@ \
	    $^ $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/bench/sim: bench/sim.c bench/sim_members.c bench/sim.h bench/simheap.h \
	    $(BUILD)/bench/sim_waves.o $(BUILD)/daemon/waves.o \
	    $(BUILD)/daemon/rules.o $(BUILD)/lib/xmalloc.o \
	    $(BUILD)/lib/log.o
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(INC_bench) $(CFLAGS) -o $@ \
	    $(filter %.c %.o,$^) $(LDFLAGS)

# The waves experiment runs the daemon's gate (waves.o); its object
# apart, so that test_waves can read what it calls.
$(BUILD)/bench/sim_waves.o: bench/sim_waves.c bench/sim.h daemon/waves.h \
	    daemon/rules.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(INC_bench) $(CFLAGS) -c -o $@ $<

# The distribution model runs the daemon's fetch rules (rules.o); its
# object apart, so that test_samerules can read what it calls.
$(BUILD)/bench/simdist.o: bench/simdist.c bench/simheap.h daemon/rules.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(INC_bench) $(CFLAGS) -c -o $@ $<

$(BUILD)/bench/simdist: $(BUILD)/bench/simdist.o $(BUILD)/daemon/rules.o \
	    $(BUILD)/lib/xmalloc.o $(BUILD)/lib/log.o
	$(Q)$(CC) -o $@ $^ $(LDFLAGS) -lm

$(BUILD)/bench/b2sum: bench/b2sum.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(PKG_LIBS)

$(BUILD)/bench/commit: bench/commit.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(PKG_LIBS)

# Units and the cron line name the installed binaries, so they are made
# afresh for each PREFIX.
UNITDIR	?= $(PREFIX)/lib/systemd/system
DIST	 = isconfd.service isconf-up.service isconf.cron

dist-files:
	@mkdir -p $(BUILD)/dist
	$(Q)for f in $(DIST); do \
	    sed -e 's|@BINDIR@|$(PREFIX)/bin|g' \
		-e 's|@SBINDIR@|$(PREFIX)/sbin|g' dist/$$f.in >$(BUILD)/dist/$$f; \
	done

install: all
	$(Q)$(MAKE) --no-print-directory install-files
	$(Q)DESTDIR="$(DESTDIR)" sh mk/install-user.sh

# The two programs alone: no make deps, no tests (debian/rules uses it).
bins: $(BUILD)/isconf $(BUILD)/isconfd $(BUILD)/isconfd-net \
	    $(BUILD)/isconfd-http

# What make install copies, without make deps or the tests' binaries
# (the package's build uses it: debian/rules).
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
install-files: bins install-units
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
	    $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(BUILD)/isconf $(DESTDIR)$(PREFIX)/bin/isconf
	install -m 755 $(BUILD)/isconfd $(DESTDIR)$(PREFIX)/sbin/isconfd
	install -m 755 $(BUILD)/isconfd-net $(BUILD)/isconfd-http \
	    $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 doc/isconf.8 doc/isconfd.8 \
	    $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 doc/main.cf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 dist/isconf.bash $(DESTDIR)$(COMPLETIONDIR)/isconf

# The systemd units (UNITDIR) and the cron line (PREFIX/share/isconf).
install-units: dist-files
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/share/isconf
	install -m 644 $(BUILD)/dist/isconfd.service \
	    $(BUILD)/dist/isconf-up.service $(DESTDIR)$(UNITDIR)/
	install -m 644 $(BUILD)/dist/isconf.cron \
	    $(DESTDIR)$(PREFIX)/share/isconf/isconf.cron

# The package: mk/deb.sh copies the tree to BUILD/deb and runs
# dpkg-buildpackage there (it writes beside the tree it builds).
deb:
	$(Q)sh mk/deb.sh $(CURDIR) $(CURDIR)/$(BUILD)/deb $(CURDIR)

# The package with its maintainer scripts in a Debian chroot: install,
# daemon started, isconf status, reinstall (upgrade), purge.
check-package: deb
	$(Q)sh mk/check-package.sh $(CURDIR) $(CURDIR)/$(BUILD)/check-package

clean:
	rm -rf build build-test build-asan build-fuzz isconf_*.deb
