# overtar: one non-recursive Makefile. Each folder contributes its objects.
#   make            build ./overtar
#   make check      install missing packages (as root), build, run every test
#                   (plain, ASan+UBSan, and the threaded ones under TSan)
#   make demo       install missing packages, build, flatten the sample image
#   make install    PREFIX=/usr/local DESTDIR= (stripped; man, completions)
#   make uninstall  the same PREFIX and DESTDIR
#   make bench | conformance SEEDS=N | fuzz FUZZ_SECONDS=N
#   make check-corpus  the real-image corpus flattened as the kernel lists it
#   make valgrind   the CLI tests under valgrind memcheck
#   make bomb       a 4 GiB gzip bomb flattened, with its peak memory

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
VERSION := 0.1.0

PKGS := gcc make pkg-config libarchive-dev zlib1g-dev libzstd-dev \
	libcmocka-dev python3 attr tar gzip zstd nettle-dev libjansson-dev \
	libdeflate-dev libisal-dev \
	skopeo umoci docker.io podman \
	pigz libarchive-tools time

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -I. $(WARN) $(CFLAGS) \
	-DOVERTAR_VERSION='"$(VERSION)"' -pthread
LIBS := -larchive -lisal -lz -ldeflate -lzstd -lnettle -ljansson -pthread

