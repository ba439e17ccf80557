/* SPDX-License-Identifier: MIT */
/* The missed_otps reason of one wait, read through the store's interface
 * (store_wait_missed_get()) so that every backend answers it. */
#include <stdio.h>

#include "store_miss.h"
#include "store_wait.h"

enum otpbox_err
store_miss_reason(struct store *st, int64_t wait_id, char *buf, size_t len)
{
	struct store_wait_missed m;
	enum otpbox_err err;

	if (len)
		buf[0] = '\0';
	err = store_wait_missed_get(st, wait_id, &m);
	if (err)
		return err;
	if (m.reason)
		snprintf(buf, len, "%s", m.reason);
	else
		err = OTPBOX_ERR_NOT_FOUND;
	store_wait_missed_free(&m);
	return err;
}
