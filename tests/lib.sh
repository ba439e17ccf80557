# SPDX-License-Identifier: MIT
# Shared helpers for otpbox's shell tests: a private temporary directory,
# result counting and readable failure messages.
: "${OTPBOX:?run through make check (OTPBOX unset)}"
TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-$TEST_NAME.XXXXXX")
TEST_PASSED=0
TEST_FAILED=0
trap 'test_cleanup' EXIT

test_cleanup()
{
	rm -rf "$TEST_DIR"
}

pass()
{
	TEST_PASSED=$((TEST_PASSED + 1))
	echo "ok: $*"
}

fail()
{
	TEST_FAILED=$((TEST_FAILED + 1))
	echo "FAIL: $*"
}

# expect_status WANT DESCRIPTION -- COMMAND...: runs COMMAND, compares $?.
expect_status()
{
	want=$1 desc=$2
	shift 3
	"$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass "$desc"
	else
		fail "$desc: exit $got, wanted $want"
		sed 's/^/    stderr: /' "$TEST_DIR/err" | head -5
	fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep()
{
	if grep -q -- "$1" "$2"; then
		pass "$3"
	else
		fail "$3: no '$1' in $(basename "$2")"
		sed 's/^/    /' "$2" | head -5
	fi
}

test_done()
{
	echo "$TEST_NAME: $TEST_PASSED passed, $TEST_FAILED failed"
	[ "$TEST_FAILED" -eq 0 ] && [ "$TEST_PASSED" -gt 0 ]
	exit $?
}
