/* SPDX-License-Identifier: MIT */
/* Supervises one --watch child per account whose lock it holds. Children
 * open their own store connection after fork(); the supervisor holds only
 * the locks, and stands by for the accounts another fetcher holds. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fetch_super.h"
#include "fetch_watch.h"
#include "log.h"
#include "store.h"
#include "store_conf.h"

static volatile sig_atomic_t fetch_super_stop;
static volatile sig_atomic_t fetch_super_reload;

struct fetch_super_child {
	pid_t pid;          /* 0: not running */
	bool disabled;      /* configuration error: wait for SIGHUP */
	long long start_at; /* ms: (re)start not before */
	long long started;  /* ms */
	long long backoff;  /* ms */
	bool locked;        /* the account's lock is ours */
	bool standby;       /* another fetcher holds it; said so */
};

static void
fetch_super_on_stop(int sig)
{
	(void)sig;
	fetch_super_stop = 1;
}

static void
fetch_super_on_hup(int sig)
{
	(void)sig;
	fetch_super_reload = 1;
}

static void
fetch_super_signals(void)
{
	struct sigaction sa = {.sa_handler = fetch_super_on_stop};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = fetch_super_on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

/* In the child: its own handlers, die with the supervisor, run. */
static void
fetch_super_child_main(const struct conf *conf, size_t i, const char *db)
{
	struct sigaction sa = {.sa_handler = fetch_super_on_stop};

	fetch_super_stop = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(EX_OK);
	_exit(fetch_watch_run(conf, i, db, &fetch_super_stop));
}

static void
fetch_super_spawn(const struct conf *conf, struct fetch_super_child *c,
                  size_t i, const char *db)
{
	pid_t pid;

	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_warn("cannot start the process for account %s",
		         conf->accounts[i].name);
		c->start_at = clock_mono_ms() + 5000;
		return;
	}
	if (pid == 0)
		fetch_super_child_main(conf, i, db);
	c->pid = pid;
	c->started = clock_mono_ms();
}

/* A child ended: decide when (and whether) it comes back. */
static void
fetch_super_reap_one(const struct conf *conf, struct fetch_super_child *c,
                     size_t i, int wstatus)
{
	long long now = clock_mono_ms();
	const char *name = conf->accounts[i].name;

	c->pid = 0;
	if (fetch_super_stop)
		return;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == EX_CONFIG) {
		log_warnx("account %s: configuration error; not restarted "
		          "until the configuration is fixed (SIGHUP)",
		          name);
		c->disabled = true;
		return;
	}
	if (now - c->started > 60000)
		c->backoff = 1000;
	else
		c->backoff = c->backoff ? c->backoff * 2 : 1000;
	if (c->backoff > FETCH_SUPER_BACKOFF_MAX * 1000LL)
		c->backoff = FETCH_SUPER_BACKOFF_MAX * 1000LL;
	c->start_at = now + c->backoff;
	if (WIFSIGNALED(wstatus))
		log_warnx("account %s: process died (signal %d); restarting "
		          "in %lld s",
		          name, WTERMSIG(wstatus), c->backoff / 1000);
	else
		log_warnx("account %s: process exited with %d; restarting in "
		          "%lld s",
		          name, WEXITSTATUS(wstatus), c->backoff / 1000);
}

static void
fetch_super_reap(const struct conf *conf, struct fetch_super_child *kids,
                 size_t n)
{
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (kids[i].pid == pid)
				fetch_super_reap_one(conf, &kids[i], i,
				                     wstatus);
	}
}

