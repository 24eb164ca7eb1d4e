# badgekiosk: build, test, demo and measure.
#
#   make          build build/badgectl, build/badgekiosk and its translations
#   make demo     the organiser's flow on the sample FG-MV event
#   make check    every test: unit tests under AddressSanitizer + UBSan, the kiosk's
#                 threads under ThreadSanitizer, then end to end
#   make bench    measurements, written to BENCHMARKS.md (make bench-shared: the
#                 shared store's section alone)
#   make install  PREFIX=/usr/local DESTDIR=... (and make uninstall, same variables)
#   make deb      the Debian package in build/deb/, checked with lintian
#   make package-tests  the package installed into a fresh Debian 12 root (minutes, network)
#
# demo, check and bench first install the Debian packages they need (apt-get
# when run as root; otherwise they print the one sudo line to run).

CC      ?= cc
# Debian 12 package names; "make deps" installs what is missing. chromium,
# poppler-utils (pdftotext, pdfinfo) and libxml2-utils (xmllint): the e2e
# tests print the HTML report to PDF in a real browser and read it back.
DEB_PKGS = build-essential pkg-config libsqlite3-dev libsodium-dev libinih-dev \
           libqrencode-dev libzbar-dev libpng-dev libjpeg62-turbo-dev libutf8proc-dev \
           libcmocka-dev tzdata iso-codes jq sqlite3 gettext \
           libsdl2-dev libsdl2-ttf-dev libfribidi-dev libfontconfig-dev fonts-noto-core fonts-noto-cjk \
           libcups2-dev cups cups-client cups-ipp-utils cups-filters dbus avahi-daemon \
           xvfb xdotool clang-14 libclang-rt-14-dev time \
           printer-driver-ptouch tesseract-ocr tesseract-ocr-eng python3 \
           libpq-dev postgresql-15 postgresql-client-15 openssl \
           chromium poppler-utils libxml2-utils libmicrohttpd-dev curl
# What "make bench" alone needs: ZXing-cpp and zbarimg read the same frames as
# our decoder, for comparison only (badgekiosk never links them).
DEB_PKGS_BENCH = python3 python3-zxing-cpp python3-pil zbar-tools
# What "make deb" and "make package-tests" need besides DEB_PKGS; kept apart so
# "make check" does not pull in the packaging tool chain.
DEB_PKGS_DEB = debhelper dpkg-dev fakeroot lintian debootstrap man-db groff-base
# The layers below the devices (src/util, event, store, core, door) build
# with BRAIN_PKGS' flags only: no SDL, CUPS or camera header can creep in.
BRAIN_PKGS  = sqlite3 libpq libsodium inih libutf8proc
DEVICE_PKGS = libqrencode zbar libpng libjpeg sdl2 SDL2_ttf fribidi fontconfig
PKGS        = $(BRAIN_PKGS) $(DEVICE_PKGS)

