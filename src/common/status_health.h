/* SPDX-License-Identifier: MIT */
/* Whether one account and folder is healthy, from its store_status row
 * and the configured limits: the rules docs/operations.md documents. */
#ifndef OTPBOX_STATUS_HEALTH_H
#define OTPBOX_STATUS_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "store_status.h"

/* What is wrong; a row may have several. 0: healthy. */
enum status_health_problem {
	STATUS_HEALTH_NEVER_SYNCED = 1 << 0, /* no successful sync recorded */
	STATUS_HEALTH_SYNC_OLD = 1 << 1,     /* success older than the limit */
	STATUS_HEALTH_FAILING = 1 << 2,      /* last error newer than success */
	STATUS_HEALTH_NO_HEARTBEAT = 1 << 3, /* --watch fetcher silent */
};

struct status_health_limits {
	int max_sync_age_seconds;      /* status.max_sync_age_seconds */
	int max_heartbeat_age_seconds; /* status.max_heartbeat_age_seconds */
};

/* The problems of r at time now (a mask of enum status_health_problem). */
unsigned status_health_check(const struct store_status_row *r,
                             const struct status_health_limits *lim,
                             int64_t now);

/* A short name for one problem bit ("sync_old"); "" for none. Static. */
const char *status_health_name(unsigned problem);

/* Writes the problems of mask as readable words, "; "-separated, into
 * buf (cap bytes, NUL-terminated). */
void status_health_describe(unsigned mask, char *buf, size_t cap);

#endif
