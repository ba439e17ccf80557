/* SPDX-License-Identifier: MIT */
/* The local steps of `otpbox doctor`: the database and its directory,
 * the change feed that wakes the wait side, and what the stored messages
 * say about the server's clock and its recipient headers. */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "doctor_p.h"
#include "store.h"
#include "store_conf.h"
#include "store_status.h"

/* Offsets outside [-DOCTOR_CLOCK_AHEAD, DOCTOR_CLOCK_LATE] are reported. */
#define DOCTOR_CLOCK_AHEAD 5
#define DOCTOR_CLOCK_LATE 120

static const char *
doctor_local_group(gid_t gid)
{
	struct group *g = getgrgid(gid);

	return g ? g->gr_name : "?";
}

/* Bots in the file's group claim codes: they need to write the file and
 * to create -wal/-shm beside it. */
static bool
doctor_local_perms(struct doctor *d, const char *dir, const struct stat *ds,
                   const struct stat *fs)
{
	if ((fs->st_mode & 060) == 060 && (ds->st_mode & 070) == 070)
		return doctor_step(d, "database", NULL, DOCTOR_OK, 0, NULL,
		                   "%s and %s: group %s may read and claim",
		                   d->db, dir, doctor_local_group(fs->st_gid));
	return doctor_step(d, "database", NULL, DOCTOR_WARN, 0,
	                   "bots running as another user in the file's group "
	                   "need chmod g+rw on the file and g+rwx on its "
	                   "directory (or run the bots as the fetcher's user)",
	                   "%s is mode %03o, its directory %03o (group %s): "
	                   "only the owner can claim codes",
	                   d->db, (unsigned)(fs->st_mode & 0777),
	                   (unsigned)(ds->st_mode & 0777),
	                   doctor_local_group(fs->st_gid));
}

static bool
doctor_local_db(struct doctor *d, struct store **st)
{
	char dir[4096], errbuf[1024], *slash;
	struct stat ds, fs;

	/* A server has no file to check: opening it is the check. */
	if (store_kind_of(d->db) != STORE_KIND_SQLITE) {
		if (store_conf_open(d->conf, d->db, false, st, errbuf,
		                    sizeof(errbuf)))
			return doctor_step(d, "database", NULL, DOCTOR_FAIL,
			                   EX_CANTCREAT,
			                   "check database / --db and the "
			                   "server",
			                   "%s", errbuf);
		return doctor_step(d, "database", NULL, DOCTOR_OK, 0, NULL,
		                   "%s", store_display_name(*st));
	}
	snprintf(dir, sizeof(dir), "%s", d->db);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (stat(dir, &ds) < 0)
		return doctor_step(
		    d, "database", NULL, DOCTOR_FAIL, EX_CANTCREAT,
		    "create the directory for the fetcher's user "
		    "(systemd: StateDirectory=otpbox), or set "
		    "database / --db",
		    "directory %s: %s", dir, strerror(errno));
	if (stat(d->db, &fs) < 0)
		return doctor_step(d, "database", NULL, DOCTOR_WARN, 0,
		                   "run otpbox fetch --once: it creates the "
		                   "database",
		                   "%s does not exist yet", d->db);
	if (store_conf_open(d->conf, d->db, false, st, errbuf, sizeof(errbuf)))
		return doctor_step(d, "database", NULL, DOCTOR_FAIL,
		                   EX_CANTCREAT,
		                   "point database / --db at otpbox's file, or "
		                   "fix its permissions",
		                   "%s", errbuf);
	return doctor_local_perms(d, dir, &ds, &fs);
}

/* The change feed that wakes waiting bots: refused files make every wait
 * fail. The store checks its own feed and creates none; without a
 * database yet there is nothing to check. */
static bool
doctor_local_feed(struct doctor *d, struct store *st)
{
	char msg[1024];

	if (st == NULL)
		return doctor_step(d, "feed", NULL, DOCTOR_OK, 0, NULL,
		                   "not made yet (the first waiting bot "
		                   "makes it)");
	if (store_changes_check(st, msg, sizeof(msg)))
		return doctor_step(d, "feed", NULL, DOCTOR_FAIL, EX_CANTCREAT,
		                   "remove the file; otpbox makes a new one",
		                   "%s", msg);
	return doctor_step(d, "feed", NULL, DOCTOR_OK, 0, NULL, "%s", msg);
}

