/* SPDX-License-Identifier: MIT */
/* The --watch loop of one account. The server's IDLE push is the normal
 * path; while the store shows a waiting bot the mailbox is polled with
 * NOOP at a short, fixed cadence, and only then (issue 4, "Push"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fetch_account.h"
#include "fetch_watch.h"
#include "log.h"
#include "oauth2_explain.h"
#include "store_conf.h"
#include "store_fetch.h"
#include "fetch_report.h"

struct fetch_watch {
	const struct conf *conf;
	struct fetch_account *fa;
	struct store *st;
	volatile sig_atomic_t *stop;
	int64_t data_version;
	long long waiting_checked; /* ms */
	bool waiting;
	long long full_sync_at; /* ms of the last sync of all folders */
	long long retention_at;
	bool renew; /* reconnect now: a new token is ready */
	char errbuf[1024];
};

/* Whether some bot waits now. Cheap: the waits table is read only after
 * another connection committed (PRAGMA data_version) or every 5 s. */
static bool
fetch_watch_waiting(struct fetch_watch *w)
{
	long long now = clock_mono_ms();
	int64_t v = 0;

	if (store_data_version(w->st, &v) != OTPBOX_OK)
		return w->waiting;
	if (v == w->data_version && now - w->waiting_checked < 5000)
		return w->waiting;
	w->data_version = v;
	w->waiting_checked = now;
	if (store_fetch_waiting(w->st, time(NULL), &w->waiting) != OTPBOX_OK)
		w->waiting = false;
	return w->waiting;
}

/* Sleeps ms milliseconds unless a stop is requested. */
static void
fetch_watch_sleep(struct fetch_watch *w, long long ms)
{
	long long end = clock_mono_ms() + ms;
	struct timespec ts = {0, FETCH_WATCH_SLICE_MS * 1000000L};

	while (!*w->stop && clock_mono_ms() < end) {
		fetch_report_tick(w->st, w->fa->acct);
		nanosleep(&ts, NULL);
	}
}

/*
 * The back-off before a reconnection: ms, cut short to about one second
 * while a bot waits for a code (a server back after a restart should
 * serve it at once, not after a doubled 8 s), but never below floor_ms,
 * the wait the server itself asked for when it throttled us.
 */
static void
fetch_watch_backoff(struct fetch_watch *w, long long ms, long long floor_ms)
{
	long long start = clock_mono_ms(), end = start + ms, now;
	long long fast = FETCH_WATCH_WAITER_BACKOFF_MS;
	struct timespec ts = {0, FETCH_WATCH_SLICE_MS * 1000000L};

	if (floor_ms > fast)
		fast = floor_ms;
	while (!*w->stop && (now = clock_mono_ms()) < end) {
		if (now - start >= fast && fetch_watch_waiting(w))
			return;
		fetch_report_tick(w->st, w->fa->acct);
		nanosleep(&ts, NULL);
	}
}

/* Full sync of every folder when it is due (several folders: each poll
 * interval; one folder: only at connect, EXISTS covers the rest). */
static bool
fetch_watch_full_due(const struct fetch_watch *w)
{
	long long every =
	    (long long)w->conf->fetch.poll_interval_seconds * 1000;

	return w->fa->nfolders > 1 &&
	       clock_mono_ms() - w->full_sync_at >= every;
}

static enum otpbox_err
fetch_watch_full(struct fetch_watch *w, struct imap_client *cl)
{
	w->full_sync_at = clock_mono_ms();
	return fetch_account_sync_all(w->fa, cl, w->errbuf, sizeof(w->errbuf));
}

/* Whether the session's access token is due for replacement. */
static bool
fetch_watch_renew_due(const struct fetch_watch *w)
{
	time_t at = fetch_account_renew_at(w->fa);

	return at != 0 && time(NULL) >= at;
}

/*
 * Gets the next access token while the session still runs on the old one.
 * With a new token the session ends (w->renew) and the loop reconnects at
 * once; the new session's sync resumes from the committed checkpoint, so
 * nothing is fetched twice or missed. If the endpoint fails, the session
 * goes on: the old token keeps working until the server says otherwise.
 */
static bool
fetch_watch_renew(struct fetch_watch *w)
{
	enum otpbox_err err;
	bool fresh;

	err = fetch_account_renew(w->fa, &fresh, w->errbuf, sizeof(w->errbuf));
	if (err)
		log_warnx("account %s: %s; staying connected with the current "
		          "token",
		          w->fa->acct->name, w->errbuf);
	if (fresh)
		log_info("account %s: new access token; reconnecting with it",
		         w->fa->acct->name);
	w->renew = fresh;
	return fresh;
}

/* Why an IDLE or poll wait ended. */
enum fetch_watch_wake {
	FETCH_WATCH_CHANGED,
	FETCH_WATCH_TIMER,
	FETCH_WATCH_FAST,
	FETCH_WATCH_STOP,
};

