/* SPDX-License-Identifier: MIT */
/* Store statements used by the fetch side; prepared once at open. */
#include <stdlib.h>

#include "store_fetch.h"
#include "store_p.h"

enum otpbox_err
store_fetch_prepare(struct store *st)
{
	(void)st;
	return OTPBOX_OK;
}

void
store_fetch_finalize(struct store *st)
{
	(void)st;
}
