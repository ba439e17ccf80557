/* SPDX-License-Identifier: MIT */
/* The --watch supervisor: one child process per account, restarted with
 * back-off when it dies, all stopped on SIGTERM/SIGINT, reloaded on
 * SIGHUP. */
#ifndef OTPBOX_FETCH_SUPER_H
#define OTPBOX_FETCH_SUPER_H

#include "conf.h"

/* A child that dies is restarted after a delay doubling from 1 s up to
 * this many seconds (reset once it has run for a minute). */
#define FETCH_SUPER_BACKOFF_MAX 60
/* How often a standby account's lock is tried, and the held locks are
 * checked, in milliseconds. */
#define FETCH_SUPER_STANDBY_MS 1000

/*
 * Runs until SIGTERM or SIGINT. *confp is the loaded configuration; on
 * SIGHUP the file (conf_path, or the default search) is loaded again and,
 * only if that succeeds, swapped in and every child restarted with it.
 * db_override is the --db argument or NULL. Each account runs only while
 * its lock is ours (store_lock_fetch(); SQLite: one lock file for the
 * whole database); an account another fetcher holds waits on standby.
 * Returns a sysexits.h status.
 */
int fetch_super_run(struct conf **confp, const char *conf_path,
                    const char *db_override);

#endif
