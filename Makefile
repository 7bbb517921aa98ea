# overtar: one non-recursive Makefile. Each folder contributes its objects.
#   make            build ./overtar
#   make check      install missing packages (as root), build, run every test
#   make demo       install missing packages, build, flatten the sample image
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench | conformance SEEDS=N | fuzz FUZZ_SECONDS=N

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
VERSION := 0.1.0

PKGS := gcc make pkg-config libarchive-dev zlib1g-dev libzstd-dev \
	libcmocka-dev python3 attr tar gzip zstd

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wformat=2
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -I. $(WARN) $(CFLAGS) \
	-DOVERTAR_VERSION='"$(VERSION)"' -pthread
LIBS := -larchive -lz -lzstd -pthread

# Each folder's objects.
LAYERS_SRC := $(sort $(wildcard layers/*.c))
CORE_SRC := $(sort $(wildcard core/*.c))
# The script interpreter is a library too (unit-tested); the rest of cmd/
# is the CLI around it.
SCRIPT_SRC := $(sort $(wildcard cmd/script*.c))
CLI_SRC := $(filter-out $(SCRIPT_SRC),$(sort $(wildcard cmd/*.c)))
LIB_SRC := $(LAYERS_SRC) $(CORE_SRC) $(SCRIPT_SRC)
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

.PHONY: all deps check demo install clean bench conformance fuzz unit cli \
	san-unit san-cli

all: $(BIN)

CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
SAN_CLI_OBJ := $(CLI_SRC:%.c=$(B)/san/%.o)

ifneq ($(BIN),overtar)
.PHONY: overtar
overtar: $(BIN)
endif
$(BIN): $(LIB_OBJ) $(CLI_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -c -o $@ $<

$(B)/san/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -c -o $@ $<

$(B)/overtar-san: $(SAN_OBJ) $(SAN_CLI_OBJ)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LIBS)

# Unit tests: one binary per tests/unit/test_*.c, linked with the engine.
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
SAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/san/unit/%)
$(B)/unit/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) -lcmocka
$(B)/san/unit/%: tests/unit/%.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LIBS) -lcmocka

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

check: deps
	@$(MAKE) --no-print-directory all $(B)/overtar-san $(UNIT_BIN) $(SAN_UNIT_BIN)
	@OVERTAR_BIN=$(abspath $(BIN)) sh tests/run.sh "$(B)"

demo: deps
	@$(MAKE) --no-print-directory all
	@sh testdata/demo.sh $(BIN)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 overtar $(DESTDIR)$(PREFIX)/bin/overtar
	install -m 0644 man/overtar.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/overtar-script.5 $(DESTDIR)$(PREFIX)/share/man/man5/

bench: all
	@sh tests/bench/bench.sh ./overtar

conformance: all
	@sh tests/run.sh $(B) conformance/

clean:
	rm -rf $(B) overtar

-include $(shell find $(B) -name '*.d' 2>/dev/null)
