/* SPDX-License-Identifier: MIT */
/* Supervises one --watch child per account. Children open their own
 * store connection after fork(); the supervisor holds only the lock. */
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

/* What fetch_super_loop() returns when the lock was lost. */
#define FETCH_SUPER_LOCK_LOST (-1)

static volatile sig_atomic_t fetch_super_stop;
static volatile sig_atomic_t fetch_super_reload;

struct fetch_super_child {
	pid_t pid;          /* 0: not running */
	bool disabled;      /* configuration error: wait for SIGHUP */
	long long start_at; /* ms: (re)start not before */
	long long started;  /* ms */
	long long backoff;  /* ms */
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

static long long
fetch_super_ms(void)
{
	return clock_mono_ms();
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
		c->start_at = fetch_super_ms() + 5000;
		return;
	}
	if (pid == 0)
		fetch_super_child_main(conf, i, db);
	c->pid = pid;
	c->started = fetch_super_ms();
}

/* A child ended: decide when (and whether) it comes back. */
static void
fetch_super_reap_one(const struct conf *conf, struct fetch_super_child *c,
                     size_t i, int wstatus)
{
	long long now = fetch_super_ms();
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

/* Whether the lock is still ours, asked every FETCH_SUPER_STANDBY_MS.
 * With PostgreSQL, a lost connection has lost it: another fetcher may be
 * active by now, so this one must stop writing. */
static bool
fetch_super_lock_lost(struct store *st, long long *checked)
{
	long long now = fetch_super_ms();

	if (now - *checked < FETCH_SUPER_STANDBY_MS)
		return false;
	*checked = now;
	return store_lock_check(st) == OTPBOX_ERR_LOCKED;
}

static int
fetch_super_loop(struct conf **confp, const char *conf_path, const char *db,
                 struct store *lock_st)
{
	struct fetch_super_child *kids;
	struct timespec slice = {0, 100 * 1000000L};
	size_t n = (*confp)->naccounts;
	long long checked = fetch_super_ms();

	kids = calloc(n, sizeof(*kids));
	if (kids == NULL)
		return EX_OSERR;
	while (!fetch_super_stop) {
		for (size_t i = 0; i < n; i++)
			if (!kids[i].pid && !kids[i].disabled &&
			    fetch_super_ms() >= kids[i].start_at)
				fetch_super_spawn(*confp, &kids[i], i, db);
		nanosleep(&slice, NULL);
		fetch_super_reap(*confp, kids, n);
		if (fetch_super_lock_lost(lock_st, &checked)) {
			log_warnx("the fetcher's lock was lost (%s); stopping "
			          "the accounts, standby again",
			          store_errmsg(lock_st));
			fetch_super_stop_all(kids, n);
			free(kids);
			return FETCH_SUPER_LOCK_LOST;
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
			fetch_super_stop_all(kids, n);
			free(kids);
			n = (*confp)->naccounts;
			kids = calloc(n, sizeof(*kids));
			if (kids == NULL)
				return EX_OSERR;
		}
	}
	fetch_super_stop_all(kids, n);
	free(kids);
	return EX_OK;
}

/*
 * Takes the fetcher's lock on st. While another fetcher holds it, this one
 * is the standby: it tries again every FETCH_SUPER_STANDBY_MS and takes
 * over as soon as the other one stops (with PostgreSQL, when its session
 * ends: a fetcher killed on another host). OTPBOX_ERR_INTERRUPTED when
 * stopped while waiting.
 */
static enum otpbox_err
fetch_super_take_lock(struct store *st, char *errbuf, size_t errlen)
{
	struct timespec slice = {FETCH_SUPER_STANDBY_MS / 1000,
	                         FETCH_SUPER_STANDBY_MS % 1000 * 1000000L};
	enum otpbox_err err;
	bool standby = false;

	for (;;) {
		err = store_lock_take(st, STORE_LOCK_FETCH, errbuf, errlen);
		if (err != OTPBOX_ERR_LOCKED && err != OTPBOX_ERR_NET)
			break;
		/* A server out of reach: the store reconnects at the next
		 * try; meanwhile another fetcher may take over. */
		if (err == OTPBOX_ERR_NET)
			log_warnx("%s; trying again", errbuf);
		else if (!standby)
			log_info("standby: %s; taking over when it stops",
			         errbuf);
		standby = true;
		if (fetch_super_stop)
			return OTPBOX_ERR_INTERRUPTED;
		nanosleep(&slice, NULL);
	}
	if (!err && standby)
		log_info("active: the lock is ours; taking over");
	return err;
}

int
fetch_super_run(struct conf **confp, const char *conf_path,
                const char *db_override)
{
	const char *db = conf_database(*confp, db_override);
	struct store *st = NULL;
	char errbuf[1024], *dbcopy;
	enum otpbox_err err;
	int status = EX_OK;

	/* Create or migrate the database once, before any child opens it;
	 * this connection then holds the lock for as long as we run. */
	fetch_super_signals();
	err = store_conf_open(*confp, db, true, &st, errbuf, sizeof(errbuf));
	dbcopy = strdup(db); /* conf (and its database) may be reloaded */
	if (dbcopy == NULL) {
		store_close(st);
		return EX_OSERR;
	}
	do {
		if (!err)
			err = fetch_super_take_lock(st, errbuf, sizeof(errbuf));
		if (err)
			break;
		log_info("watching %zu account(s); database %s",
		         (*confp)->naccounts, store_display_name(st));
		/* The children open their own connections. */
		store_keep_lock_only(st);
		status = fetch_super_loop(confp, conf_path, dbcopy, st);
	} while (status == FETCH_SUPER_LOCK_LOST && !fetch_super_stop);
	if (err == OTPBOX_ERR_INTERRUPTED) {
		status = EX_OK;
	} else if (err) {
		log_warnx("%s", errbuf);
		status = EX_CANTCREAT;
	} else if (status == FETCH_SUPER_LOCK_LOST) {
		status = EX_OK; /* stopped while standby again */
	}
	log_info("stopped");
	free(dbcopy);
	store_close(st); /* releases the lock */
	return status;
}
