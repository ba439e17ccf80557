#!/bin/sh
# SPDX-License-Identifier: MIT
# The progress line of a large first sync: shown when stderr is a terminal
# (a python3 pty), never in a file, a pipe or cron mail.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
dovecot_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
CONF=$T/otpbox.conf
dovecot_conf "$CONF"

dovecot_make_many "$T/many" 300 prog
dovecot_bulk "$T/many"

# Not a terminal: the log lines only.
expect_status 0 "first sync into a file" -- \
	"$OTPBOX" fetch -c "$CONF" --db "$T/a.db" --once
if grep -q "of 300 messages" "$T/err" || grep -q "$(printf '\r')" "$T/err"; then
	fail "progress written although stderr is not a terminal"
else
	pass "no progress when stderr is a file"
fi
expect_grep "300 new, 300 stored" "$T/err" "the sync itself is logged"
"$OTPBOX" fetch -c "$CONF" --db "$T/b.db" --once 2>&1 | cat >"$T/pipe"
if grep -q "of 300 messages" "$T/pipe"; then
	fail "progress written into a pipe"
else
	pass "no progress when stderr is a pipe"
fi

# A terminal: the line appears (done of total, rate, time left).
python3 - "$OTPBOX" "$CONF" "$T/c.db" >"$T/tty" 2>&1 <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "fetch", "-c", sys.argv[2],
                           "--db", sys.argv[3], "--once"])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
[ $? -eq 0 ] && pass "sync on a terminal exits 0" || fail "sync on a terminal failed"
expect_grep "test/INBOX: 300 of 300 messages" "$T/tty" "progress reaches 300 of 300"
expect_grep "[0-9]/s, about [0-9]* s left" "$T/tty" "progress shows rate and time left"
expect_grep "300 new, 300 stored" "$T/tty" "the log line follows on its own line"

test_done