/* Stops every child (SIGTERM: they finish their batch) and waits. */
static void
fetch_super_stop_all(struct fetch_super_child *kids, size_t n)
{
	int wstatus;

	for (size_t i = 0; i < n; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	for (size_t i = 0; i < n; i++) {
		if (kids[i].pid <= 0)
			continue;
		while (waitpid(kids[i].pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		kids[i].pid = 0;
	}
}

/* Loads the configuration again; keeps the old one if the new fails. */
static bool
fetch_super_reload_conf(struct conf **confp, const char *conf_path)
{
	struct conf *fresh = NULL;
	char *errors = NULL;

	if (conf_load(conf_path, &fresh, &errors) != OTPBOX_OK ||
	    fresh->naccounts == 0) {
		log_warnx("SIGHUP: configuration not reloaded: %s",
		          errors ? errors : "no account");
		free(errors);
		conf_free(fresh);
		return false;
	}
	conf_free(*confp);
	*confp = fresh;
	log_info("SIGHUP: configuration reloaded (%zu accounts)",
	         fresh->naccounts);
	return true;
}

static bool
fetch_super_all_disabled(const struct fetch_super_child *kids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!kids[i].disabled)
			return false;
	return true;
}

/* Whether the locks are still ours, asked every FETCH_SUPER_STANDBY_MS.
 * With PostgreSQL, a lost connection has lost them all: another fetcher
 * may be active by now, so this one must stop writing. */
static bool
fetch_super_lock_lost(struct store *st, const struct fetch_super_child *kids,
                      size_t n, long long *checked)
{
	long long now = clock_mono_ms();
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any = any || kids[i].locked;
	if (!any || now - *checked < FETCH_SUPER_STANDBY_MS)
		return false;
	*checked = now;
	return store_lock_check(st) == OTPBOX_ERR_LOCKED;
}

/* Stops every child and forgets every lock (lost, or to be taken again
 * for a new configuration). */
static void
fetch_super_unlock_all(struct store *st, struct fetch_super_child *kids,
                       size_t n)
{
	fetch_super_stop_all(kids, n);
	store_lock_release(st);
	for (size_t i = 0; i < n; i++)
		kids[i].locked = kids[i].standby = false;
}

/* One account's lock. While another fetcher holds it, the account is on
 * standby: tried again every FETCH_SUPER_STANDBY_MS, taken over as soon
 * as the other one stops (with PostgreSQL, when its session ends: a
 * fetcher killed on another host). OTPBOX_ERR_NET: the server is out of
 * reach (the store reconnects at the next try). */
static enum otpbox_err
fetch_super_lock_one(const struct conf *conf, struct store *st,
                     struct fetch_super_child *c, size_t i, char *errbuf,
                     size_t errlen)
{
	const char *name = conf->accounts[i].name;
	enum otpbox_err err;

	err = store_lock_fetch(st, name, errbuf, errlen);
	if (err == OTPBOX_ERR_LOCKED) {
		if (!c->standby)
			log_info("account %s: standby: %s; taking over when it "
			         "stops",
			         name, errbuf);
		c->standby = true;
		return OTPBOX_OK;
	}
	if (err == OTPBOX_ERR_NET)
		log_warnx("%s; trying again", errbuf);
	if (err)
		return err;
	if (c->standby)
		log_info("account %s: active: the lock is ours; taking over",
		         name);
	c->locked = true;
	c->standby = false;
	c->start_at = 0;
	return OTPBOX_OK;
}

/* Tries the locks of the accounts without one, every
 * FETCH_SUPER_STANDBY_MS; says how many are watched when that changes.
 * An error other than OTPBOX_ERR_NET ends the run (errbuf says why). */
static enum otpbox_err
fetch_super_lock_round(const struct conf *conf, struct store *st,
                       struct fetch_super_child *kids, size_t n,
                       long long *tried, char *errbuf, size_t errlen)
{
	enum otpbox_err err = OTPBOX_OK;
	size_t held = 0, before = 0;

	if (*tried && clock_mono_ms() - *tried < FETCH_SUPER_STANDBY_MS)
		return OTPBOX_OK;
	*tried = clock_mono_ms();
	for (size_t i = 0; i < n; i++)
		before += kids[i].locked;
	for (size_t i = 0; i < n && !err; i++)
		if (!kids[i].locked && !kids[i].disabled)
			err = fetch_super_lock_one(conf, st, &kids[i], i,
			                           errbuf, errlen);
	for (size_t i = 0; i < n; i++)
		held += kids[i].locked;
	if (held != before && held > 0)
		log_info("watching %zu account(s) (of %zu); database %s", held,
		         n, store_display_name(st));
	return err == OTPBOX_ERR_NET ? OTPBOX_OK : err;
}

static int
fetch_super_loop(struct conf **confp, const char *conf_path, const char *db,
                 struct store *st, char *errbuf, size_t errlen)
{
	struct fetch_super_child *kids;
	struct timespec slice = {0, 100 * 1000000L};
	size_t n = (*confp)->naccounts;
	long long checked = clock_mono_ms(), tried = 0;
	enum otpbox_err err = OTPBOX_OK;

	kids = calloc(n, sizeof(*kids));
	if (kids == NULL)
		return EX_OSERR;
	while (!fetch_super_stop && !err) {
		err = fetch_super_lock_round(*confp, st, kids, n, &tried,
		                             errbuf, errlen);
		for (size_t i = 0; i < n; i++)
			if (kids[i].locked && !kids[i].pid &&
			    !kids[i].disabled &&
			    clock_mono_ms() >= kids[i].start_at)
				fetch_super_spawn(*confp, &kids[i], i, db);
		nanosleep(&slice, NULL);
		fetch_super_reap(*confp, kids, n);
		if (fetch_super_lock_lost(st, kids, n, &checked)) {
			log_warnx("the fetcher's lock was lost (%s); "
			          "stopping the accounts, standby again",
			          store_errmsg(st));
			fetch_super_unlock_all(st, kids, n);
		}
		if (fetch_super_all_disabled(kids, n)) {
			log_warnx("no account can be watched: stopping");
			free(kids);
			return EX_CONFIG;
		}
		if (fetch_super_reload) {
			fetch_super_reload = 0;
			if (!fetch_super_reload_conf(confp, conf_path))
				continue;
			/* Accounts may be new, gone or renumbered. */
			fetch_super_unlock_all(st, kids, n);
			free(kids);
			n = (*confp)->naccounts;
			kids = calloc(n, sizeof(*kids));
			if (kids == NULL)
				return EX_OSERR;
			tried = 0;
		}
	}
	fetch_super_stop_all(kids, n);
	free(kids);
	return err ? EX_CANTCREAT : EX_OK;
}

int
fetch_super_run(struct conf **confp, const char *conf_path,
                const char *db_override)
{
	const char *db = conf_database(*confp, db_override);
	struct store *st = NULL;
	char errbuf[1024] = "", *dbcopy;
	enum otpbox_err err;
	int status;

	/* Create or migrate the database once, before any child opens it;
	 * this connection then holds the locks for as long as we run. */
	fetch_super_signals();
	err = store_conf_open(*confp, db, true, &st, errbuf, sizeof(errbuf));
	if (err) {
		log_warnx("%s", errbuf);
		return EX_CANTCREAT;
	}
	dbcopy = strdup(db); /* conf (and its database) may be reloaded */
	if (dbcopy == NULL) {
		store_close(st);
		return EX_OSERR;
	}
	/* The children open their own connections. */
	store_keep_lock_only(st);
	status = fetch_super_loop(confp, conf_path, dbcopy, st, errbuf,
	                          sizeof(errbuf));
	if (status == EX_CANTCREAT)
		log_warnx("%s", errbuf);
	log_info("stopped");
	free(dbcopy);
	store_close(st); /* releases the locks */
	return status;
}
