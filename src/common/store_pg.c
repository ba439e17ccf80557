/* SPDX-License-Identifier: MIT */
/* The PostgreSQL backend (placeholder until its operations land). */
#include <stdio.h>

#include "store_backend_p.h"

static enum otpbox_err
store_pg_open(const char *database, bool create, struct store **out,
              char *errbuf, size_t errlen)
{
	(void)database;
	(void)create;
	*out = NULL;
	snprintf(errbuf, errlen, "this otpbox has no PostgreSQL store yet");
	return OTPBOX_ERR_USAGE;
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .open = store_pg_open,
};