# Each folder's objects, bottom up: base/ (errors, I/O helpers), layers/,
# core/, image/, script/ (the edit language); cmd/ is the CLI around them.
BASE_SRC := $(sort $(wildcard base/*.c))
LAYERS_SRC := $(sort $(wildcard layers/*.c))
CORE_SRC := $(sort $(wildcard core/*.c))
IMAGE_SRC := $(sort $(wildcard image/*.c))
SCRIPT_SRC := $(sort $(wildcard script/*.c))
CLI_SRC := $(sort $(wildcard cmd/*.c))
LIB_SRC := $(BASE_SRC) $(LAYERS_SRC) $(CORE_SRC) $(IMAGE_SRC) $(SCRIPT_SRC)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# B: the build folder; BIN: where the binary goes. A private B= and BIN=
# let several builds of one tree run side by side
# (make B=/tmp/b BIN=/tmp/b/overtar check).
B := build
BIN ?= overtar
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(B)/san/%.o)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
# A third variant, ThreadSanitizer (it cannot share a binary with ASan):
# the library, unit tests and binary again, for the tests that run threads.
TSAN_OBJ := $(LIB_SRC:%.c=$(B)/tsan/%.o)
# (-O1 -g as asked of TSan; gcc then warns of maybe-uninitialized variables
# it cannot follow through the less inlined code: not bugs, not shown.)
TSAN_FLAGS := -fsanitize=thread -O1 -g -Wno-maybe-uninitialized

.PHONY: all deps check demo install uninstall clean bench conformance fuzz unit cli \
	check-corpus \
	valgrind bomb fuzz-deps \
	san-unit san-cli tsan

all: $(BIN)

CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
SAN_CLI_OBJ := $(CLI_SRC:%.c=$(B)/san/%.o)
TSAN_CLI_OBJ := $(CLI_SRC:%.c=$(B)/tsan/%.o)

ifneq ($(BIN),overtar)
.PHONY: overtar
overtar: $(BIN)
endif
$(BIN): $(LIB_OBJ) $(CLI_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -c -o $@ $<

$(B)/overtar-san: $(SAN_OBJ) $(SAN_CLI_OBJ)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LIBS)

$(B)/tsan/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -c -o $@ $<

$(B)/overtar-tsan: $(TSAN_OBJ) $(TSAN_CLI_OBJ)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -o $@ $^ $(LIBS)

# Unit tests: one binary per tests/unit/test_*.c, linked with the engine.
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
SAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/san/unit/%)
TSAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tsan/unit/%)
$(B)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(LIBS) -lcmocka
$(B)/san/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.c %.o,$^) $(LIBS) \
		-lcmocka
$(B)/tsan/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TSAN_FLAGS) -o $@ $(filter %.c %.o,$^) \
		$(LIBS) -lcmocka

# make tsan: the ThreadSanitizer binaries alone (make check builds them).
tsan: $(B)/overtar-tsan $(TSAN_UNIT_BIN)

# Installs what is missing when root, else says what to run.
deps:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq $$missing) >/dev/null </dev/null \
	      || { echo "apt-get install failed:$$missing"; exit 1; }; \
	  else echo "missing packages; run: apt-get install$$missing"; exit 1; fi; \
	fi

# The fuzz targets' entry points, replayed without libFuzzer (gcc, ASan,
# UBSan) on tests/fuzz/regress/ by make check; built with clang and
# libFuzzer by make fuzz.
FUZZ_TARGETS := layer stack script image
FUZZ_CFLAGS := -DFUZZ_TESTDATA='"$(abspath testdata)"'
FUZZ_COMMON := tests/fuzz/fuzz_common.c tests/fuzz/fuzz.h
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(B)/san/fuzz/fuzz_%)
$(B)/san/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_replay.c \
		$(FUZZ_COMMON) $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) $(SAN_FLAGS) -o $@ \
		$(filter %.c %.o,$^) $(LIBS)

check: deps
	@$(MAKE) --no-print-directory all $(B)/overtar-san $(UNIT_BIN) \
		$(SAN_UNIT_BIN) $(FUZZ_REPLAY) $(B)/overtar-tsan $(TSAN_UNIT_BIN)
	@OVERTAR_BIN=$(abspath $(BIN)) sh tests/run.sh "$(B)"

demo: deps
	@$(MAKE) --no-print-directory all
	@sh testdata/demo.sh $(BIN)

# make install: the stripped binary, the manual pages and the bash and zsh
# completions (bash-completion's and zsh's usual directories under PREFIX);
# make uninstall removes exactly those files.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
INSTALLED := $(PREFIX)/bin/overtar $(PREFIX)/share/man/man1/overtar.1 \
	$(PREFIX)/share/man/man5/overtar-script.5 $(BASHCOMPDIR)/overtar \
	$(ZSHCOMPDIR)/_overtar

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR)
	install -s -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/overtar
	install -m 0644 man/overtar.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/overtar-script.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 completion/overtar.bash $(DESTDIR)$(BASHCOMPDIR)/overtar
	install -m 0644 completion/_overtar $(DESTDIR)$(ZSHCOMPDIR)/_overtar

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# make bench: overtar against its floors and peers (tests/bench/bench.sh;
# BENCH_RUNS, BENCH_SLOW_RUNS, BENCHDATA, BENCH_GEN_ENTRIES).
bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/bench.sh $(BIN)

# the corpus is built by debootstrap (../shared/bench/make-corpus.sh)
bench check-corpus: PKGS += debootstrap

# make check-corpus: overtar flatten of the bench corpus (built when
# missing: root, debootstrap, about 5 minutes) against the kernel overlay's
# listing of it (tests/bench/check_corpus.sh). Not part of make check.
check-corpus: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/check_corpus.sh $(BIN)

# make fuzz: each libFuzzer target for FUZZ_SECONDS, one at a time, from
# seeds made of testdata/ and the malformed-archive generators. Findings go
# to $(B)/fuzz/findings; see tests/fuzz/README.md.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
FUZZ_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/obj/%.o)
FUZZ_BIN := $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
$(B)/fuzz/obj/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -O1 \
		-c -o $@ $<
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) $(FUZZ_OBJ)
	$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer \
		-O1 -o $@ $(filter %.c %.o,$^) $(LIBS)

fuzz-deps:
	@$(MAKE) --no-print-directory deps PKGS="$(PKGS) clang libclang-rt-14-dev"

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@python3 tests/fuzz/mkseeds.py $(B)/fuzz/seeds
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(B)/fuzz/corpus/$$t $(B)/fuzz/findings/$$t || exit 1; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS)s"; \
	  TMPDIR=$${TMPDIR:-/tmp} $(B)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 \
	    -artifact_prefix=$(B)/fuzz/findings/$$t/ \
	    $(B)/fuzz/corpus/$$t $(B)/fuzz/seeds/$$t 2>$(B)/fuzz/fuzz_$$t.log; \
	  rc=$$?; grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==ERROR)' \
	    $(B)/fuzz/fuzz_$$t.log | tail -n 3; \
	  [ $$rc -eq 0 ] || { echo "fuzz_$$t: finding in $(B)/fuzz/findings/$$t" \
	    "(log $(B)/fuzz/fuzz_$$t.log)"; exit 1; }; \
	done

# make valgrind: every CLI test with the plain build run by valgrind
# memcheck (definite leaks and errors fail, exit 99).
valgrind: deps
	@$(MAKE) --no-print-directory all
	@command -v valgrind >/dev/null || $(MAKE) --no-print-directory deps \
		PKGS=valgrind
	@OVERTAR_REAL=$(abspath $(BIN)) OVERTAR_BIN=$(abspath tests/valgrind.sh) \
		CLI_TIMEOUT=1200 NO_SAN=1 sh tests/run.sh "$(B)" cli/

# make bomb: a 4 GiB gzip bomb (one file of zeros, then 4096 files) and a
# 4 GiB bomb of bytes that are no hole, flattened to /dev/null with
# /usr/bin/time -v; prints peak memory and the result.
bomb: all
	@sh tests/malformed/bomb.sh $(abspath $(BIN)) $(B)/bomb

# SEEDS generated cases from SEED_START through a kernel overlay mount and
# overtar (tests/conformance/conform.py; root and overlayfs, else SKIP);
# then Docker as a second oracle (tests/conformance/docker_oracle.py: a
# private dockerd, SKIP where none can start) on the sample and, when
# make bench has made it, on the benchmark corpus image.
SEEDS ?= 200
SEED_START ?= 1
CORPUS ?= /var/tmp/overtar-bench/corpus
conformance: all
	@python3 tests/conformance/conform.py ./overtar --seeds $(SEEDS) \
		--start $(SEED_START)
	@python3 tests/conformance/docker_oracle.py ./overtar \
		--script tests/conformance/lib/docker_edit.ots \
		testdata/sample/layer1.tar testdata/sample/layer2.tar.gz \
		testdata/sample/layer3.tar.zst testdata/sample/layer4.tar; \
	rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ] || exit $$rc
	@if [ -f $(CORPUS)/docker-archive.tar ]; then \
	  python3 tests/conformance/docker_oracle.py ./overtar \
	    --script tests/conformance/lib/docker_edit.ots \
	    docker-archive:$(CORPUS)/docker-archive.tar; \
	  rc=$$?; [ $$rc = 0 ] || [ $$rc = 77 ] || exit $$rc; \
	else echo "no $(CORPUS)/docker-archive.tar (make bench makes it)"; fi

clean:
	rm -rf $(B) overtar

-include $(shell find $(B) -name '*.d' 2>/dev/null)
