# frugal: a SQLite extension for data bigger than memory.
#
#   make            build dist/frugal.so and dist/libfrugal.a
#   make demo       install what is missing, build, run the demo job
#   make test       install what is missing, build, run the whole suite
#   make test-asan  the suite again against an ASan+UBSan build
#   make test-valgrind  the suite again with everything under valgrind
#   make oom        out-of-memory injection for every capability
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS (60) each
#   make coverage   line and branch coverage of ext/ over the whole suite
#   make bench      the benchmarks in test/bench/, as ratios to baselines
#   make memchart   the memprof report and chart of the demo job, in doc/
#   make install    install (PREFIX=/usr/local, DESTDIR=)
#   make dist       a versioned source tarball
#   make help       every target
#
# Debian packages that are missing are installed with apt-get when make
# runs as root; otherwise make prints the apt-get line and stops.

VERSION := $(shell sed -n 's/^\#define FRUGAL_VERSION "\(.*\)"/\1/p' ext/frugal.h)

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla
XCFLAGS   = -std=c11 -fPIC -fvisibility=hidden $(WARN)
LIBS      = -lz -lm
SQLITE_LIBS = -lsqlite3 -lpthread -ldl

SRC  := $(wildcard ext/*.c)
HDR  := $(wildcard ext/*.h)
SO_OBJ   := $(SRC:ext/%.c=dist/obj/so/%.o)
CORE_OBJ := $(SRC:ext/%.c=dist/obj/core/%.o)

# C programs in test/ (drivers the Tcl suite runs) and test/bench/.
TEST_PROGS  := $(patsubst test/%.c,dist/test/%,$(wildcard test/*.c))
BENCH_PROGS := $(patsubst test/bench/%.c,dist/bench/%,$(wildcard test/bench/*.c))
TEST_LIBS    = dist/libfrugal.a $(SQLITE_LIBS) -lroaring $(LIBS)

# The sanitizer build: everything under dist/asan/, built with clang.
ASAN_CC     = clang
ASAN_FLAGS  = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
ASAN_RT     = $(shell $(ASAN_CC) -print-file-name=libclang_rt.asan-x86_64.so 2>/dev/null)
ASAN_TEST_PROGS := $(patsubst test/%.c,dist/asan/test/%,$(wildcard test/*.c))
ASAN_ENV    = LD_PRELOAD=$(ASAN_RT) \
              ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_odr_violation=0 \
              LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp:print_suppressions=0 \
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Debian packages each job needs.
BUILD_DEBS = gcc make libc6-dev libsqlite3-dev zlib1g-dev
DEMO_DEBS  = $(BUILD_DEBS) sqlite3
TEST_DEBS  = $(DEMO_DEBS) tcl libsqlite3-tcl libroaring-dev python3 pkgconf
ASAN_DEBS  = $(TEST_DEBS) clang libclang-rt-dev
BENCH_DEBS = $(TEST_DEBS) time python3 gnuplot-nox
MEMCHART_DEBS = $(DEMO_DEBS) gnuplot-nox

# $(call need_debs,PACKAGES): install the missing ones, or say how.
define need_debs
	@command -v dpkg-query >/dev/null 2>&1 || exit 0; \
	missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends $$missing >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && \
	    apt-get install -y -q --no-install-recommends $$missing; }; \
	else \
	  echo "frugal needs these Debian packages:$$missing"; \
	  echo "install them with:"; \
	  echo "  sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi
endef

.PHONY: all demo test test-asan test-valgrind oom fuzz coverage bench \
        install uninstall dist distcheck FORCE clean help format check-format \
        deps-build deps-demo deps-test deps-asan deps-bench deps-coverage \
        deps-valgrind memchart deps-memchart

all: dist/frugal.so dist/libfrugal.a

# Everything make writes goes under dist/, which git ignores by itself.
dist/.gitignore:
	@mkdir -p dist && echo '*' > $@

dist/obj/so/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -c $< -o $@

dist/obj/core/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CFLAGS) -DSQLITE_CORE -c $< -o $@

dist/frugal.so: $(SO_OBJ)
	$(CC) -shared -Wl,-z,defs $(LDFLAGS) -o $@ $(SO_OBJ) $(LIBS)

dist/libfrugal.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $(CORE_OBJ)

TEST_HDR := $(wildcard test/*.h)

dist/test/%: test/%.c dist/libfrugal.a ext/frugal.h $(TEST_HDR)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) $(CFLAGS) -Iext -o $@ $< $(TEST_LIBS)

dist/bench/%: test/bench/%.c dist/libfrugal.a ext/frugal.h
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) -O2 -g -Iext -o $@ $< $(TEST_LIBS)

deps-build: ; $(call need_debs,$(BUILD_DEBS))
deps-demo:  ; $(call need_debs,$(DEMO_DEBS))
deps-test:  ; $(call need_debs,$(TEST_DEBS))
deps-asan:  ; $(call need_debs,$(ASAN_DEBS))
deps-bench: ; $(call need_debs,$(BENCH_DEBS))
deps-coverage: ; $(call need_debs,$(TEST_DEBS) lcov)
deps-valgrind: ; $(call need_debs,$(TEST_DEBS) valgrind)
deps-memchart: ; $(call need_debs,$(MEMCHART_DEBS))

demo: deps-demo
	@$(MAKE) --no-print-directory all >/dev/null
	@sh test/demo/run.sh

test: deps-test
	@$(MAKE) --no-print-directory all $(TEST_PROGS)
	tclsh test/all.tcl

# Out-of-memory injection on its own (it is also part of "make test").
oom: deps-test
	@$(MAKE) --no-print-directory dist/test/oom
	./dist/test/oom -v

# ---------------------------------------------------------------------
# Sanitizers: the library, the loadable extension and the C drivers are
# built with clang's ASan+UBSan; tclsh (not instrumented) runs with the
# ASan runtime preloaded.  Drivers link that same shared runtime.
dist/asan/obj/so/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(ASAN_CC) $(XCFLAGS) $(ASAN_FLAGS) -c $< -o $@

dist/asan/obj/core/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(ASAN_CC) $(XCFLAGS) $(ASAN_FLAGS) -DSQLITE_CORE -c $< -o $@

dist/asan/frugal.so: $(SRC:ext/%.c=dist/asan/obj/so/%.o)
	$(ASAN_CC) -shared $(ASAN_FLAGS) -shared-libasan -o $@ $^ $(LIBS)

dist/asan/libfrugal.a: $(SRC:ext/%.c=dist/asan/obj/core/%.o)
	@rm -f $@
	ar rcs $@ $^

dist/asan/test/%: test/%.c dist/asan/libfrugal.a ext/frugal.h $(TEST_HDR)
	@mkdir -p $(@D)
	$(ASAN_CC) -std=c11 $(WARN) $(ASAN_FLAGS) -shared-libasan -Iext -o $@ $< \
	  dist/asan/libfrugal.a $(SQLITE_LIBS) -lroaring $(LIBS)

test-asan: deps-asan
	@$(MAKE) --no-print-directory all dist/asan/frugal.so $(ASAN_TEST_PROGS)
	$(ASAN_ENV) FRUGAL_LIB=$(CURDIR)/dist/asan/frugal \
	  FRUGAL_BIN=$(CURDIR)/dist/asan/test tclsh test/all.tcl

# ---------------------------------------------------------------------
# Valgrind: the whole suite with every program (tclsh, the C drivers, the
# sqlite3 shell) under memcheck.  Only Tcl's own allocations are
# suppressed; test/valgrind.supp says why.  The sqlite3 shell exits without
# closing its database after an SQL error, so it runs without leak checks
# (invalid reads and writes still fail the test).
VALGRIND_BASE = valgrind --quiet --error-exitcode=99 --num-callers=30
VALGRIND = $(VALGRIND_BASE) --leak-check=full \
           --errors-for-leak-kinds=definite,possible \
           --show-leak-kinds=definite,possible \
           --suppressions=$(CURDIR)/test/valgrind.supp

test-valgrind: deps-valgrind
	@$(MAKE) --no-print-directory all $(TEST_PROGS)
	FRUGAL_WRAP="$(VALGRIND)" FRUGAL_WRAP_SHELL="$(VALGRIND_BASE) --leak-check=no" \
	  tclsh test/all.tcl

# ---------------------------------------------------------------------
# Fuzzing: every test/fuzz/fuzz_NAME.c is a libFuzzer target, built with
# ASan+UBSan against a copy of the library whose read block is 7 bytes (so
# records cross block boundaries all the time), and run for FUZZ_SECONDS
# from the seeds in test/fuzz/corpus/NAME/.  What it learns is kept in
# dist/fuzz/corpus/NAME/; a crash leaves dist/fuzz/NAME-crash-* and fails.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   = -O1 -g -fno-omit-frame-pointer \
               -fsanitize=fuzzer-no-link,address,undefined \
               -fno-sanitize-recover=undefined -DFRUGAL_READ_BLOCK=7
FUZZ_TARGETS := $(patsubst test/fuzz/%.c,dist/fuzz/%,$(wildcard test/fuzz/fuzz_*.c))

dist/fuzz/obj/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(ASAN_CC) $(XCFLAGS) $(FUZZ_FLAGS) -DSQLITE_CORE -c $< -o $@

dist/fuzz/libfrugal.a: $(SRC:ext/%.c=dist/fuzz/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

dist/fuzz/fuzz_%: test/fuzz/fuzz_%.c dist/fuzz/libfrugal.a $(wildcard test/fuzz/*.h)
	$(ASAN_CC) -std=c11 $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -DSQLITE_CORE -Iext \
	  -o $@ $< \
	  dist/fuzz/libfrugal.a $(SQLITE_LIBS) -lroaring $(LIBS)

fuzz: deps-asan
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	  name=$${t#dist/fuzz/fuzz_}; \
	  mkdir -p dist/fuzz/corpus/$$name; \
	  echo "== fuzz_$$name for $(FUZZ_SECONDS) s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=dist/fuzz/$$name- \
	    dist/fuzz/corpus/$$name test/fuzz/corpus/$$name 2>&1 \
	    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|ERROR)' ; \
	  [ "$$(ls dist/fuzz/$$name-* 2>/dev/null)" = "" ] || exit 1; \
	done

# The memprof report of the demo job and its chart (doc/memory.md).
memchart: deps-memchart
	@$(MAKE) --no-print-directory all >/dev/null
	@sh test/demo/gen.sh
	@sh test/memchart.sh test/demo/demo.sql doc/memory.md doc/memprof-demo.png

# ---------------------------------------------------------------------
# Coverage: the whole suite against a --coverage build under dist/cov/,
# measured with gcov and lcov over ext/.  The last line is
# "coverage: lines X%, branches Y%"; the HTML report is dist/cov/html/.
# A line no test reaches must say why on the line itself, with a comment
# that contains "defensive" (test/covcheck.sh lists those that do not, and
# fails the target).
COV_FLAGS = -O0 -g --coverage
COV_MIN_LINES = 95
COV_MIN_BRANCHES = 85
COV_TEST_PROGS := $(patsubst test/%.c,dist/cov/test/%,$(wildcard test/*.c))

dist/cov/obj/so/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(COV_FLAGS) -c $< -o $@

dist/cov/obj/core/%.o: ext/%.c $(HDR) | dist/.gitignore
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(COV_FLAGS) -DSQLITE_CORE -c $< -o $@

dist/cov/frugal.so: $(SRC:ext/%.c=dist/cov/obj/so/%.o)
	$(CC) -shared --coverage -o $@ $^ $(LIBS)

dist/cov/libfrugal.a: $(SRC:ext/%.c=dist/cov/obj/core/%.o)
	@rm -f $@
	ar rcs $@ $^

dist/cov/test/%: test/%.c dist/cov/libfrugal.a ext/frugal.h $(TEST_HDR)
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) $(COV_FLAGS) -Iext -o $@ $< dist/cov/libfrugal.a \
	  $(SQLITE_LIBS) -lroaring $(LIBS)

coverage: deps-coverage
	@$(MAKE) --no-print-directory dist/cov/frugal.so $(COV_TEST_PROGS)
	@find dist/cov -name '*.gcda' -delete
	@chmod -R a+rwX dist/cov  # tests that drop privileges write counts too:
	@# umask 0 makes the .gcda files the first writer creates writable by them
	-umask 0; FRUGAL_LIB=$(CURDIR)/dist/cov/frugal FRUGAL_BIN=$(CURDIR)/dist/cov/test \
	  tclsh test/all.tcl | tail -n 1
	@lcov --quiet --capture --directory dist/cov/obj --rc lcov_branch_coverage=1 2>/dev/null \
	  --output-file dist/cov/all.info
	@lcov --quiet --extract dist/cov/all.info '$(CURDIR)/ext/*' \
	  --rc lcov_branch_coverage=1 --output-file dist/cov/ext.info
	@genhtml --quiet --branch-coverage --output-directory dist/cov/html \
	  dist/cov/ext.info
	@lcov --rc lcov_branch_coverage=1 --list dist/cov/ext.info | tail -n +3
	@marked=0; sh test/covcheck.sh dist/cov/ext.info || marked=1; \
	lcov --rc lcov_branch_coverage=1 --summary dist/cov/ext.info 2>&1 | awk \
	  -v ml=$(COV_MIN_LINES) -v mb=$(COV_MIN_BRANCHES) '\
	  /lines/ { l = $$2 } /branches/ { b = $$2 } \
	  END { printf "coverage: lines %s, branches %s\n", l, b; \
	        exit (l + 0 < ml || b + 0 < mb) }' && [ $$marked = 0 ]

# ---------------------------------------------------------------------
bench: deps-bench
	@$(MAKE) --no-print-directory all $(BENCH_PROGS)
	@BENCH="$(BENCH)" sh test/bench/run.sh

# ---------------------------------------------------------------------
# Installing, and the source tarball.
#
#   make install PREFIX=/usr/local DESTDIR=...   (DESTDIR for packaging)
#   make uninstall                                 the same variables
#   make dist        dist/frugal-VERSION.tar.gz, which builds and tests
#                    on its own (make distcheck proves it)
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DOCDIR     ?= $(PREFIX)/share/doc/frugal
PKGDIR     ?= $(LIBDIR)/pkgconfig
DOC_FILES   = $(wildcard doc/*.md doc/*.png)
INSTALLED   = $(LIBDIR)/frugal.so $(LIBDIR)/libfrugal.a \
              $(INCLUDEDIR)/frugal.h $(PKGDIR)/frugal.pc \
              $(DOCDIR)/README.md $(DOCDIR)/LICENSE \
              $(addprefix $(DOCDIR)/,$(DOC_FILES))

dist/frugal.pc: Makefile ext/frugal.h | dist/.gitignore
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' \
	  'includedir=$(INCLUDEDIR)' '' 'Name: frugal' \
	  'Description: SQLite extension for data bigger than memory' \
	  'Version: $(VERSION)' 'Requires.private: sqlite3 zlib' \
	  'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lfrugal' \
	  'Libs.private: -lm' > $@

install: all dist/frugal.pc
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	  $(DESTDIR)$(PKGDIR) $(DESTDIR)$(DOCDIR)/doc
	install -m 755 dist/frugal.so $(DESTDIR)$(LIBDIR)/frugal.so
	install -m 644 dist/libfrugal.a $(DESTDIR)$(LIBDIR)/libfrugal.a
	install -m 644 ext/frugal.h $(DESTDIR)$(INCLUDEDIR)/frugal.h
	install -m 644 dist/frugal.pc $(DESTDIR)$(PKGDIR)/frugal.pc
	install -m 644 README.md LICENSE $(DESTDIR)$(DOCDIR)
	install -m 644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/doc

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR)/doc $(DESTDIR)$(DOCDIR) 2>/dev/null

# The tarball holds what git tracks, plus the Roaring format's test files
# from ../shared (test/data/roaring/ inside the tarball), which the tests
# need and which are not in this repository.
dist: dist/frugal-$(VERSION).tar.gz
dist/frugal-$(VERSION).tar.gz: FORCE | dist/.gitignore
	@rm -rf dist/pkg && mkdir -p dist/pkg
	git archive --format=tar --prefix=frugal-$(VERSION)/ HEAD | tar -x -C dist/pkg
	@if [ -d ../shared/testdata/roaring ]; then \
	  mkdir -p dist/pkg/frugal-$(VERSION)/test/data/roaring && \
	  cp ../shared/testdata/roaring/* dist/pkg/frugal-$(VERSION)/test/data/roaring/; \
	fi
	tar -czf $@ -C dist/pkg frugal-$(VERSION)
	@rm -rf dist/pkg
	@echo "$@: $$(du -h $@ | cut -f1)"

FORCE:

distcheck: dist
	rm -rf dist/check && mkdir -p dist/check
	tar -xzf dist/frugal-$(VERSION).tar.gz -C dist/check
	$(MAKE) -C dist/check/frugal-$(VERSION) test

# The C layout is held by clang-format with ext/.clang-format.
C_FILES = $(wildcard ext/*.c ext/*.h test/*.c test/*/*.c)
format:
	clang-format -i --style=file:ext/.clang-format $(C_FILES)

check-format:
	$(call need_debs,clang-format)
	clang-format --dry-run -Werror --style=file:ext/.clang-format $(C_FILES)

clean:
	rm -rf dist

help:
	@sed -n 's/^#   make/  make/p' Makefile
	@echo "  make format     lay out the C sources with clang-format"
	@echo "  make check-format  fail if any C source is not laid out"
	@echo "  make clean      remove dist/"
