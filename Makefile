# Export Center: one Makefile, no recursion.  See README.md.
.SUFFIXES:

CC	?= cc
PKGS	= fcgi jansson libpq libarchive libzstd gnutls nettle hogweed libjwt-gnutls \
	rpm libdpkg
# trivy:java-db writes SQLite; trivy:db sorts its rows in a SQLite file.
PKGS	+= sqlite3
# Debian packages the build, the tests, the demo and the benchmark use.
DEB_PKGS = gcc make pkg-config clang libclang-rt-14-dev perl jq zstd tar \
	zip xz-utils python3 \
	coreutils procps time libfcgi-dev libjansson-dev libpq-dev \
	libarchive-dev libzstd-dev libgnutls28-dev nettle-dev \
	libjwt-gnutls-dev postgresql python3-cryptography util-linux strace \
	python3-jwt python3-jwcrypto nginx openssl curl
# The age CLI: interoperability tests of exportctl encrypt/decrypt.
DEB_PKGS += age
# The age payload's ChaCha20-Poly1305 (lib/ec_age_stream.c): OpenSSL's
# libcrypto, whose multi-block code is several times Nettle's speed.
PKGS	+= libcrypto
DEB_PKGS += libssl-dev
# TUF checks: securesystemslib's canonical form, and tuf-js (npm ci in
# tests/tools/tufcheck, run by tests/integration/70-tuf.sh) on the
# machine's own Node.js 20 and its npm (Debian's npm conflicts with it).
DEB_PKGS += python3-securesystemslib
# Version orders from the distributions' own libraries (ec_version) and
# the policy schema check (tests/integration/60-policy-schema.sh).
DEB_PKGS += librpm-dev libdpkg-dev python3-jsonschema
# A real PKCS#11 token for keyring signing (tests/integration/67-keyring.sh)
# and p11tool to initialise it and make a key inside it.
DEB_PKGS += softhsm2 gnutls-bin
# trivy:db and trivy:java-db: SQLite, and the OCI layout readers the
# tests check the layouts with.
DEB_PKGS += libsqlite3-dev sqlite3 skopeo umoci
# OCI distribution (exportctl push): libcurl, and for the tests the
# distribution registry, skopeo and umoci as real clients, htpasswd.
PKGS	+= libcurl
DEB_PKGS += libcurl4-gnutls-dev docker-registry apache2-utils
# The API benchmark's load generator (tests/bench/api-bench.sh).
DEB_PKGS += wrk
# Signed downloads: nginx checks the URL with njs (nginx/ec_download.js).
DEB_PKGS += libnginx-mod-http-js
# Live progress: ss (tests/integration/88-sse.sh waits for open streams).
DEB_PKGS += iproute2

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
	check-torture demo bench fuzz clean

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

# devportal:offline (README: The devportal:offline bundle).  libcmark
# renders Markdown inside the profile; mandoc renders the man page when
# the assets are staged into $(BUILD)/devportal, the profile's default
# --param assets; verify-offline.sh travels inside the binaries.
DEB_PKGS += mandoc libcmark-dev cmark
PKGS	+= libcmark
DEVPORTAL = $(BUILD)/devportal
DEVPORTAL_SRC = README.md CHANGELOG.md tools/exportctl.1 \
	tools/sdk/export-center-client.sh
LIB_OBJ	+= $(BUILD)/gen/ec_devportal_sh.o
all: $(DEVPORTAL)/.staged
check-integration: $(DEVPORTAL)/.staged
$(BUILD)/lib/profiles/devportal.o: ALL_CFLAGS += \
	-DEC_DEVPORTAL_ASSETS='"$(abspath $(DEVPORTAL))"'
$(BUILD)/gen/ec_devportal_sh.c: tools/devportal/verify-offline.sh
	@mkdir -p $(@D)
	{ echo '/* Generated from $<; do not edit. */'; \
	  echo 'extern const char ec_devportal_verify_sh[];'; \
	  echo 'const char ec_devportal_verify_sh[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
	      -e 's/^/	"/' -e 's/$$/\\n"/' $<; echo '	;'; } > $@.tmp
	mv $@.tmp $@
$(DEVPORTAL)/.staged: $(DEVPORTAL_SRC)
	rm -rf $(DEVPORTAL) && mkdir -p $(DEVPORTAL)
	cp $(DEVPORTAL_SRC) $(DEVPORTAL)/
	mandoc -T html tools/exportctl.1 > $(DEVPORTAL)/exportctl.1.html
	touch $@

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

# exportctl: the entry point and one file per group of commands.
CTL_SRC	= tools/exportctl.c $(sort $(wildcard tools/ctl_*.c))
CTL_OBJ	= $(CTL_SRC:tools/%.c=$(BUILD)/tools/%.o)
$(BUILD)/exportctl: $(CTL_OBJ) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The live progress server (tools/export_events.c, README: Live
# progress (SSE)): one event loop, the logic in lib/ec_sse*.c.
all: $(BUILD)/export-events
check-integration: $(BUILD)/export-events
$(BUILD)/export-events: $(BUILD)/tools/export_events.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The builder daemon (tools/export_cron.c, cron_*.c): a lease renewal
# thread.
CRON_OBJ = $(patsubst tools/%.c,$(BUILD)/tools/%.o,tools/export_cron.c \
	$(sort $(wildcard tools/cron_*.c)))
$(BUILD)/export-cron: $(CRON_OBJ) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS)

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
FUZZ_OBJ = $(LIB_SRC:lib/%.c=build-fuzz/lib/%.o) build-fuzz/gen/ec_sql.o
# ec_db (for ec_tenant_check) needs the embedded migrations too, and the
# profiles (ec_run_request finds them) devportal's embedded script.
FUZZ_GEN = build-fuzz/gen/ec_sql.o build-fuzz/gen/ec_devportal_sh.o
FUZZ_OBJ += build-fuzz/gen/ec_devportal_sh.o
$(FUZZ_GEN): build-fuzz/gen/%.o: $(BUILD)/gen/%.c
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
	$(MAKE) SAN=1 check-torture
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
