/* SPDX-License-Identifier: MIT */
/* The terminal progress line of a long sync. Per process, one sync at a
 * time (a fetcher process syncs one folder at once). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fetch_progress.h"
#include "fetch_report.h"

static struct {
	const char *account, *folder;
	uint64_t total, done;
	long long start, drawn; /* ms */
	int counting;           /* large enough to report (terminal, systemd) */
	int active;             /* drawing on the terminal */
} fetch_progress;

static void
fetch_progress_draw(long long now)
{
	double secs = (now - fetch_progress.start) / 1000.0;
	double rate = secs > 0 ? fetch_progress.done / secs : 0;
	uint64_t left = fetch_progress.total > fetch_progress.done
	                    ? fetch_progress.total - fetch_progress.done
	                    : 0;

	fprintf(stderr, "\r%s/%s: %llu of %llu messages",
	        fetch_progress.account, fetch_progress.folder,
	        (unsigned long long)fetch_progress.done,
	        (unsigned long long)fetch_progress.total);
	if (rate > 0)
		fprintf(stderr, ", %.0f/s, about %.0f s left", rate,
		        left / rate);
	fprintf(stderr, "\033[K");
	fflush(stderr);
	fetch_progress.drawn = now;
}

void
fetch_progress_begin(const char *account, const char *folder, int64_t last_uid,
                     uint32_t to, uint32_t exists)
{
	uint64_t total = to > last_uid ? (uint64_t)(to - last_uid) : 0;

	if (total > exists)
		total = exists;
	fetch_progress.counting = total >= FETCH_PROGRESS_MIN;
	fetch_progress.active = fetch_progress.counting && isatty(2);
	fetch_progress.total = total;
	if (!fetch_progress.active)
		return;
	fetch_progress.account = account;
	fetch_progress.folder = folder;
	fetch_progress.total = total;
	fetch_progress.done = 0;
	fetch_progress.start = clock_mono_ms();
	fetch_progress_draw(fetch_progress.start);
}

void
fetch_progress_step(uint64_t done)
{
	long long now;

	if (fetch_progress.counting)
		fetch_report_progress(done, fetch_progress.total);
	else
		fetch_report_pulse();
	if (!fetch_progress.active)
		return;
	fetch_progress.done = done;
	now = clock_mono_ms();
	if (now - fetch_progress.drawn >= FETCH_PROGRESS_EVERY_MS)
		fetch_progress_draw(now);
}

void
fetch_progress_end(void)
{
	fetch_progress.counting = 0;
	if (!fetch_progress.active)
		return;
	fetch_progress_draw(clock_mono_ms());
	fputc('\n', stderr);
	fetch_progress.active = 0;
}