VERSION := 0.1.0
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CSTD    = -std=c11 -D_GNU_SOURCE
OPT    ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
BRAIN_CFLAGS := $(shell pkg-config --cflags $(BRAIN_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libcups has no .pc file on Debian 12.
CUPS_CFLAGS := $(shell cups-config --cflags 2>/dev/null)
CUPS_LIBS   := $(shell cups-config --libs 2>/dev/null)
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -Isrc -DBK_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CUPS_CFLAGS) \
             $(CPPFLAGS) $(CFLAGS)
# CPPFLAGS and LDFLAGS come from the environment too: Debian's hardening flags.
LIBS       = $(LDFLAGS) $(PKG_LIBS) $(CUPS_LIBS) -lm -lpthread

SAN        = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_FLAGS = $(CSTD) $(WARN) -O1 -g $(SAN) -Isrc -DBK_VERSION='"$(VERSION)"' $(PKG_CFLAGS) \
             $(CUPS_CFLAGS)

BRAIN_DIRS = util event store core door
CORE_SRC  = $(foreach d,$(BRAIN_DIRS),$(wildcard src/$(d)/*.c))
PARTS_SRC = $(wildcard src/badge/*.c src/scan/*.c src/print/*.c)
# The dashboard (badgectl serve) is a face of badgectl's, the one part
# that links libmicrohttpd.
DASH_SRC  = $(wildcard src/dashboard/*.c)
CTL_SRC   = $(wildcard src/badgectl/*.c) $(DASH_SRC)
DASH_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
DASH_LIBS   := $(shell pkg-config --libs libmicrohttpd 2>/dev/null)
KIOSK_SRC = $(wildcard src/kiosk/*.c)
PO        = $(wildcard po/*.po)
MO        = $(PO:po/%.po=build/locale/%/LC_MESSAGES/badgekiosk.mo)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
LIB_SRC   = $(CORE_SRC) $(PARTS_SRC)

OBJ       = $(LIB_SRC:%.c=build/obj/%.o)
ASAN_OBJ  = $(LIB_SRC:%.c=build/asan/%.o)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

.PHONY: all deps deps-deb install uninstall deb package-tests FORCE demo demo-cli check unit tsan e2e \
        report-sample \
        shared-tests dashboard-tests dashboard-screenshots \
        print-tests kiosk-tests bench bench-shared fuzz fuzz-check reliability \
        soak clean pot format locale
all: build/badgectl build/badgekiosk locale build/gen-export build/render-samples

deps:
	@./tools/install-deps $(DEB_PKGS)

deps-deb:
	@./tools/install-deps $(DEB_PKGS) $(DEB_PKGS_DEB)

# ---- installation layout ----
# The configuration is always /etc/badgekiosk/badgekiosk.ini (CONFIG_INSTALLED_PATH
# in src/event/config.h), whatever the prefix: the programs look there first.
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR     = $(PREFIX)/bin
DATADIR    = $(PREFIX)/share/badgekiosk
LOCALEDIR  = $(PREFIX)/share/locale
MANDIR     = $(PREFIX)/share/man
SYSCONFDIR = /etc/badgekiosk
STATEDIR   = /var/lib/badgekiosk
# systemd reads units from /usr/local/lib/systemd/system too; Debian's
# packages put theirs in /lib/systemd/system (debian/rules says so).
UNITDIR   ?= $(PREFIX)/lib/systemd/system
PAMDIR    ?= /etc/pam.d
MAN1       = man/badgekiosk.1 man/badgectl.1
MAN5       = man/badgekiosk.ini.5

# The installed programs find their translations in $(LOCALEDIR) (the kiosk
# run from the tree prefers build/locale beside its binary). Only the two
# main files use it; they are rebuilt when the prefix changes, which the
# stamp below notices, so "make install PREFIX=/usr" after a plain "make"
# does not install binaries that look in /usr/local.
build/install-paths: FORCE
	@mkdir -p build
	@echo '$(LOCALEDIR)' | cmp -s - $@ 2>/dev/null || echo '$(LOCALEDIR)' > $@
build/obj/src/badgectl/main.o build/obj/src/kiosk/main.o: build/install-paths
build/obj/src/badgectl/main.o build/obj/src/kiosk/main.o: \
    CFLAGS_ALL += -DBK_LOCALEDIR='"$(LOCALEDIR)"'

# The installed configuration: the FG-MV one with the store and keys under
# /var/lib/badgekiosk, the logo from $(DATADIR), and staff mode off until the
# operator sets a PIN (a demo PIN known to all is no lock on an appliance).
build/badgekiosk.ini: kiosk-config/fgmv2-shanghai.ini Makefile
	@mkdir -p build
	sed -e 's|^keys = .*|keys = $(STATEDIR)/keys|' \
	    -e 's|^database = .*|database = $(STATEDIR)/badgekiosk.db|' \
	    -e 's|^logo = .*|logo = $(DATADIR)/fgmv2-logo.png|' \
	    -e 's|^; The staff PIN as .*|; The staff PIN as a libsodium password hash: set it with "badgectl pin-hash".\n; Empty: staff mode is off (the kiosk cannot be left from its screen).|' \
	    -e 's|^staff_pin_hash = .*|staff_pin_hash =|' \
	    -e '1i ; Installed by badgekiosk: store and keys in $(STATEDIR), see badgekiosk.ini(5).' \
	    $< > $@.tmp
	@grep -q '^database = $(STATEDIR)/badgekiosk.db' $@.tmp && grep -q '^keys = $(STATEDIR)/keys' $@.tmp && \
	    grep -q '^staff_pin_hash =$$' $@.tmp || { echo "build/badgekiosk.ini: a setting was not rewritten" >&2; exit 1; }
	@mv $@.tmp $@

build/badgekiosk.service: packaging/badgekiosk.service Makefile
	@mkdir -p build
	sed -e 's|/usr/bin/badgekiosk|$(BINDIR)/badgekiosk|g' $< > $@

install: build/badgectl build/badgekiosk locale build/badgekiosk.ini build/badgekiosk.service
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(SYSCONFDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PAMDIR)
	install -m 0755 build/badgectl build/badgekiosk $(DESTDIR)$(BINDIR)/
	install -m 0644 assets/fgmv2-logo.png assets/fgmv2-attendees.csv $(DESTDIR)$(DATADIR)/
	install -m 0644 build/badgekiosk.ini $(DESTDIR)$(SYSCONFDIR)/badgekiosk.ini
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 build/badgekiosk.service $(DESTDIR)$(UNITDIR)/badgekiosk.service
	install -m 0644 packaging/pam.d/badgekiosk $(DESTDIR)$(PAMDIR)/badgekiosk
	for mo in $(MO); do lang=$${mo#build/locale/}; lang=$${lang%%/*}; \
	    install -d $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES && \
	    install -m 0644 $$mo $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/badgekiosk.mo || exit 1; done

# Leaves /etc/badgekiosk/badgekiosk.ini if it was edited, and never touches
# the store and keys in $(STATEDIR): they are the event's data.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/badgectl $(DESTDIR)$(BINDIR)/badgekiosk
	rm -f $(DESTDIR)$(DATADIR)/fgmv2-logo.png $(DESTDIR)$(DATADIR)/fgmv2-attendees.csv
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)
	rm -f $(DESTDIR)$(UNITDIR)/badgekiosk.service $(DESTDIR)$(PAMDIR)/badgekiosk
	for mo in $(MO); do lang=$${mo#build/locale/}; lang=$${lang%%/*}; \
	    rm -f $(DESTDIR)$(LOCALEDIR)/$$lang/LC_MESSAGES/badgekiosk.mo; done
	@if [ -f build/badgekiosk.ini ] && cmp -s build/badgekiosk.ini $(DESTDIR)$(SYSCONFDIR)/badgekiosk.ini; then \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/badgekiosk.ini; rmdir $(DESTDIR)$(SYSCONFDIR) 2>/dev/null; \
	 elif [ -f $(DESTDIR)$(SYSCONFDIR)/badgekiosk.ini ]; then \
	    echo "uninstall: kept $(DESTDIR)$(SYSCONFDIR)/badgekiosk.ini (edited); $(STATEDIR) is never removed"; fi

# The Debian package, built out of tree from a copy of the source (see
# packaging/build-deb), into build/deb/, then lintian.
deb: deps-deb
	@./packaging/build-deb

# Not part of "make check": it takes minutes and Debian's archive.
package-tests: deps-deb
	@./tests/packaging/run

# The brain's folders see no device headers (see BRAIN_PKGS).
$(foreach d,$(BRAIN_DIRS),build/obj/src/$(d)/%.o build/asan/src/$(d)/%.o build/tsan/src/$(d)/%.o \
    build/fuzz/obj/src/$(d)/%.o): PKG_CFLAGS := $(BRAIN_CFLAGS)
$(foreach d,$(BRAIN_DIRS),build/obj/src/$(d)/%.o build/asan/src/$(d)/%.o build/tsan/src/$(d)/%.o): \
    CUPS_CFLAGS :=

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

build/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -MMD -MP -c $< -o $@

build/libbadgekiosk.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

build/asan/libbadgekiosk.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/badgectl: $(CTL_SRC:%.c=build/obj/%.o) build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS) $(DASH_LIBS)

$(DASH_SRC:%.c=build/obj/%.o) $(DASH_SRC:%.c=build/asan/%.o): PKG_CFLAGS += $(DASH_CFLAGS)

build/badgekiosk: $(KIOSK_SRC:%.c=build/obj/%.o) build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

# The kiosk finds build/locale beside its binary when run from the tree.
locale: $(MO)

build/locale/%/LC_MESSAGES/badgekiosk.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

build/gen-export: build/obj/tools/gen_export.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

build/render-samples: build/obj/tools/render_samples.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

build/make-logo: build/obj/tools/make_logo.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

# The tests' QR images of arbitrary text (registration systems' codes).
build/qr-png: build/obj/tools/qr_png.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

build/asan/tests/%: tests/unit/%.c tests/unit/testutil.h tests/unit/eventfix.h tests/unit/reportfix.h build/asan/libbadgekiosk.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) -o $@ $< \
	    build/asan/libbadgekiosk.a $(LIBS) $(shell pkg-config --libs cmocka)

# The decoder's tests on generated kiosk frames link the generator.
build/asan/tests/test_scan_frames: tests/unit/test_scan_frames.c tests/lib/qrframes.c \
    tests/lib/qrframes.h tests/unit/testutil.h build/asan/libbadgekiosk.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -Itests/unit -Itests/lib $(shell pkg-config --cflags cmocka) -o $@ $< \
	    tests/lib/qrframes.c build/asan/libbadgekiosk.a $(LIBS) $(shell pkg-config --libs cmocka)

# The sample HTML report and its SVG charts in docs/ (tools/report-sample).
report-sample: build/badgectl
	@./tools/report-sample

# The organiser's flow on the sample event (the kiosk joins it in a later issue).
demo: deps
	@$(MAKE) --no-print-directory all
	@./tools/demo

# The organiser's flow with badgectl, step by step.
demo-cli: deps
	@$(MAKE) --no-print-directory all
	@./tools/demo-cli

# test_reporthtml reads build/locale's catalogues.
unit: $(UNIT_BIN) locale
	@./tools/run-unit $(UNIT_BIN)

e2e: build/badgectl build/badgekiosk build/gen-export build/qr-png
	@./tests/e2e/run

# ---- ThreadSanitizer: the kiosk's UI thread and its print worker (tests/tsan/) ----
# The library and the print worker are built again with -fsanitize=thread in
# build/tsan/; any report fails the run (exit code 66).
TSAN_FLAGS = $(CSTD) $(WARN) -O1 -g -fsanitize=thread -fno-omit-frame-pointer -Isrc \
             -DBK_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CUPS_CFLAGS)
TSAN_OBJ   = $(LIB_SRC:%.c=build/tsan/%.o) build/tsan/src/kiosk/printq.o \
             build/tsan/src/kiosk/heartbeat.o
TSAN_BIN   = $(patsubst tests/tsan/%.c,build/tsan/tests/%,$(wildcard tests/tsan/test_*.c)) \
             build/tsan/tests/test_store_checkpoint

build/tsan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_FLAGS) -MMD -MP -c $< -o $@

build/tsan/libbadgekiosk.a: $(TSAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/tsan/tests/%: tests/tsan/%.c tests/unit/testutil.h tests/unit/eventfix.h build/tsan/libbadgekiosk.a
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_FLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) -o $@ $< \
	    build/tsan/libbadgekiosk.a $(LIBS) $(shell pkg-config --libs cmocka)

# The SQLite store's checkpointer thread: its unit test, built again here.
build/tsan/tests/test_store_checkpoint: tests/unit/test_store_checkpoint.c tests/unit/testutil.h \
    build/tsan/libbadgekiosk.a
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_FLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) -o $@ $< \
	    build/tsan/libbadgekiosk.a $(LIBS) $(shell pkg-config --libs cmocka)

tsan: $(TSAN_BIN) locale
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66 $(TSAN_OPTIONS)" RUN_UNIT_LABEL=tsan \
	    ./tools/run-unit $(TSAN_BIN)

# Real printers on loopback (an ippeveprinter, a private cupsd); they need
# root to start a dbus system bus and avahi-daemon when none runs.
build/asan/tests/test_printer: tests/print/test_printer.c build/asan/libbadgekiosk.a
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_FLAGS) -Itests/unit $(shell pkg-config --cflags cmocka) -o $@ $< \
	    build/asan/libbadgekiosk.a $(LIBS) $(shell pkg-config --libs cmocka)

# Label printers through CUPS's and Debian's own drivers (tests/print/labels):
# printer-driver-ptouch for Brother QL, tesseract to read the labels back.
print-tests: build/asan/tests/test_printer build/badgectl
	@BK_TEST_TIMING_JOBS=0 ./tests/print/run
	@./tests/print/badgectl
	@./tests/print/labels

# The kiosk under Xvfb, driven by xdotool as a keyboard scanner and a finger.
kiosk-tests: build/badgectl build/badgekiosk locale build/qr-png
	@./tests/kiosk/run

# The shared store on a real PostgreSQL 15 started on loopback (tests/shared/):
# kiosks as processes (kiosk-sim), a proxy that cuts the network, badgectl.
# badgectl and kiosk-sim are built again with AddressSanitizer and UBSan for
# these tests: the store's server and journal code runs under them here.
build/kiosk-sim: tests/shared/kiosk_sim.c build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $< build/libbadgekiosk.a $(LIBS)

build/asan/kiosk-sim: tests/shared/kiosk_sim.c build/asan/libbadgekiosk.a
	$(CC) $(ASAN_FLAGS) -o $@ $< build/asan/libbadgekiosk.a $(LIBS)

build/asan/badgectl: $(CTL_SRC:%.c=build/asan/%.o) build/asan/libbadgekiosk.a
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(LIBS) $(DASH_LIBS)

shared-tests: build/asan/badgectl build/asan/kiosk-sim build/badgekiosk build/gen-export locale
	@./tests/shared/run

# The live dashboard (tests/dashboard/): badgectl serve on loopback, curl,
# headless chromium and an offscreen badgekiosk's heartbeat; about 15 s.
dashboard-tests: build/badgectl build/badgekiosk locale
	@./tests/dashboard/run

# The dashboard's screenshots in docs/dashboard/ (shown in the README).
dashboard-screenshots: build/badgectl build/badgekiosk locale
	@DASHBOARD_SCREENSHOTS=$(CURDIR)/docs/dashboard ./tests/dashboard/run

# Every program the suites run, built first on every core; then the shared
# store's suite (mostly waiting on its server and proxy), then the
# dashboard's (mostly waiting on a browser), run beside the unit,
# ThreadSanitizer, end-to-end and fuzz suites (mostly computing), and
# last, one at a time, the suites that judge timing or own the screen and
# printers: the kiosk under Xvfb, printing, reliability.
CHECK_BIN = $(UNIT_BIN) $(TSAN_BIN) build/badgectl build/badgekiosk build/gen-export build/qr-png \
            build/asan/badgectl build/asan/kiosk-sim build/asan/tests/test_printer $(REL_BIN) \
            $(FUZZ_TARGETS:%=build/fuzz/%) locale
check: deps
	@$(MAKE) --no-print-directory -j$$(nproc) $(CHECK_BIN)
	@./tools/run-lanes "$(MAKE) --no-print-directory shared-tests dashboard-tests" \
	    "$(MAKE) --no-print-directory unit tsan e2e fuzz-check"
	@$(MAKE) --no-print-directory print-tests kiosk-tests reliability

bench:
	@./tools/install-deps $(DEB_PKGS) $(DEB_PKGS_BENCH)
	@$(MAKE) --no-print-directory all build/bench-core build/bench-badge build/bench-decode \
	    build/bench-dashboard \
	    build/gen-frames build/kiosk-sim build/gen-export $(REL_BIN)
	@./bench/run

# The shared store's figures alone (bench/shared, also part of make bench):
# its own PostgreSQL on loopback; rewrites only that section of BENCHMARKS.md.
bench-shared:
	@./tools/install-deps $(DEB_PKGS)
	@$(MAKE) --no-print-directory all build/kiosk-sim build/gen-export
	@./bench/shared

# bench-decode and gen-frames draw kiosk frames with the tests' generator.
build/obj/bench/bench_decode.o build/obj/bench/gen_frames.o: CFLAGS_ALL += -Itests/lib
build/bench-decode: build/obj/bench/bench_decode.o build/obj/tests/lib/qrframes.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

build/gen-frames: build/obj/bench/gen_frames.o build/obj/tests/lib/qrframes.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

# The dashboard's figures run the real server: its objects and libmicrohttpd.
build/bench-dashboard: build/obj/bench/bench_dashboard.o $(DASH_SRC:%.c=build/obj/%.o) \
    build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS) $(DASH_LIBS)

build/bench-%: build/obj/bench/bench_%.o build/libbadgekiosk.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

# ---- hostile input: libFuzzer targets (fuzz/), clang 14 from libclang-rt-14-dev ----
# The core is built again with coverage instrumentation and the sanitizers
# in build/fuzz/; "make fuzz" runs each target FUZZ_SECONDS and writes the
# executions to BENCHMARKS.md, "make check" runs each briefly and replays
# fuzz/regressions/.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 120
FUZZ_CHECK_SECONDS ?= 10
FUZZ_TARGETS = fuzz_csv fuzz_token fuzz_config fuzz_export
FUZZ_FLAGS   = $(CSTD) $(WARN) -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all \
               -Isrc -DBK_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
FUZZ_OBJ     = $(CORE_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@

build/fuzz/libcore.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.h build/fuzz/libcore.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -DBK_FUZZ_SOURCE='"$(CURDIR)"' \
	    -o $@ $< build/fuzz/libcore.a $(LIBS)

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=build/fuzz/%)
	@./tools/run-fuzz --bench $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-check: $(FUZZ_TARGETS:%=build/fuzz/%)
	@./tools/run-fuzz $(FUZZ_CHECK_SECONDS) $(FUZZ_TARGETS)

# ---- reliability: crash, full disk, locks, rush (tests/reliability/) ----
# Built without sanitizers, like the kiosk, so kills and timings are real.
REL_BIN = build/crash build/crash-worker build/rush
REL_FLAGS = $(CFLAGS_ALL) -Itests/reliability -DBK_SOURCE_DIR='"$(CURDIR)"'

build/crash: tests/reliability/crash.c tests/reliability/relutil.h build/libbadgekiosk.a
	$(CC) $(REL_FLAGS) -o $@ $< build/libbadgekiosk.a $(LIBS)

build/crash-worker: tests/reliability/crash_worker.c tests/reliability/relutil.h \
    build/libbadgekiosk.a
	$(CC) $(REL_FLAGS) -o $@ $< build/libbadgekiosk.a $(LIBS)

build/rush: tests/reliability/rush.c tests/reliability/relutil.h build/libbadgekiosk.a
	$(CC) $(REL_FLAGS) -o $@ $< build/libbadgekiosk.a $(LIBS)

reliability: build/badgectl build/badgekiosk $(REL_BIN)
	@./tests/reliability/run

# Hundreds of kills and the full rush; figures go to BENCHMARKS.md.
soak: deps
	@$(MAKE) --no-print-directory build/badgectl $(REL_BIN)
	@BK_SOAK=1 ./tests/reliability/run

pot:
	@mkdir -p po
	xgettext --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=C_:1c,2 --keyword=NC_:1c,2 \
	    --from-code=UTF-8 --add-comments=TRANSLATORS: \
	    --package-name=badgekiosk --package-version=$(VERSION) \
	    -o po/badgekiosk.pot $(LIB_SRC) $(CTL_SRC) $(KIOSK_SRC)

format:
	clang-format -i $(LIB_SRC) $(CTL_SRC) $(KIOSK_SRC) $(wildcard src/*/*.h) $(UNIT_SRC) tests/print/*.c

clean:
	rm -rf build

# build/deb and build/pkgtest hold a copy of the tree and a whole Debian root,
# whose *.d folders (pam.d, apt.conf.d) are no dependency files.
-include $(shell find build \( -path build/deb -o -path build/pkgtest \) -prune -o \
    -name '*.d' -type f -print 2>/dev/null)
