/* SPDX-License-Identifier: MIT */
/* A progress line for long syncs (a first sync of a large mailbox), shown
 * only when stderr is a terminal: done of total, rate, time left. */
#ifndef OTPBOX_FETCH_PROGRESS_H
#define OTPBOX_FETCH_PROGRESS_H

#include <stdint.h>

/* Syncs with fewer messages to fetch than this show no progress. */
#define FETCH_PROGRESS_MIN 100
/* The line is redrawn at most this often. */
#define FETCH_PROGRESS_EVERY_MS 250

/* Starts a sync of account/folder fetching the UIDs after last_uid up to
 * to (0: unknown) from a folder of exists messages; the total shown is
 * the smaller of the two. Strings are borrowed until fetch_progress_end().
 * Draws nothing unless stderr is a terminal and the total is at least
 * FETCH_PROGRESS_MIN. */
void fetch_progress_begin(const char *account, const char *folder,
                          int64_t last_uid, uint32_t to, uint32_t exists);
/* done messages are fetched so far; redraws when due. */
void fetch_progress_step(uint64_t done);
/* Ends the line (so log lines start on a fresh one). */
void fetch_progress_end(void);

#endif
