#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install DESTDIR=...` puts every file where configure said: the
# program (which runs), the library, headers and pkg-config file (with
# which examples/forked_bots.c builds and runs), the manual pages, the
# sample configuration, the systemd units (naming the installed program)
# and the documentation. The paths come from the Makefile (OTPBOX_DIRS).
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
: "${OTPBOX_DIRS:?run through make check (OTPBOX_DIRS unset)}"
eval "$OTPBOX_DIRS"

root="$TEST_DIR/root"
if ${MAKE:-make} -s -C "$OTPBOX_BUILDDIR" install DESTDIR="$root" \
	>"$TEST_DIR/install.log" 2>&1; then
	pass "make install DESTDIR=... succeeds"
else
	fail "make install DESTDIR=..."
	tail -20 "$TEST_DIR/install.log"
	test_done
fi

# expect_file PATH [-x]: PATH (without DESTDIR) is installed.
expect_file()
{
	if [ "${2:-}" = -x ] && [ -x "$root$1" ] && [ -f "$root$1" ]; then
		pass "installed (executable): $1"
	elif [ "${2:-}" != -x ] && [ -f "$root$1" ] && [ -s "$root$1" ]; then
		pass "installed: $1"
	else
		fail "not installed: $1"
	fi
}

expect_file "$bindir/otpbox" -x
expect_file "$includedir/otpbox.h"
expect_file "$libdir/pkgconfig/otpbox.pc"
for h in $(sed -n 's/^#include "\(.*\)"/\1/p' "$root$includedir/otpbox.h"); do
	expect_file "$includedir/$h"
done
if ls "$root$libdir"/libotpbox.so.[0-9]* >/dev/null 2>&1 &&
	[ -e "$root$libdir/libotpbox.so" ]; then
	pass "installed: $libdir/libotpbox.so and its SONAME link"
else
	fail "not installed: $libdir/libotpbox.so*"
fi
for p in otpbox.1 otpbox-fetch.1 otpbox-wait.1 otpbox-extract.1 \
	otpbox-status.1 otpbox-doctor.1; do
	expect_file "$mandir/man1/$p"
done
expect_file "$mandir/man5/otpbox.conf.5"
expect_file "$mandir/man3/libotpbox.3"
expect_file "$sysconfdir/otpbox/otpbox.conf.sample"
for d in extraction.md m365-setup.md audit.md; do
	expect_file "$docdir/$d"
done
expect_file "$pkgdatadir/001_init.sql"
if [ "$systemdsystemunitdir" != no ]; then
	for u in otpbox-fetch.service otpbox-fetch-once.service \
		otpbox-fetch-once.timer; do
		expect_file "$systemdsystemunitdir/$u"
	done
	for u in otpbox-fetch.service otpbox-fetch-once.service; do
		expect_grep "^ExecStart=$bindir/otpbox fetch " \
			"$root$systemdsystemunitdir/$u" \
			"$u starts the installed $bindir/otpbox"
	done
	if grep -q '@[a-z]*dir@' "$root$systemdsystemunitdir"/otpbox-*; then
		fail "a unit keeps an unsubstituted @...dir@"
	else
		pass "the units have no unsubstituted @...dir@"
	fi
else
	echo "note: configured --with-systemdsystemunitdir=no: no units"
fi
[ "$sysusersdir" = no ] || expect_file "$sysusersdir/otpbox.conf"

# The installed program runs.
if LD_LIBRARY_PATH="$root$libdir" "$root$bindir/otpbox" --version \
	>"$TEST_DIR/version" 2>&1 && grep -q "^otpbox [0-9]" "$TEST_DIR/version"; then
	pass "the installed otpbox runs: $(cat "$TEST_DIR/version")"
else
	fail "the installed otpbox --version"
	cat "$TEST_DIR/version"
fi

# The installed sample (Debian's conffile) is a valid configuration.
if "$root$bindir/otpbox" extract -c "$root$sysconfdir/otpbox/otpbox.conf.sample" \
	</dev/null >"$TEST_DIR/sample.out" 2>&1; then
	pass "the installed sample configuration loads"
else
	fail "the installed sample configuration does not load"
	head -5 "$TEST_DIR/sample.out"
fi

# A bot builds from the installed header and library through pkg-config
# alone, and runs against the installed library.
export PKG_CONFIG_SYSROOT_DIR="$root"
export PKG_CONFIG_PATH="$root$libdir/pkgconfig"
if flags=$(pkg-config --cflags --libs otpbox 2>"$TEST_DIR/pc.err"); then
	pass "pkg-config --cflags --libs otpbox: $flags"
else
	fail "pkg-config otpbox"
	cat "$TEST_DIR/pc.err"
fi
case " $flags " in
*" -I$root"* | *" -L$root"*) pass "pkg-config points into DESTDIR" ;;
*) fail "pkg-config does not point into DESTDIR: $flags" ;;
esac
# OTPBOX_LDFLAGS: a sanitizer build's library needs the sanitizer runtime
# linked into the program too.
# shellcheck disable=SC2086 # flags are words
if ${CC:-cc} -o "$TEST_DIR/forked_bots" \
	"$OTPBOX_SRCDIR/examples/forked_bots.c" $flags ${OTPBOX_LDFLAGS:-} \
	>"$TEST_DIR/cc.log" 2>&1; then
	pass "examples/forked_bots.c builds with pkg-config otpbox"
else
	fail "examples/forked_bots.c does not build with pkg-config otpbox"
	head -20 "$TEST_DIR/cc.log"
fi
LD_LIBRARY_PATH="$root$libdir" "$TEST_DIR/forked_bots" -n 1 -t 0 \
	-d example.com "$TEST_DIR/none.db" >"$TEST_DIR/bots.out" 2>&1
st=$?
if [ "$st" -eq 1 ] && grep -q "does not exist" "$TEST_DIR/bots.out"; then
	pass "the example runs on the installed library (no database: exit 1)"
else
	fail "the example on the installed library: exit $st"
	head -5 "$TEST_DIR/bots.out"
fi
if LD_LIBRARY_PATH="$root$libdir" ldd "$TEST_DIR/forked_bots" 2>/dev/null |
	grep -q "libotpbox.*=> $root"; then
	pass "the example loads libotpbox from DESTDIR"
else
	fail "the example does not load libotpbox from DESTDIR"
fi
test_done
