/* SPDX-License-Identifier: MIT */
/* The lock file next to the database that keeps fetchers from piling up. */
#ifndef OTPBOX_FETCH_LOCK_H
#define OTPBOX_FETCH_LOCK_H

#include <stddef.h>

#include "otpbox_err.h"

/*
 * Takes an exclusive lock on "<db_path>.lock" (created 0600) without
 * waiting. *fd_out holds it until fetch_lock_release() or process exit;
 * children made by fork() share it. OTPBOX_ERR_LOCKED when another
 * process holds it, OTPBOX_ERR_IO when the file cannot be opened.
 */
enum otpbox_err fetch_lock_take(const char *db_path, int *fd_out, char *errbuf,
                                size_t errlen);
void fetch_lock_release(int fd);

#endif
