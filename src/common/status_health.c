/* SPDX-License-Identifier: MIT */
/* The health rules of `otpbox status`, apart from any I/O so that a unit
 * test can pin them. */
#include <stdio.h>
#include <string.h>

#include "status_health.h"

static const struct {
	unsigned bit;
	const char *name;
	const char *words;
} status_health_table[] = {
    {STATUS_HEALTH_NEVER_SYNCED, "never_synced", "no successful sync recorded"},
    {STATUS_HEALTH_SYNC_OLD, "sync_old",
     "last successful sync older than status.max_sync_age_seconds"},
    {STATUS_HEALTH_FAILING, "failing",
     "the last error is newer than the last success"},
    {STATUS_HEALTH_NO_HEARTBEAT, "no_heartbeat",
     "the --watch fetcher has not reported for "
     "status.max_heartbeat_age_seconds"},
};
#define STATUS_HEALTH_N                                                        \
	(sizeof(status_health_table) / sizeof(status_health_table[0]))

unsigned
status_health_check(const struct store_status_row *r,
                    const struct status_health_limits *lim, int64_t now)
{
	unsigned mask = 0;

	if (r->success_at == 0)
		mask |= STATUS_HEALTH_NEVER_SYNCED;
	else if (now - r->success_at > lim->max_sync_age_seconds)
		mask |= STATUS_HEALTH_SYNC_OLD;
	if (r->error != NULL && r->error_at >= r->success_at)
		mask |= STATUS_HEALTH_FAILING;
	if (r->mode != NULL && !strcmp(r->mode, "watch") &&
	    now - r->heartbeat_at > lim->max_heartbeat_age_seconds)
		mask |= STATUS_HEALTH_NO_HEARTBEAT;
	return mask;
}

const char *
status_health_name(unsigned problem)
{
	size_t i;

	for (i = 0; i < STATUS_HEALTH_N; i++)
		if (status_health_table[i].bit == problem)
			return status_health_table[i].name;
	return "";
}

void
status_health_describe(unsigned mask, char *buf, size_t cap)
{
	size_t i, len = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < STATUS_HEALTH_N && len < cap; i++) {
		if (!(mask & status_health_table[i].bit))
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
		                        len ? "; " : "",
		                        status_health_table[i].words);
	}
}
