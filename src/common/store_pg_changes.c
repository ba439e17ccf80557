/* SPDX-License-Identifier: MIT */
/* The PostgreSQL change feed: waiters LISTEN on one channel and sleep on
 * the connection's socket (and a cancel descriptor) until a NOTIFY names
 * the hash of their address. A lost connection is opened again. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_pg_p.h"

/* The payload of address (see STORE_PG_HASH), asked of the server so that
 * both sides lower-case the same way. */
static enum otpbox_err
store_pg_changes_hash(struct store_pg *pg, const char *address)
{
	struct store_pg_args a = {0};
	enum otpbox_err err;
	PGresult *res;

	if (pg->watch_address && strcmp(pg->watch_address, address) == 0)
		return OTPBOX_OK;
	store_pg_arg_text(&a, address);
	err = store_pg_exec(pg, "SELECT " STORE_PG_HASH("$1::text"), &a, &res);
	if (err)
		return err;
	snprintf(pg->watch_hash, sizeof(pg->watch_hash), "%s",
	         PQgetvalue(res, 0, 0));
	PQclear(res);
	free(pg->watch_address);
	pg->watch_address = strdup(address);
	return pg->watch_address ? OTPBOX_OK : OTPBOX_ERR_NOMEM;
}

/* Takes the notifications libpq has read; *hit when one is for us. */
static void
store_pg_changes_drain(struct store_pg *pg, int *hit)
{
	PGnotify *n;

	while ((n = PQnotifies(pg->conn)) != NULL) {
		if (strcmp(n->relname, STORE_PG_CHANNEL) == 0 &&
		    (n->extra[0] == '\0' ||
		     strcmp(n->extra, pg->watch_hash) == 0))
			*hit = 1;
		PQfreemem(n);
	}
}

/* The longest sleep between two looks: a commit that was not announced
 * (plain SQL from another tool) costs at most this much latency. */
#define STORE_PG_RECHECK_MS 10000

int
store_pg_changes_interval_ms(const struct store *st)
{
	(void)st;
	return STORE_PG_RECHECK_MS;
}

enum otpbox_err
store_pg_changes_watch(struct store *st, const char *address,
                       bool *may_have_changed)
{
	struct store_pg *pg = store_pg_of(st);
	enum otpbox_err err;
	int ignored = 0;

	/* No cheap counter to ask: every wake-up looks. */
	*may_have_changed = true;
	if ((err = store_pg_changes_hash(pg, address)))
		return err;
	if (!pg->listening) {
		err = store_pg_exec(pg, "LISTEN " STORE_PG_CHANNEL, NULL, NULL);
		if (err)
			return err;
		pg->listening = 1;
	}
	/* What came before this watch, the next look sees anyway. */
	if (PQconsumeInput(pg->conn))
		store_pg_changes_drain(pg, &ignored);
	return OTPBOX_OK;
}

/* The connection was lost while sleeping: open it again within the time
 * left; woken either way, so that the caller looks at the database. */
static enum otpbox_err
store_pg_changes_lost(struct store_pg *pg, int64_t deadline,
                      enum store_changes_event *ev)
{
	*ev = STORE_CHANGES_WOKEN;
	if (store_pg_reconnect(pg, deadline) != OTPBOX_OK)
		*ev = STORE_CHANGES_TIMEOUT;
	return OTPBOX_OK;
}

enum otpbox_err
store_pg_changes_sleep(struct store *st, int timeout_ms, int cancel_fd,
                       enum store_changes_event *ev)
{
	struct store_pg *pg = store_pg_of(st);
	int64_t deadline = clock_mono_ms() + timeout_ms, left;
	struct pollfd fds[2];
	int hit = 0, n;

	*ev = STORE_CHANGES_TIMEOUT;
	for (;;) {
		store_pg_changes_drain(pg, &hit);
		if (hit) {
			*ev = STORE_CHANGES_WOKEN;
			return OTPBOX_OK;
		}
		if (PQstatus(pg->conn) != CONNECTION_OK)
			return store_pg_changes_lost(pg, deadline, ev);
		if ((left = deadline - clock_mono_ms()) <= 0)
			return OTPBOX_OK;
		fds[0] = (struct pollfd){PQsocket(pg->conn), POLLIN, 0};
		fds[1] = (struct pollfd){cancel_fd, POLLIN, 0};
		n = poll(fds, cancel_fd >= 0 ? 2 : 1, (int)left);
		if (n < 0 && errno != EINTR)
			return OTPBOX_ERR_IO;
		if (n > 0 && cancel_fd >= 0 && fds[1].revents) {
			*ev = STORE_CHANGES_CANCELLED;
			return OTPBOX_OK;
		}
		if (n > 0 && fds[0].revents && !PQconsumeInput(pg->conn))
			return store_pg_changes_lost(pg, deadline, ev);
	}
}
