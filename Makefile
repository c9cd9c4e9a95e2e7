# Export Center: one Makefile, no recursion.  See README.md.
.SUFFIXES:

CC	?= cc
PKGS	= fcgi jansson libpq libarchive libzstd gnutls nettle hogweed libjwt-gnutls \
	rpm libdpkg
# Debian packages the build, the tests, the demo and the benchmark use.
DEB_PKGS = gcc make pkg-config clang libclang-rt-14-dev perl jq zstd tar \
	coreutils procps time libfcgi-dev libjansson-dev libpq-dev \
	libarchive-dev libzstd-dev libgnutls28-dev nettle-dev \
	libjwt-gnutls-dev postgresql python3-cryptography util-linux strace \
	python3-jwt python3-jwcrypto nginx openssl curl
# The age CLI: interoperability tests of exportctl encrypt/decrypt.
DEB_PKGS += age
# TUF checks: securesystemslib's canonical form, and tuf-js (npm ci in
# tests/tools/tufcheck, run by tests/integration/70-tuf.sh) on the
# machine's own Node.js 20 and its npm (Debian's npm conflicts with it).
DEB_PKGS += python3-securesystemslib
# Version orders from the distributions' own libraries (ec_version) and
# the policy schema check (tests/integration/60-policy-schema.sh).
DEB_PKGS += librpm-dev libdpkg-dev python3-jsonschema
# The API benchmark's load generator (tests/bench/api-bench.sh).
DEB_PKGS += wrk

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

# Profiles live in lib/profiles/, one file each, in the same libec.a.
LIB_SRC	= $(sort $(wildcard lib/*.c lib/profiles/*.c))
SQL_SRC	= $(sort $(wildcard sql/*.sql))
LIB_OBJ	= $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o) $(BUILD)/gen/ec_sql.o
LIB_A	= $(BUILD)/libec.a
TOOLS	= $(BUILD)/exportctl $(BUILD)/export-cron
# The FastCGI API pool (fcgi/, README: API).
FCGI_SRC = $(sort $(wildcard fcgi/*.c))
FCGI_OBJ = $(FCGI_SRC:fcgi/%.c=$(BUILD)/fcgi/%.o)
TOOLS	+= $(BUILD)/export-center.fcgi
UNIT_SRC = $(sort $(wildcard tests/unit/t_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

# Trivy DB writer: C test drivers (tests/tools/*.c) and the Go checkers
# built offline against Debian's bbolt in GOPATH mode (README: Trivy DB
# writer).  The Go ones are built only where go is installed (make deps).
DEB_PKGS += golang-go golang-github-coreos-bbolt-dev \
	golang-github-hashicorp-go-version-dev
TTOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TTOOL_BIN = $(TTOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
GO_NAMES = boltcheck trivycheck boltbaseline
GO_BIN	= $(if $(shell command -v go 2>/dev/null),$(GO_NAMES:%=$(BUILD)/%))
GO_ENV	= GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOPROXY=off \
	GOTOOLCHAIN=local CGO_ENABLED=0 GOCACHE=$(abspath $(BUILD))/go-cache

# Keep objects make would otherwise delete as intermediates.
.SECONDARY:

.PHONY: all deps check check-unit check-san check-fuzz check-integration \
	demo bench fuzz clean

all: $(TOOLS) $(UNIT_BIN)
all: $(TTOOL_BIN) $(GO_BIN)

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

$(BUILD)/fcgi/%.o: fcgi/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ifcgi -c -o $@ $<

$(BUILD)/export-center.fcgi: $(FCGI_OBJ) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(GO_BIN): $(BUILD)/%: tests/tools/%/main.go $(wildcard tests/tools/*/*.go)
	@mkdir -p $(@D)
	cd tests/tools/$* && $(GO_ENV) go build -o $(abspath $@) .

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $(LIB_OBJ)

$(BUILD)/exportctl: $(BUILD)/tools/exportctl.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The builder daemon (tools/export_cron.c): a lease renewal thread.
$(BUILD)/export-cron: $(BUILD)/tools/export_cron.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/t_%: $(BUILD)/tests/t_%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Fuzz targets: clang's libFuzzer with ASan and UBSan over the same lib/.
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -g -O1 $(WARN) -Ilib \
	-fsanitize=address,undefined $(PKG_CFLAGS)
FUZZ_OBJ = $(LIB_SRC:lib/%.c=build-fuzz/lib/%.o) build-fuzz/gen/ec_sql.o
# ec_db (for ec_tenant_check) needs the embedded migrations too.
build-fuzz/gen/ec_sql.o: $(BUILD)/gen/ec_sql.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
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
check-integration: $(TTOOL_BIN) $(GO_BIN)
	tests/integration/run.sh

check: deps
	$(MAKE) all
	$(MAKE) check-unit
	$(MAKE) check-san
	$(MAKE) check-fuzz
	$(MAKE) check-integration

demo: deps
	$(MAKE) all
	tools/demo.sh

bench: deps
	$(MAKE) all
	tests/bench/bench.sh

# The local service in the background under var/ (README: API).
.PHONY: up down
up: all
	tools/stack.sh up
down:
	tools/stack.sh down

clean:
	rm -rf build build-san build-fuzz var

-include $(wildcard $(BUILD)/lib/*.d $(BUILD)/tools/*.d $(BUILD)/tests/*.d \
	build-fuzz/lib/*.d $(BUILD)/tests/tools/*.d $(BUILD)/lib/profiles/*.d \
	build-fuzz/lib/profiles/*.d $(BUILD)/fcgi/*.d)
