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
#include "fetch_lock.h"
#include "fetch_super.h"
#include "fetch_watch.h"
#include "log.h"
#include "store.h"

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

static int
fetch_super_loop(struct conf **confp, const char *conf_path, const char *db)
{
	struct fetch_super_child *kids;
	struct timespec slice = {0, 100 * 1000000L};
	size_t n = (*confp)->naccounts;

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

int
fetch_super_run(struct conf **confp, const char *conf_path,
                const char *db_override)
{
	const char *db = conf_database(*confp, db_override);
	struct store *st = NULL;
	char errbuf[1024], *dbcopy;
	enum otpbox_err err;
	int lock = -1, status;

	/* Create or migrate the file once, before any child opens it. */
	err = store_open(db, true, &st, errbuf, sizeof(errbuf));
	store_close(st);
	if (err == OTPBOX_OK)
		err = fetch_lock_take(db, &lock, errbuf, sizeof(errbuf));
	if (err) {
		log_warnx("%s", errbuf);
		return err == OTPBOX_ERR_LOCKED ? EX_TEMPFAIL : EX_CANTCREAT;
	}
	dbcopy = strdup(db); /* conf (and its database) may be reloaded */
	if (dbcopy == NULL)
		return EX_OSERR;
	fetch_super_signals();
	log_info("watching %zu account(s); database %s", (*confp)->naccounts,
	         dbcopy);
	status = fetch_super_loop(confp, conf_path, dbcopy);
	log_info("stopped");
	free(dbcopy);
	fetch_lock_release(lock);
	return status;
}