/* Reads untagged responses until something needs doing or until_ms. */
static enum otpbox_err
fetch_watch_wait(struct fetch_watch *w, struct imap_client *cl,
                 long long until_ms, bool leave_if_waiting,
                 enum fetch_watch_wake *why)
{
	enum otpbox_err err;
	long long left;

	for (;;) {
		fetch_report_tick(w->st, w->fa->acct);
		if (*w->stop) {
			*why = FETCH_WATCH_STOP;
			return OTPBOX_OK;
		}
		if (leave_if_waiting && fetch_watch_waiting(w)) {
			*why = FETCH_WATCH_FAST;
			return OTPBOX_OK;
		}
		if (clock_mono_ms() >= until_ms || fetch_watch_full_due(w) ||
		    fetch_watch_renew_due(w)) {
			*why = FETCH_WATCH_TIMER;
			return OTPBOX_OK;
		}
		left = until_ms - clock_mono_ms();
		err = imap_client_idle_wait(cl, left < FETCH_WATCH_SLICE_MS
		                                    ? (int)left
		                                    : FETCH_WATCH_SLICE_MS);
		if (err == OTPBOX_OK) {
			*why = FETCH_WATCH_CHANGED;
			return OTPBOX_OK;
		}
		if (err != OTPBOX_ERR_TIMEOUT && err != OTPBOX_ERR_INTERRUPTED)
			return err;
	}
}

/* One IDLE round: IDLE, wait, DONE (whose answer proves the connection
 * is alive). */
static enum otpbox_err
fetch_watch_idle(struct fetch_watch *w, struct imap_client *cl)
{
	long long until = clock_mono_ms() + FETCH_WATCH_REIDLE_SECONDS * 1000LL;
	enum fetch_watch_wake why;
	enum otpbox_err err;

	if ((err = imap_client_idle_start(cl)))
		return err;
	err = fetch_watch_wait(w, cl, until, true, &why);
	if (err == OTPBOX_OK)
		err = imap_client_idle_done(cl);
	/* IDLE can go silent without a word (Exchange is reported to stop
	 * pushing EXISTS): after each timed round, look for new UIDs. */
	if (err == OTPBOX_OK && why == FETCH_WATCH_TIMER)
		imap_client_get_mailbox(cl)->changed = true;
	return err;
}

/* One polling round: wait (fast while a bot waits), then NOOP. */
static enum otpbox_err
fetch_watch_poll(struct fetch_watch *w, struct imap_client *cl, bool fast)
{
	long long every = fast ? FETCH_WATCH_FAST_MS
	                       : w->conf->fetch.poll_interval_seconds * 1000LL;
	enum fetch_watch_wake why;
	enum otpbox_err err;

	err = fetch_watch_wait(w, cl, clock_mono_ms() + every, !fast, &why);
	if (err || why == FETCH_WATCH_STOP)
		return err;
	return imap_client_simple(cl, "NOOP", w->errbuf, sizeof(w->errbuf));
}

static void
fetch_watch_housekeeping(struct fetch_watch *w)
{
	long long now = clock_mono_ms();

	if (now - w->retention_at < 3600 * 1000LL)
		return;
	w->retention_at = now;
	if (fetch_account_retention(w->conf, w->st))
		log_warnx("retention: %s", store_errmsg(w->st));
}

/* A connected, logged-in session until an error or a stop. */
static enum otpbox_err
fetch_watch_session(struct fetch_watch *w, struct imap_client *cl)
{
	bool use_idle = w->conf->fetch.idle && imap_client_has_cap(cl, "IDLE");
	enum otpbox_err err;
	bool fast, was_fast = false;

	if ((err = fetch_watch_full(w, cl)))
		return err;
	log_info("account %s: watching %s (%s)", w->fa->acct->name,
	         w->fa->folders[0].name,
	         use_idle ? "IDLE" : "polling: no IDLE");
	while (!*w->stop) {
		fetch_watch_housekeeping(w);
		fast = fetch_watch_waiting(w);
		if (fast && !was_fast)
			log_verbose("account %s: a bot is waiting: checking "
			            "every %d ms",
			            w->fa->acct->name, FETCH_WATCH_FAST_MS);
		else if (!fast && was_fast)
			log_verbose("account %s: no bot waiting: back to the "
			            "normal pace",
			            w->fa->acct->name);
		was_fast = fast;
		if (use_idle && !fast)
			err = fetch_watch_idle(w, cl);
		else
			err = fetch_watch_poll(w, cl, fast);
		if (err == OTPBOX_OK) /* the server answered: up to date */
			fetch_report_folder(w->st, w->fa->acct->name,
			                    w->fa->folders[0].name, err, NULL);
		if (err == OTPBOX_OK && imap_client_get_mailbox(cl)->changed)
			err = fetch_account_sync_new(w->fa, cl, w->errbuf,
			                             sizeof(w->errbuf));
		if (err == OTPBOX_OK && fetch_watch_full_due(w))
			err = fetch_watch_full(w, cl);
		if (err)
			return err;
		if (fetch_watch_renew_due(w) && fetch_watch_renew(w))
			return OTPBOX_OK;
	}
	return OTPBOX_OK;
}

