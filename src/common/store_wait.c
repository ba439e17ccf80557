/* SPDX-License-Identifier: MIT */
/* Store statements used by the wait side; prepared once at open. */
#include <stdlib.h>

#include "store_wait.h"
#include "store_p.h"

enum otpbox_err
store_wait_prepare(struct store *st)
{
	(void)st;
	return OTPBOX_OK;
}

void
store_wait_finalize(struct store *st)
{
	(void)st;
}
