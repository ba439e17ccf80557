#!/bin/sh
# SPDX-License-Identifier: MIT
# otpbox status against a real Dovecot: healthy after a sync (text, JSON,
# Prometheus), unhealthy with a refused login, a folder nobody syncs, an
# old sync or a silent --watch fetcher; counts, waits and missed OTPs.
. "${OTPBOX_SRCDIR:-.}/tests/lib.sh"
. "${OTPBOX_SRCDIR:-.}/tests/dovecot.sh"
dovecot_require
dovecot_start || { echo "cannot start dovecot"; exit 99; }
T=$TEST_DIR
DB=$T/otpbox.db
CONF=$T/otpbox.conf
dovecot_conf "$CONF"
q() { sqlite3 "$DB" "$1"; }
status() { "$OTPBOX" status -c "$CONF" --db "$DB" "$@"; }
# jq-free JSON reads: py EXPR evaluates EXPR with j = the output's JSON.
py() { python3 -c "import json,sys; j=json.load(open('$T/out')); print($1)"; }

expect_eq()
{
	if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', wanted '$2'"; fi
}

expect_status 69 "no database yet: 69" -- status

for i in 1 2; do
	dovecot_make_mail "$T/m$i.eml" "bot$i@bots.test" "50000$i"
	dovecot_deliver "$T/m$i.eml"
done
expect_status 0 "fetch --once" -- "$OTPBOX" fetch -c "$CONF" --db "$DB" --once
expect_eq "$(q "select mode || ' ' || pid from fetch_status")" "once $(q 'select pid from fetch_status')" \
	"the fetcher left a heartbeat row"
expect_eq "$(q "select error is null and success_at > 0 from fetch_status")" 1 \
	"the heartbeat records the success"

expect_status 0 "healthy after a sync: exit 0" -- status
expect_grep "^otpbox: healthy" "$T/out" "text says healthy"
expect_grep "^test/INBOX: healthy" "$T/out" "text names account and folder"
expect_grep "2 messages, 2 codes in the last hour" "$T/out" "text counts the last hour"
expect_grep "lag " "$T/out" "text shows the lag"
expect_grep "clock offset" "$T/out" "text shows the clock offset"

expect_status 0 "--json exits 0" -- status --json
expect_eq "$(py "j['healthy'], j['folders'][0]['messages_last_hour'], j['folders'][0]['codes_last_day']")" \
	"True 2 2" "JSON: healthy, counts"
expect_eq "$(py "j['folders'][0]['last_error'], j['folders'][0]['mode']")" "None once" \
	"JSON: no error, mode once"
expect_eq "$(py "j['database']['size_bytes'] == __import__('os').stat('$DB').st_size")" True \
	"JSON: database size is the file's"
expect_eq "$(py "j['folders'][0]['lag_seconds'] is not None and j['folders'][0]['clock_offset_seconds'] is not None")" \
	True "JSON: lag and clock offset measured"

# Prometheus text format: HELP and TYPE before each family, sample lines
# NAME{labels} VALUE, otpbox_ names with units, label values quoted.
expect_status 0 "--prometheus exits 0" -- status --prometheus
python3 - "$T/out" >"$T/prom" 2>&1 <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
typed, helped, bad = set(), set(), []
sample = re.compile(r'^(otpbox_[a-z_]+)(\{([a-z_]+="(?:[^"\\]|\\.)*",?)*\})? -?[0-9]+$')
for l in lines:
    if l.startswith('# HELP '):
        helped.add(l.split()[2])
    elif l.startswith('# TYPE '):
        n, t = l.split()[2:4]
        if n not in helped or t not in ('gauge', 'counter'):
            bad.append(l)
        typed.add(n)
    else:
        m = sample.match(l)
        if not m or m.group(1) not in typed:
            bad.append(l)
print("bad:", bad)
PY
expect_eq "$(cat "$T/prom")" "bad: []" "Prometheus output parses"
expect_grep '^otpbox_healthy 1$' "$T/out" "Prometheus: healthy 1"
expect_grep '^otpbox_recent_codes{account="test",folder="INBOX",window="1h"} 2$' "$T/out" \
	"Prometheus: recent codes by window"
expect_grep '^otpbox_database_size_bytes [0-9]' "$T/out" "Prometheus: database bytes"
expect_grep '^otpbox_missed_otps_last_hour{reason="no_message"} 0$' "$T/out" \
	"Prometheus: every missed reason, 0 included"

