/* SPDX-License-Identifier: MIT */
/* `otpbox fetch`: the command line, --once (cron) and the hand-over to
 * the --watch supervisor. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sysexits.h>

#include "../cmd.h"
#include "conf.h"
#include "fetch_account.h"
#include "fetch_super.h"
#include "log.h"
#include "store.h"
#include "store_conf.h"

static volatile sig_atomic_t fetch_stop;

static void
fetch_on_stop(int sig)
{
	(void)sig;
	fetch_stop = 1;
}

static void
fetch_usage(FILE *out)
{
	fprintf(out,
	        "usage: otpbox fetch [-c FILE] [--db PATH] --once|--watch "
	        "[-v]\n"
	        "Copies new mail from the configured IMAP account(s) into the "
	        "database.\n"
	        "  --once       sync every account and folder once, then exit "
	        "(for cron;\n"
	        "               a run that finds another one running exits 0 "
	        "at once)\n"
	        "  --watch      stay connected: IDLE (or poll), reconnect with "
	        "back-off;\n"
	        "               SIGTERM/SIGINT stop after the current batch, "
	        "SIGHUP reloads\n"
	        "  -c FILE      configuration file (else $OTPBOX_CONFIG, else "
	        "%s)\n"
	        "  --db PATH    database file (else $OTPBOX_DB, else the "
	        "config's `database`)\n"
	        "  -v           log each message's recipient and code decision;"
	        " -vv protocol\n"
	        "  -h, --help   this text\n"
	        "Exit status: 0 ok; 75 server unreachable or temporary failure;"
	        " 77 login\n"
	        "refused; 78 bad configuration.\n",
	        CONF_SYSTEM_FILE);
}

struct fetch_args {
	const char *conf_path;
	const char *db;
	int once, watch, verbose;
};

/* Returns -1 to go on, else the exit status. */
static int
fetch_parse_args(int argc, char **argv, struct fetch_args *a)
{
	static const struct option opts[] = {
	    {"once", no_argument, NULL, 'o'},
	    {"watch", no_argument, NULL, 'w'},
	    {"db", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			a->once = 1;
			break;
		case 'w':
			a->watch = 1;
			break;
		case 'd':
			a->db = optarg;
			break;
		case 'c':
			a->conf_path = optarg;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'h':
			fetch_usage(stdout);
			return EX_OK;
		default:
			fetch_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || a->once + a->watch != 1) {
		fprintf(stderr, "otpbox fetch: give exactly one of --once and "
		                "--watch\n");
		fetch_usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

static void
fetch_signals(void)
{
	struct sigaction sa = {.sa_handler = fetch_on_stop};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Syncs one account; returns its exit status. */
static int
fetch_once_account(const struct conf *conf, size_t i, struct store *st)
{
	struct fetch_account *fa = NULL;
	struct imap_client *cl = NULL;
	char errbuf[1024] = "";
	enum otpbox_err err;

	err = fetch_account_new(conf, i, st, &fetch_stop, &fa, errbuf,
	                        sizeof(errbuf));
	if (err == OTPBOX_OK)
		err = fetch_account_connect(fa, &cl, errbuf, sizeof(errbuf));
	if (err == OTPBOX_OK)
		err = fetch_account_sync_all(fa, cl, errbuf, sizeof(errbuf));
	if (err == OTPBOX_ERR_INTERRUPTED)
		log_info("account %s: stopped by a signal after a committed "
		         "batch",
		         conf->accounts[i].name);
	else if (err)
		log_warnx("account %s (%s:%d): %s", conf->accounts[i].name,
		          conf->accounts[i].host, conf->accounts[i].port,
		          errbuf[0] ? errbuf : otpbox_strerror(err));
	imap_client_free(cl);
	fetch_account_free(fa);
	return fetch_account_exit_status(err);
}

/* The worst status wins: config, then auth, then temporary. */
static int
fetch_worse(int a, int b)
{
	static const int order[] = {EX_OK, EX_TEMPFAIL, EX_NOPERM, EX_CONFIG};
	int ra = 4, rb = 4;

	for (int k = 0; k < 4; k++) {
		if (order[k] == a)
			ra = k;
		if (order[k] == b)
			rb = k;
	}
	return rb > ra ? b : a;
}

/* One account under its lock: a cron run that finds another fetcher on
 * the account leaves it to that one and still exits 0. */
static int
fetch_once_locked(const struct conf *conf, size_t i, struct store *st)
{
	char errbuf[1024];
	enum otpbox_err err;

	err = store_lock_fetch(st, conf->accounts[i].name, errbuf,
	                       sizeof(errbuf));
	if (err == OTPBOX_ERR_LOCKED) {
		fprintf(stderr,
		        "otpbox fetch: account %s: %s; this run leaves it "
		        "alone\n",
		        conf->accounts[i].name, errbuf);
		return EX_OK;
	}
	if (err) {
		log_warnx("%s", errbuf);
		return EX_CANTCREAT;
	}
	return fetch_once_account(conf, i, st);
}

static int
fetch_once(const struct conf *conf, const char *db)
{
	struct store *st = NULL;
	char errbuf[1024];
	int status = EX_OK;
	enum otpbox_err err;

	err = store_conf_open(conf, db, true, &st, errbuf, sizeof(errbuf));
	if (err) {
		log_warnx("%s", errbuf);
		return fetch_account_exit_status(err);
	}
	for (size_t i = 0; i < conf->naccounts && !fetch_stop; i++)
		status = fetch_worse(status, fetch_once_locked(conf, i, st));
	/* Retention only by a run that holds a lock (it may delete any row). */
	if (!fetch_stop && store_lock_check(st) == OTPBOX_OK &&
	    fetch_account_retention(conf, st))
		log_warnx("retention: %s", store_errmsg(st));
	store_close(st); /* releases the locks */
	return status;
}

#if defined(__SANITIZE_ADDRESS__)
#define FETCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FETCH_SANITIZED 1
#endif
#endif

/* The fetcher holds passwords and tokens: no core file may keep them
 * (DESIGN.md invariant 5), and being non-dumpable also keeps other
 * processes of the same user from reading its memory. Sanitizer builds
 * stay dumpable: their leak check needs to ptrace the process. */
static void
fetch_no_core(void)
{
	struct rlimit none = {0, 0};

	setrlimit(RLIMIT_CORE, &none);
#ifndef FETCH_SANITIZED
	prctl(PR_SET_DUMPABLE, 0);
#endif
}

int
fetch_main(int argc, char **argv)
{
	struct fetch_args a = {0};
	struct conf *conf = NULL;
	char *errors = NULL;
	const char *db;
	int status;

	if ((status = fetch_parse_args(argc, argv, &a)) >= 0)
		return status;
	log_init("otpbox fetch", a.verbose >= 2   ? LOG_LEVEL_DEBUG
	                         : a.verbose == 1 ? LOG_LEVEL_VERBOSE
	                                          : LOG_LEVEL_INFO);
	fetch_no_core();
	if (conf_load(a.conf_path, &conf, &errors)) {
		fprintf(stderr, "%s",
		        errors ? errors : "configuration error\n");
		free(errors);
		return EX_CONFIG;
	}
	if (conf->warnings)
		fputs(conf->warnings, stderr);
	if (conf->naccounts == 0) {
		fprintf(stderr,
		        "otpbox fetch: no account configured: add one "
		        "to the configuration file or set %s\n",
		        CONF_DEFAULT_EMAIL_ENV);
		conf_free(conf);
		return EX_CONFIG;
	}
	db = conf_database(conf, a.db);
	fetch_signals();
	if (a.once)
		status = fetch_once(conf, db);
	else
		status = fetch_super_run(&conf, a.conf_path, a.db);
	conf_free(conf);
	return status;
}
