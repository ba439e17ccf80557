/* SPDX-License-Identifier: MIT */
/* What a fetcher heartbeat costs: a beat the rate limit skips (every poll
 * of an idle mailbox) and one that writes the row (a real SQLite file in
 * WAL mode, synchronous = NORMAL). Usage: status_bench [DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store_status.h"

static double
status_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct store_status_beat b = {"bench", "INBOX", STORE_STATUS_WATCH,
	                              STORE_STATUS_SYNCED, NULL};
	char path[512], errbuf[512];
	struct store *st = NULL;
	int i, skips = 200000, writes = 2000;
	double t, skip_us, write_us;

	snprintf(path, sizeof(path), "%s/status_bench.db",
	         argc > 1 ? argv[1] : "/tmp");
	remove(path);
	if (store_open(path, true, &st, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "status_bench: %s\n", errbuf);
		return 1;
	}
	store_status_beat(st, &b, 1000, NULL);
	t = status_bench_now();
	for (i = 0; i < skips; i++)
		store_status_beat(st, &b, 1000, NULL);
	skip_us = (status_bench_now() - t) / skips * 1e6;
	t = status_bench_now();
	for (i = 0; i < writes; i++)
		store_status_beat(st, &b, 2000 + (int64_t)i * 30, NULL);
	write_us = (status_bench_now() - t) / writes * 1e6;
	printf("heartbeat: skipped by the rate limit %.3f us, written %.1f us "
	       "(%d writes)\n",
	       skip_us, write_us, writes);
	store_close(st);
	remove(path);
	return 0;
}
