# Export Center: one Makefile, no recursion.  See README.md.
.SUFFIXES:

CC	?= cc
PKGS	= fcgi jansson libpq libarchive libzstd gnutls nettle hogweed libjwt-gnutls
# Debian packages the build, the tests, the demo and the benchmark use.
DEB_PKGS = gcc make pkg-config clang libclang-rt-14-dev perl jq zstd tar \
	coreutils procps time libfcgi-dev libjansson-dev libpq-dev \
	libarchive-dev libzstd-dev libgnutls28-dev nettle-dev \
	libjwt-gnutls-dev postgresql python3-cryptography

WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
BASE_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -g $(WARN) -Ilib -MMD -MP

ifeq ($(SAN),1)
BUILD	= build-san
OPT	= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
LDSAN	= -fsanitize=address,undefined
else
BUILD	= build
OPT	= -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDSAN	=
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(BASE_CFLAGS) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDSAN) $(LDFLAGS)

LIB_SRC	= $(sort $(wildcard lib/*.c))
SQL_SRC	= $(sort $(wildcard sql/*.sql))
LIB_OBJ	= $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o) $(BUILD)/gen/ec_sql.o
LIB_A	= $(BUILD)/libec.a
TOOLS	= $(BUILD)/exportctl
UNIT_SRC = $(sort $(wildcard tests/unit/t_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

# Keep objects make would otherwise delete as intermediates.
.SECONDARY:

.PHONY: all deps check check-unit check-san check-fuzz check-integration \
	check-torture demo bench fuzz clean

all: $(TOOLS) $(UNIT_BIN)

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The migrations travel inside the binaries (tools/embed-sql.sh).
$(BUILD)/gen/ec_sql.c: $(SQL_SRC) tools/embed-sql.sh
	@mkdir -p $(@D)
	tools/embed-sql.sh $(SQL_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/exportctl: $(BUILD)/tools/exportctl.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/t_%: $(BUILD)/tests/t_%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Allocation-failure injection (tests/torture/torture.c): lib/'s own
# allocations are wrapped so that the Nth one fails, for every N.  Run it
# with SAN=1 too, where LeakSanitizer catches a leak on any error path.
TORTURE_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
	-Wl,--wrap=reallocarray,--wrap=strdup,--wrap=strndup
$(BUILD)/tests/torture.o: tests/torture/torture.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<
$(BUILD)/tests/torture: $(BUILD)/tests/torture.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) $(TORTURE_WRAP) -o $@ $^ $(PKG_LIBS)
check-torture: $(BUILD)/tests/torture
	prove -f -e '' $(BUILD)/tests/torture :: tests/fuzz/corpus/verify \
	    tests/fixtures

# Fuzz targets: clang's libFuzzer with ASan and UBSan over the same lib/.
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -g -O1 $(WARN) -Ilib \
	-fsanitize=address,undefined $(PKG_CFLAGS)
FUZZ_OBJ = $(LIB_SRC:lib/%.c=build-fuzz/lib/%.o)
build-fuzz/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
build-fuzz/libec.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $(FUZZ_OBJ)
build-fuzz/%: tests/fuzz/%.c build-fuzz/libec.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libec.a \
	    $(PKG_LIBS)

# Installs the Debian packages above; does nothing when all are present.
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	fi

check-unit: $(UNIT_BIN)
	prove -f $(UNIT_BIN)

check-san:
	$(MAKE) SAN=1 check-unit

fuzz: $(FUZZ_BIN)

# A short run of every fuzz target over its seed corpus (make fuzz builds
# them for longer sessions: build-fuzz/fuzz_x -max_total_time=600 CORPUS).
check-fuzz: $(FUZZ_BIN)
	tests/fuzz/run.sh $(FUZZ_BIN)

check-integration: $(TOOLS)
	tests/integration/run.sh

check: deps
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-san
	$(MAKE) SAN=1 check-torture
	$(MAKE) check-fuzz
	$(MAKE) check-integration

demo: deps
	$(MAKE) all
	tools/demo.sh

bench: deps
	$(MAKE) all
	tests/bench/bench.sh

clean:
	rm -rf build build-san build-fuzz var

-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/tools/*.d $(BUILD)/tests/*.d \
	build-fuzz/lib/*.d)
