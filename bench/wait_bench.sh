#!/bin/sh
# SPDX-License-Identifier: MIT
# Wait-side benchmarks on a real SQLite file, no mail server, with the
# kernel's default settings: wake-up latency of 100 waiters, the cost of
# 1,000 idle waiters (forked libotpbox workers and `otpbox wait`
# processes), how many of 1,000 idle waiters commits for other addresses
# wake, and a crowd of 200 waiters while 10 codes a second arrive.
# Usage: bench/wait_bench.sh BUILDDIR
#   (WAIT_BENCH_IDLE=N, WAIT_BENCH_SECS=S, WAIT_BENCH_CROWD_MSGS=M)
set -u
BUILDDIR=${1:-.}
BIN=$BUILDDIR/bench/wait_bench
dir=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-wait-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
idle=${WAIT_BENCH_IDLE:-1000}
secs=${WAIT_BENCH_SECS:-10}
msgs=${WAIT_BENCH_CROWD_MSGS:-200}
limit=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo '?')
echo "wait: fs.inotify.max_user_instances = $limit (not used: waiters sleep" \
	"on the change feed); load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" latency "$dir" 100
"$BIN" idle "$dir" "$idle" "$secs"
"$BIN" idle "$dir" "$idle" "$secs" "$BUILDDIR/otpbox"
"$BIN" isolation "$dir" "$idle"
"$BIN" crowd "$dir" 200 "$msgs"
