/* SPDX-License-Identifier: MIT */
/* --watch for one account: stay connected, IDLE (or poll), fetch on
 * EXISTS, check faster while a bot waits, reconnect with back-off. */
#ifndef OTPBOX_FETCH_WATCH_H
#define OTPBOX_FETCH_WATCH_H

#include <signal.h>
#include <stddef.h>

#include "conf.h"

/* IDLE is left and re-entered at least this often (servers drop idlers;
 * Exchange is reported to stop pushing after ~10 minutes). */
#define FETCH_WATCH_REIDLE_SECONDS 540
/* While a bot waits, the mailbox is checked this often (NOOP)... */
#define FETCH_WATCH_FAST_MS 40
/* ...and the fetcher looks for waiting bots this often otherwise. */
#define FETCH_WATCH_SLICE_MS 100
/* Reconnect back-off: doubles from 1 s up to this, with jitter. */
#define FETCH_WATCH_BACKOFF_MAX 60
/* ...but while a bot waits, the next attempt comes after about this. */
#define FETCH_WATCH_WAITER_BACKOFF_MS 1000
/* After a refused login: wait this long, doubling up to an hour. */
#define FETCH_WATCH_AUTH_BACKOFF 300

/*
 * Runs the watch loop for conf->accounts[index] until *stop is set (a
 * signal), opening its own store connection on db_path. Returns a
 * sysexits.h status: 0 after a clean stop, 78 for a configuration error
 * that retrying cannot fix.
 */
int fetch_watch_run(const struct conf *conf, size_t index, const char *db_path,
                    volatile sig_atomic_t *stop);

#endif