static long long
fetch_watch_jitter(long long ms)
{
	return ms / 2 + random() % (ms / 2 + 1);
}

/*
 * Waits before reconnecting after err ended a session or an attempt: a
 * jittered back-off doubling from 1 s to FETCH_WATCH_BACKOFF_MAX (cut to
 * about a second while a bot waits), but never shorter than the pause a
 * throttling server asked for. *backoff is the base, doubled here.
 */
static void
fetch_watch_retry(struct fetch_watch *w, enum otpbox_err err,
                  long long *backoff)
{
	long long floor_ms = oauth2_explain_backoff(w->errbuf) * 1000LL;

	if (floor_ms > *backoff)
		*backoff = floor_ms;
	log_warnx(
	    "account %s: %s; reconnecting in about %lld s%s", w->fa->acct->name,
	    w->errbuf[0] ? w->errbuf : otpbox_strerror(err), *backoff / 1000,
	    floor_ms ? " (as the server asked)" : " (sooner if a bot waits)");
	w->full_sync_at = 0;
	fetch_watch_backoff(
	    w, floor_ms ? *backoff : fetch_watch_jitter(*backoff), floor_ms);
	*backoff = *backoff * 2 > FETCH_WATCH_BACKOFF_MAX * 1000LL
	               ? FETCH_WATCH_BACKOFF_MAX * 1000LL
	               : *backoff * 2;
}

/* Connects and runs sessions until a stop; decides every back-off. */
static int
fetch_watch_loop(struct fetch_watch *w)
{
	long long backoff = 1000, auth_backoff = FETCH_WATCH_AUTH_BACKOFF;
	struct imap_client *cl;
	enum otpbox_err err;
	const char *name = w->fa->acct->name;

	while (!*w->stop) {
		err = fetch_account_connect(w->fa, &cl, w->errbuf,
		                            sizeof(w->errbuf));
		if (err == OTPBOX_ERR_CONFIG || err == OTPBOX_ERR_SECRET) {
			log_warnx("account %s: %s", name, w->errbuf);
			return EX_CONFIG;
		}
		if (err == OTPBOX_OK) {
			w->errbuf[0] = 0;
			err = fetch_watch_session(w, cl);
			if (err != OTPBOX_ERR_AUTH)
				auth_backoff = FETCH_WATCH_AUTH_BACKOFF;
			if (err == OTPBOX_OK && w->renew) {
				w->renew = false;
				imap_client_free(cl);
				continue;
			}
			if (err == OTPBOX_OK || err == OTPBOX_ERR_INTERRUPTED) {
				imap_client_free(cl);
				break;
			}
			if (w->full_sync_at != 0)
				backoff = 1000; /* it worked for a while */
			/* A refusal after login (Exchange's "not connected",
			 * throttling) is explained in errbuf already. */
			if (err != OTPBOX_ERR_AUTH && !w->errbuf[0])
				snprintf(w->errbuf, sizeof(w->errbuf), "%s",
				         imap_client_errmsg(cl));
			fetch_account_session_ended(w->fa, w->errbuf);
			imap_client_free(cl);
		}
		if (err == OTPBOX_ERR_AUTH) {
			log_warnx("account %s: %s; check the user name and "
			          "password (or token); next attempt in %lld s",
			          name, w->errbuf, auth_backoff);
			fetch_watch_sleep(w, auth_backoff * 1000);
			auth_backoff =
			    auth_backoff * 2 > 3600 ? 3600 : auth_backoff * 2;
			continue;
		}
		fetch_watch_retry(w, err, &backoff);
	}
	return EX_OK;
}

int
fetch_watch_run(const struct conf *conf, size_t index, const char *db_path,
                volatile sig_atomic_t *stop)
{
	struct fetch_watch w = {.conf = conf, .stop = stop};
	enum otpbox_err err;
	int status;

	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	fetch_report_init(STORE_STATUS_WATCH, conf->naccounts);
	err = store_conf_open(conf, db_path, true, &w.st, w.errbuf,
	                      sizeof(w.errbuf));
	if (err == OTPBOX_OK)
		err = fetch_account_new(conf, index, w.st, stop, &w.fa,
		                        w.errbuf, sizeof(w.errbuf));
	if (err) {
		log_warnx("account %s: %s", conf->accounts[index].name,
		          w.errbuf);
		store_close(w.st);
		return fetch_account_exit_status(err);
	}
	status = fetch_watch_loop(&w);
	fetch_report_stopping();
	fetch_account_free(w.fa);
	store_close(w.st);
	return status;
}
