/* SPDX-License-Identifier: MIT */
/* Heartbeats and systemd notifications of one fetcher process. The state
 * is per process and set once at start-up, like the log settings. */
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "fetch_report.h"
#include "log.h"
#include "sd_notify.h"

/* STATUS= and the alive heartbeat are refreshed at most this often. */
#define FETCH_REPORT_STATUS_MS 5000

static struct {
	enum store_status_mode mode;
	size_t naccounts;
	bool ready;
	long long pinged, refreshed; /* ms, monotonic */
	long long extended;          /* ms of the last EXTEND_TIMEOUT_USEC */
	time_t synced;               /* last success of this process */
	time_t failing;              /* first error since the last success */
	char error[96];              /* its text, shortened for STATUS= */
} fetch_report = {.mode = STORE_STATUS_ONCE};

void
fetch_report_init(enum store_status_mode mode, size_t naccounts)
{
	fetch_report.mode = mode;
	fetch_report.naccounts = naccounts;
	fetch_report.ready = false;
	fetch_report.pinged = fetch_report.refreshed = 0;
}

static void
fetch_report_beat(struct store *st, const char *account, const char *folder,
                  enum store_status_event event, const char *error)
{
	struct store_status_beat b = {
	    .account = account,
	    .folder = folder,
	    .mode = fetch_report.mode,
	    .event = event,
	    .error = error,
	};

	if (store_status_beat(st, &b, (int64_t)time(NULL), NULL))
		log_debug("heartbeat %s/%s not written: %s", account, folder,
		          store_errmsg(st));
}

static void
fetch_report_notify(const char *state)
{
	if (sd_notify_send(state))
		log_debug("sd_notify %s failed", state);
}

/* "STATUS=watching 2 accounts; last sync 3 s ago; last code 4 s ago" */
static void
fetch_report_status(struct store *st)
{
	int64_t last_code = 0;
	char line[320], code[64] = "no code yet", sync[160] = "no sync yet";
	time_t now = time(NULL);

	if (fetch_report.mode != STORE_STATUS_WATCH || !sd_notify_enabled())
		return;
	if (store_status_last_code(st, &last_code) == OTPBOX_OK &&
	    last_code > 0)
		snprintf(code, sizeof(code), "last code %lld s ago",
		         (long long)(now - last_code));
	if (fetch_report.failing > 0)
		snprintf(sync, sizeof(sync), "failing for %lld s: %s",
		         (long long)(now - fetch_report.failing),
		         fetch_report.error);
	else if (fetch_report.synced > 0)
		snprintf(sync, sizeof(sync), "last sync %lld s ago",
		         (long long)(now - fetch_report.synced));
	snprintf(line, sizeof(line), "STATUS=watching %zu account%s; %s; %s",
	         fetch_report.naccounts, fetch_report.naccounts == 1 ? "" : "s",
	         sync, code);
	fetch_report_notify(line);
}

void
fetch_report_folder(struct store *st, const char *account, const char *folder,
                    enum otpbox_err err, const char *errbuf)
{
	if (st == NULL || err == OTPBOX_ERR_INTERRUPTED)
		return; /* no store: otpbox doctor signs in without one */
	if (err) {
		if (fetch_report.failing == 0)
			fetch_report.failing = time(NULL);
		snprintf(fetch_report.error, sizeof(fetch_report.error), "%s",
		         errbuf && errbuf[0] ? errbuf : otpbox_strerror(err));
		fetch_report_beat(st, account, folder, STORE_STATUS_FAILED,
		                  errbuf && errbuf[0] ? errbuf
		                                      : otpbox_strerror(err));
		return;
	}
	fetch_report.failing = 0;
	fetch_report.synced = time(NULL);
	fetch_report_beat(st, account, folder, STORE_STATUS_SYNCED, NULL);
	if (fetch_report.mode == STORE_STATUS_WATCH && !fetch_report.ready) {
		fetch_report.ready = true;
		fetch_report_notify("READY=1");
		fetch_report_status(st);
	}
}

void
fetch_report_account(struct store *st, const struct conf_account *a,
                     enum otpbox_err err, const char *errbuf)
{
	size_t i;

	if (err == OTPBOX_OK || err == OTPBOX_ERR_INTERRUPTED)
		return;
	for (i = 0; i < a->nfolders; i++)
		fetch_report_folder(st, a->name, a->folders[i], err, errbuf);
}

void
fetch_report_stopping(void)
{
	if (fetch_report.mode == STORE_STATUS_WATCH)
		fetch_report_notify("STOPPING=1");
}

void
fetch_report_pulse(void)
{
	uint64_t usec = sd_notify_watchdog_usec();
	long long now;

	if (usec == 0)
		return;
	now = clock_mono_ms();
	if (now - fetch_report.pinged < (long long)(usec / 2000))
		return;
	fetch_report.pinged = now;
	fetch_report_notify("WATCHDOG=1");
}

void
fetch_report_progress(uint64_t done, uint64_t total)
{
	long long now;
	char msg[160];

	fetch_report_pulse();
	if (fetch_report.mode != STORE_STATUS_WATCH || fetch_report.ready ||
	    !sd_notify_enabled())
		return;
	now = clock_mono_ms();
	if (fetch_report.extended &&
	    now - fetch_report.extended < FETCH_REPORT_EXTEND_MS)
		return;
	fetch_report.extended = now;
	snprintf(msg, sizeof(msg),
	         "EXTEND_TIMEOUT_USEC=%d\nSTATUS=first sync: %llu of %llu "
	         "messages",
	         FETCH_REPORT_EXTEND_USEC, (unsigned long long)done,
	         (unsigned long long)total);
	fetch_report_notify(msg);
}

void
fetch_report_tick(struct store *st, const struct conf_account *a)
{
	long long now = clock_mono_ms();
	size_t i;

	fetch_report_pulse();
	if (now - fetch_report.refreshed < FETCH_REPORT_STATUS_MS)
		return;
	fetch_report.refreshed = now;
	for (i = 0; i < a->nfolders; i++)
		fetch_report_beat(st, a->name, a->folders[i],
		                  STORE_STATUS_ALIVE, NULL);
	fetch_report_status(st);
}
