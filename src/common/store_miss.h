/* SPDX-License-Identifier: MIT */
/* Why a wait missed its code: the missed_otps view, read for one wait so
 * that libotpbox can tell its caller right after a time-out. */
#ifndef OTPBOX_STORE_MISS_H
#define OTPBOX_STORE_MISS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * Copies the missed_otps reason of wait wait_id ("no_message", "no_code",
 * "claimed_by_other", "late", ...) into buf (len bytes, cut to fit).
 * Returns OTPBOX_OK, OTPBOX_ERR_NOT_FOUND when the wait did not miss (it
 * got a code, was peeked, or still runs), or a database error (the detail
 * on store_errmsg()).
 */
enum otpbox_err store_miss_reason(struct store *st, int64_t wait_id, char *buf,
                                  size_t len);

#endif