# Waits: one open, one that timed out (missed: no_message).
"$OTPBOX" wait nobody@bots.test --db "$DB" -c "$CONF" --timeout 1 >/dev/null 2>&1
"$OTPBOX" wait other@bots.test --db "$DB" -c "$CONF" --timeout 30 >/dev/null 2>&1 &
WAITER=$!
i=0
while [ "$(q 'select count(*) from active_waits')" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
expect_status 0 "status with waits" -- status --json
expect_eq "$(py "j['open_waits'], j['missed_otps_last_hour']['no_message']")" "1 1" \
	"JSON: one open wait, one missed (no_message)"
kill "$WAITER" 2>/dev/null
wait "$WAITER" 2>/dev/null

# A refused login: the error and since when; unhealthy.
(umask 077 && echo wrong-password >"$T/badpw")
sed "s|password_file = .*|password_file = \"$T/badpw\";|" "$CONF" >"$T/bad.conf"
"$OTPBOX" fetch -c "$T/bad.conf" --db "$DB" --once 2>/dev/null
expect_status 1 "refused login: unhealthy (1)" -- status
expect_grep "UNHEALTHY: the last error is newer than the last success" "$T/out" \
	"text says the error is newer"
expect_grep "refused" "$T/out" "text quotes the error"
expect_grep "failing since" "$T/out" "text says since when"
status --json >"$T/out"
expect_eq "$(py "j['folders'][0]['problems'], j['folders'][0]['error_since'] is not None")" \
	"['failing'] True" "JSON names the problem"
status --prometheus >"$T/out"
expect_grep '^otpbox_healthy 0$' "$T/out" "Prometheus: healthy 0"
expect_grep '^otpbox_error_since_timestamp_seconds{account="test",folder="INBOX"} [0-9]' \
	"$T/out" "Prometheus: error since"

# Success again clears it.
expect_status 0 "fetch again" -- "$OTPBOX" fetch -c "$CONF" --db "$DB" --once
expect_status 0 "healthy again after a success" -- status

# An account removed from the configuration keeps its row but no say.
q "insert into fetch_status (account, folder, mode, pid, host, heartbeat_at,
	success_at) values ('renamed', 'INBOX', 'once', 1, 'h', 1, 1)"
expect_status 0 "a row of an account no longer configured is ignored" -- status
expect_grep "^renamed/INBOX: not configured (ignored)" "$T/out" \
	"text says the row is ignored"
q "delete from fetch_status where account = 'renamed'"

# A configured folder nobody synced yet is unhealthy.
sed 's|folders = \[ "INBOX" \];|folders = [ "INBOX", "Archive" ];|' "$CONF" >"$T/two.conf"
expect_status 1 "a configured folder never synced: 1" -- \
	"$OTPBOX" status -c "$T/two.conf" --db "$DB"
expect_grep "test/Archive: UNHEALTHY: no successful sync recorded" "$T/out" \
	"text names the folder never synced"

# The limits are settings: an old success, and a silent --watch fetcher.
q "update fetch_status set success_at = success_at - 100, attempt_at = attempt_at - 100,
	heartbeat_at = heartbeat_at - 100"
expect_status 0 "100 s old sync is within the default 900 s" -- status
printf 'status = { max_sync_age_seconds = 60; };\n' >>"$CONF"
expect_status 1 "max_sync_age_seconds = 60: unhealthy" -- status
expect_grep "older than status.max_sync_age_seconds" "$T/out" "text names the setting"
q "update fetch_status set mode = 'watch'"
printf 'status = { max_heartbeat_age_seconds = 30; };\n' >"$T/hb.conf"
sed '/^status/d' "$CONF" >>"$T/hb.conf"
expect_status 1 "silent --watch fetcher: unhealthy" -- \
	"$OTPBOX" status -c "$T/hb.conf" --db "$DB" --json
expect_eq "$(py "j['folders'][0]['problems']")" "['no_heartbeat']" \
	"JSON: no_heartbeat"

printf 'status = { max_sync_age_seconds = 1; };\n' >"$T/badlimit.conf"
expect_status 78 "a limit below 10 s is a configuration error" -- \
	"$OTPBOX" status -c "$T/badlimit.conf" --db "$DB"
expect_status 64 "--json and --prometheus together: 64" -- status --json --prometheus
printf 'not a database' >"$T/junk.db"
expect_status 69 "a file that is not an otpbox database: 69" -- \
	"$OTPBOX" status -c "$CONF" --db "$T/junk.db"

test_done
