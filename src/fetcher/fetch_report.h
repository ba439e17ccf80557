/* SPDX-License-Identifier: MIT */
/* What the fetcher tells the outside about itself: heartbeats in the
 * store (read by `otpbox status`) and, under systemd, READY=1, WATCHDOG=1
 * and STATUS= lines. Small hooks in the fetch code call these. */
#ifndef OTPBOX_FETCH_REPORT_H
#define OTPBOX_FETCH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "otpbox_err.h"
#include "store.h"
#include "store_status.h"

/* How often a first sync asks systemd for more start time, and how much. */
#define FETCH_REPORT_EXTEND_MS 10000
#define FETCH_REPORT_EXTEND_USEC 60000000

/* Sets the process's mode (--once or --watch) and how many accounts the
 * configuration has (for the STATUS= line). Call once at start-up, in
 * each --watch child after fork(). */
void fetch_report_init(enum store_status_mode mode, size_t naccounts);

/*
 * After one folder's sync: records success (err OTPBOX_OK) or the error
 * text errbuf; OTPBOX_ERR_INTERRUPTED records nothing. In --watch mode the
 * first success sends READY=1. Failures to write are logged at debug
 * level only: a busy database must not stop a sync.
 */
void fetch_report_folder(struct store *st, const char *account,
                         const char *folder, enum otpbox_err err,
                         const char *errbuf);

/* After a failed connection or login: records errbuf on every folder of
 * account a (nothing for OTPBOX_ERR_INTERRUPTED). */
void fetch_report_account(struct store *st, const struct conf_account *a,
                          enum otpbox_err err, const char *errbuf);

/*
 * Called often from the --watch loop (every wait slice): sends WATCHDOG=1
 * at half the systemd watchdog interval, refreshes STATUS= and the
 * "alive" heartbeat of a's folders every few seconds. Cheap otherwise.
 */
void fetch_report_tick(struct store *st, const struct conf_account *a);

/* In --watch mode: tells systemd the process is stopping (STOPPING=1). */
void fetch_report_stopping(void);

/*
 * During a large sync (done of about total messages): the watchdog, and
 * before READY=1 (the first sync of a large mailbox can outlast systemd's
 * start time-out) EXTEND_TIMEOUT_USEC= with a STATUS= line of the
 * progress, at once and then every FETCH_REPORT_EXTEND_MS.
 */
void fetch_report_progress(uint64_t done, uint64_t total);

/* Only the watchdog part of fetch_report_tick(), for long work without
 * the store at hand (a large first sync). */
void fetch_report_pulse(void);

#endif
