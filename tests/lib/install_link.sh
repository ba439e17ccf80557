#!/bin/sh
# SPDX-License-Identifier: MIT
# libotpbox as a user gets it: `make install DESTDIR=...`, then the examples
# built with `pkg-config otpbox` against the installed files, dynamically and
# fully statically, and run against a real database. The shared library
# must carry a versioned SONAME and need only the wait side's libraries.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
CC=${CC:-cc}
for p in pkg-config readelf sqlite3 "$CC"; do
	command -v "$p" >/dev/null 2>&1 || { echo "SKIP: no $p"; exit 77; }
done
TOOL="$OTPBOX_BUILDDIR/tests/worker/testdb_tool"
ROOT=$TEST_DIR/root
DB=$TEST_DIR/otpbox.db

make -s -C "$OTPBOX_BUILDDIR" install DESTDIR="$ROOT" >"$TEST_DIR/install.log" 2>&1 ||
	{ fail "make install: $(tail -5 "$TEST_DIR/install.log")"; test_done; }
pc=$(find "$ROOT" -name otpbox.pc | head -1)
[ -n "$pc" ] && pass "otpbox.pc installed" || { fail "no otpbox.pc"; test_done; }
# The sysroot prefixes the -I and -L paths the .pc file names.
PKG_CONFIG_PATH=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$ROOT
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
LIBDIR=$ROOT$(pkg-config --variable=libdir otpbox | sed "s|^$ROOT||")
so=$LIBDIR/libotpbox.so

# The shared library: SONAME, dependencies, exported names.
if readelf -d "$so" >"$TEST_DIR/dyn" 2>&1; then
	expect_grep 'SONAME.*\[libotpbox\.so\.1\]' "$TEST_DIR/dyn" "SONAME libotpbox.so.1"
	[ -f "$LIBDIR/libotpbox.so.1" ] && pass "libotpbox.so.1 installed" ||
		fail "no $LIBDIR/libotpbox.so.1"
else
	fail "no $so"
fi
if grep NEEDED "$TEST_DIR/dyn" | grep -Eq 'gmime|xml2|curl|jansson|glib|gobject'; then
	fail "libotpbox.so needs the fetch side's libraries:"
	grep NEEDED "$TEST_DIR/dyn" | sed 's/^/    /'
else
	pass "libotpbox.so needs no GMime, libxml2, libcurl or jansson"
fi
# A sanitizer build's library needs the sanitizer runtime at link time too.
SAN=
grep -q 'NEEDED.*libasan' "$TEST_DIR/dyn" && SAN="-fsanitize=address,undefined"
bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^otpbox_')
[ -z "$bad" ] && pass "libotpbox.so exports otpbox_* only" ||
	fail "libotpbox.so exports $bad"
[ -f "$LIBDIR/libotpbox.a" ] && pass "libotpbox.a installed" ||
	fail "no static libotpbox.a in $LIBDIR"

# Dynamic builds with the installed header and pkg-config's flags only.
for ex in wait_code forked_bots; do
	# shellcheck disable=SC2046
	expect_status 0 "$ex builds with pkg-config --cflags --libs otpbox" -- \
		$CC $SAN -o "$TEST_DIR/$ex" "$OTPBOX_SRCDIR/examples/$ex.c" \
		$(pkg-config --cflags --libs otpbox)
done
"$TOOL" create "$DB" || { fail "create a test database"; test_done; }
LD_LIBRARY_PATH=$LIBDIR
export LD_LIBRARY_PATH
# Binding every symbol at start fails if libotpbox.so needs one that none
# of its libraries has.
expect_status 0 "wait_code -V with every symbol bound" -- \
	env LD_BIND_NOW=1 "$TEST_DIR/wait_code" -V
expect_grep "headers 0\.2\.0, library 0\.2\.0" "$TEST_DIR/out" \
	"header and library versions agree"
ldd "$TEST_DIR/wait_code" >"$TEST_DIR/ldd" 2>&1
expect_grep "libotpbox\.so\.1 => $LIBDIR/libotpbox\.so\.1" "$TEST_DIR/ldd" \
	"the example loads the installed libotpbox.so.1"
"$TOOL" add "$DB" bot-1@x.test code 111111 5
expect_status 0 "dynamic wait_code claims a code" -- \
	"$TEST_DIR/wait_code" bot-1@x.test "$DB"
expect_grep '^111111$' "$TEST_DIR/out" "dynamic wait_code printed the code"

# forked_bots waits from its start: the codes come once both wait.
"$TEST_DIR/forked_bots" -n 2 -t 30 -p bot- -d y.test "$DB" \
	>"$TEST_DIR/bots.out" 2>"$TEST_DIR/bots.err" &
bots=$!
i=0
while [ "$(sqlite3 -cmd '.timeout 5000' "$DB" \
	"SELECT count(*) FROM active_waits WHERE address LIKE '%@y.test'")" != 2 ] &&
	[ $i -lt 1000 ]; do
	sleep 0.02
	i=$((i + 1))