/* The live check: the server dated its newest message in our future. */
static bool
doctor_local_clock_live(struct doctor *d, const char *account)
{
	int64_t ahead = d->server_newest - (int64_t)time(NULL);

	if (d->server_newest == 0 || ahead <= DOCTOR_CLOCK_AHEAD)
		return true;
	doctor_step(d, "clock", account, DOCTOR_WARN, 0,
	            "one of the clocks is wrong: check timedatectl (NTP) "
	            "here and on the server; otpbox wait --skew covers a small "
	            "offset",
	            "the server dated its newest message %" PRId64
	            " s in this machine's future: its clock is ahead",
	            ahead);
	return false;
}

static bool
doctor_local_clock(struct doctor *d, struct store *st, const char *account)
{
	int64_t off = 0;
	bool known = false;

	if (d->conf->naccounts > 0 &&
	    !strcmp(account, d->conf->accounts[0].name) &&
	    !doctor_local_clock_live(d, account))
		return true;
	if (st == NULL ||
	    store_status_clock_offset(st, account, &off, &known) || !known)
		return doctor_step(d, "clock", account, DOCTOR_SKIP, 0, NULL,
		                   "no stored messages to compare with");
	if (off < -DOCTOR_CLOCK_AHEAD)
		return doctor_step(d, "clock", account, DOCTOR_WARN, 0,
		                   "one of the clocks is wrong: check "
		                   "timedatectl (NTP) here; otpbox wait "
		                   "--skew covers a small offset",
		                   "the server's clock is %" PRId64
		                   " s ahead of this machine's",
		                   -off);
	if (off > DOCTOR_CLOCK_LATE)
		return doctor_step(
		    d, "clock", account, DOCTOR_WARN, 0,
		    "run fetch --watch (or cron more often), and "
		    "check timedatectl: this clock may be ahead",
		    "messages were stored %" PRId64
		    " s after the server received them at best",
		    off);
	return doctor_step(d, "clock", account, DOCTOR_OK, 0, NULL,
	                   "stored %" PRId64 " s after the server's time at "
	                   "best (clocks agree)",
	                   off);
}

/* Whether header is one a receiving server adds (not the sender). */
static bool
doctor_local_delivery(const char *header)
{
	return strcasecmp(header, "To") && strcasecmp(header, "Cc") &&
	       strcasecmp(header, "Resent-To");
}

static bool
doctor_local_headers(struct doctor *d, struct store *st)
{
	struct store_status_header h[12];
	char list[512] = "";
	int64_t msgs = 0, delivered = 0, total = 0;
	size_t n = 0, i, len = 0;

	if (store_status_headers(st, h, 12, &n, &msgs) || n == 0)
		return doctor_step(d, "recipients", NULL, DOCTOR_SKIP, 0, NULL,
		                   "no stored recipients yet");
	for (i = 0; i < n; i++) {
		total += h[i].count;
		if (doctor_local_delivery(h[i].header))
			delivered += h[i].count;
		if (len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			                        "%s%s %" PRId64, i ? ", " : "",
			                        h[i].header, h[i].count);
	}
	if (delivered == 0)
		return doctor_step(
		    d, "recipients", NULL, DOCTOR_WARN, 0,
		    "your server stamps no delivery header, so recipients come "
		    "from To/Cc, which the sender writes: Bcc'd codes are "
		    "missed. Make the server add X-Original-To or Delivered-To "
		    "(Postfix: the virtual or dovecot-lda agent) and set "
		    "recipient_headers",
		    "last %" PRId64 " messages: %s (catch-all routing not "
		    "confirmed)",
		    msgs, list);
	return doctor_step(d, "recipients", NULL, DOCTOR_OK, 0, NULL,
	                   "last %" PRId64 " messages: %s (catch-all routing "
	                   "confirmed: %" PRId64 " of %" PRId64
	                   " from delivery headers)",
	                   msgs, list, delivered, total);
}

bool
doctor_local(struct doctor *d)
{
	struct store *st = NULL;
	bool ok;
	size_t i;

	ok = doctor_local_db(d, &st) && doctor_local_feed(d, st);
	for (i = 0; ok && i < d->conf->naccounts; i++)
		ok = doctor_local_clock(d, st, d->conf->accounts[i].name);
	if (ok && st)
		ok = doctor_local_headers(d, st);
	store_close(st);
	return ok;
}