done
"$TOOL" add "$DB" bot-1@y.test code 211111 0
"$TOOL" add "$DB" bot-2@y.test code 222222 0
wait $bots && pass "dynamic forked_bots: both workers got a code" ||
	fail "dynamic forked_bots: $(cat "$TEST_DIR/bots.err")"
expect_grep '^bot-2@y.test 222222$' "$TEST_DIR/bots.out" \
	"dynamic forked_bots printed its code"
unset LD_LIBRARY_PATH

# The Python package: installed where Debian's python3 looks, and working
# over the installed library.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
init=$(find "$ROOT" -path '*/otpbox/__init__.py' | head -1)
if [ -n "$init" ]; then
	pkgdir=$(dirname "$init")
	pydir=$(dirname "$pkgdir")
	pass "Python package installed in ${pydir#"$ROOT"}"
	# Debian's python3 looks under /usr and /usr/local only: a private
	# prefix (make distcheck's) is found through PYTHONPATH instead.
	case ${pydir#"$ROOT"} in
	/usr/lib/* | /usr/local/lib/*)
		if "$PY" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' \
			"${pydir#"$ROOT"}"; then
			pass "$PY looks in ${pydir#"$ROOT"}"
		else
			fail "$PY does not look in ${pydir#"$ROOT"}"
		fi
		;;
	*) echo "note: prefix ${pydir#"$ROOT"} is not one python3 searches" ;;
	esac
	expect_grep "^LIBDIR = \"${LIBDIR#"$ROOT"}\"\$" "$pkgdir/_build.py" \
		"the package knows where libotpbox is installed"
	"$TOOL" add "$DB" bot-4@x.test code 444555 5
	expect_status 0 "installed package waits through the installed library" -- \
		env ${SAN:+LD_PRELOAD=$($CC -print-file-name=libasan.so)} \
		${SAN:+ASAN_OPTIONS=detect_leaks=0} \
		PYTHONPATH="$pydir" OTPBOX_LIBRARY="$LIBDIR/libotpbox.so.1" \
		"$PY" -c 'import sys, otpbox
print(otpbox.wait_for_otp("bot-4@x.test", timeout=5, db=sys.argv[1]))
print(otpbox.library_version())' "$DB"
	expect_grep '^444555$' "$TEST_DIR/out" "and prints the code"
else
	fail "no otpbox/__init__.py installed"
fi

# Fully static: every library the link needs comes from the .pc files.
# (The sanitizer runtime cannot be linked statically: there libotpbox.a
# alone is, with pkg-config --static's libraries. So it is where libpq,
# which the PostgreSQL store needs, cannot be: Debian packages no static
# libpgcommon, libpgport or libgssapi_krb5.)
full_static=
if [ -z "$SAN" ]; then
	printf 'int main(void) { return 0; }\n' >"$TEST_DIR/pq.c"
	# shellcheck disable=SC2046
	if $CC -static -o "$TEST_DIR/pq" "$TEST_DIR/pq.c" \
		$(pkg-config --static --libs libpq) >/dev/null 2>&1; then
		full_static=1
	else
		echo "note: libpq cannot be linked statically here; libotpbox.a" \
			"is linked with shared system libraries instead"
	fi
fi
for ex in wait_code forked_bots; do
	if [ -n "$full_static" ]; then
		# shellcheck disable=SC2046
		expect_status 0 "$ex links with -static and pkg-config --static" -- \
			$CC -static -o "$TEST_DIR/$ex-static" \
			"$OTPBOX_SRCDIR/examples/$ex.c" \
			$(pkg-config --static --cflags --libs otpbox)
	else
		# shellcheck disable=SC2046
		expect_status 0 "$ex links libotpbox.a with pkg-config --static" -- \
			$CC $SAN -o "$TEST_DIR/$ex-static" \
			"$OTPBOX_SRCDIR/examples/$ex.c" \
			$(pkg-config --static --cflags otpbox) "$LIBDIR/libotpbox.a" \
			$(pkg-config --static --libs otpbox | sed 's/-lotpbox//')
	fi
done
if [ -x "$TEST_DIR/wait_code-static" ]; then
	readelf -d "$TEST_DIR/wait_code-static" >"$TEST_DIR/sdyn" 2>&1
	if [ -n "$full_static" ]; then
		grep -q NEEDED "$TEST_DIR/sdyn" &&
			fail "the static build still needs shared libraries" ||
			pass "the static build needs no shared library"
	else
		grep -q 'NEEDED.*libotpbox' "$TEST_DIR/sdyn" &&
			fail "the static build still needs libotpbox.so" ||
			pass "the static build needs no libotpbox.so"
	fi
	"$TOOL" add "$DB" bot-2@x.test code 222333 5
	expect_status 0 "static wait_code claims a code" -- \
		"$TEST_DIR/wait_code-static" bot-2@x.test "$DB"
	expect_grep '^222333$' "$TEST_DIR/out" "static wait_code printed the code"
fi
test_done
