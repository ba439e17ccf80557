/* SPDX-License-Identifier: MIT */
/* `otpbox wait ADDRESS`: prints (and claims) the code for a bot address,
 * so that a script can do code=$(otpbox wait bot1@example.com). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "../cmd.h"
#include "conf.h"
#include "log.h"
#include "otpbox.h"
#include "since.h"
#include "store.h"

/* Exit status for a time-out: the one non-sysexits status (scripts test
 * `if otpbox wait ...`). */
#define WAIT_EXIT_TIMEOUT 1

struct wait_args {
	const char *address;
	const char *config;
	const char *db;
	const char *worker;
	double timeout; /* seconds; < 0: from the configuration */
	int max_age;    /* seconds; < 0: from the configuration */
	int skew;
	int64_t since;
	enum otpbox_want want;
	int peek;
	int json;
	int verbose;
	const char *from[32]; /* --from patterns; none: wait.senders */
	size_t nfrom;
	char *const *conf_from; /* wait.senders, borrowed from the conf */
	size_t nconf_from;
	const char *subject;
	int authenticated;
};

static void
wait_usage(FILE *out)
{
	fprintf(out,
	        "usage: otpbox wait ADDRESS [-c FILE] [--db PATH] [--timeout S]"
	        " [--max-age S]\n"
	        "                   [--since T] [--skew S] [--peek]"
	        " [--want code|link|any]\n"
	        "                   [--from PATTERN]... [--subject TEXT]"
	        " [--authenticated]\n"
	        "                   [--json] [--worker NAME] [-v]\n");
}

static void
wait_help(void)
{
	wait_usage(stdout);
	printf("\nPrints the newest unclaimed code for ADDRESS that the mail "
	       "server received\ninside the window, claims it so that no "
	       "other waiter gets it, and exits 0.\nWaits for one to arrive "
	       "when there is none yet.\n\n"
	       "  -c, --config FILE  configuration file (else $OTPBOX_CONFIG,"
	       " /etc/otpbox/otpbox.conf)\n"
	       "      --db PATH      database (else $OTPBOX_DB, the "
	       "configuration's database)\n"
	       "      --timeout S    give up after S seconds (default: "
	       "wait.timeout_seconds, 120)\n"
	       "      --max-age S    ignore codes older than S seconds "
	       "(default: 600)\n"
	       "      --since T      ignore codes received before T (Unix "
	       "seconds or ISO-8601,\n"
	       "                     e.g. 2026-11-25T10:00:00Z); T is moved "
	       "back by --skew\n"
	       "      --skew S       tolerated mail server clock lag, seconds"
	       " (default:\n"
	       "                     measured from stored mail, 2 without "
	       "samples)\n"
	       "      --peek         print the code without claiming it\n"
	       "      --want KIND    code, link or any (default code)\n"
	       "      --from PATTERN only codes from this sender: an address,"
	       " a domain\n"
	       "                     (with its subdomains) or a glob; "
	       "repeatable\n"
	       "                     (default: wait.senders)\n"
	       "      --subject TEXT only codes whose Subject contains TEXT "
	       "(any case)\n"
	       "      --authenticated only codes whose sender the receiving "
	       "server\n"
	       "                     authenticated (DMARC, or aligned DKIM)\n"
	       "      --json         print the code and its message as JSON\n"
	       "      --worker NAME  name recorded as the claimer (default "
	       "\"pid N\")\n"
	       "  -v, --verbose      say how the wait went on stderr\n\n"
	       "Exit status: 0 code printed, 1 time-out, 64 usage, 69 no "
	       "database,\n78 bad configuration. Every wait is recorded in "
	       "the waits table;\nsee the view missed_otps for waits that "
	       "ended without a code.\n");
}

static int
wait_bad_usage(const char *fmt, const char *what)
{
	fprintf(stderr, "otpbox wait: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	wait_usage(stderr);
	return EX_USAGE;
}

/* Parses a non-negative number of seconds, fractions allowed. */
static int
wait_seconds(const char *text, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	return errno || end == text || *end || !isfinite(*out) || *out < 0 ||
	               *out > max
	           ? -1
	           : 0;
}

static int
wait_want(const char *text, enum otpbox_want *out)
{
	static const char *const names[] = {"code", "link", "any"};
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(text, names[i])) {
			*out = (enum otpbox_want)i;
			return 0;
		}
	return -1;
}

/* Handles one option value; returns 0 or an exit status. */
static int
wait_option(int c, const char *val, struct wait_args *a)
{
	double d;

	switch (c) {
	case 'c':
		a->config = val;
		return 0;
	case 'd':
		a->db = val;
		return 0;
	case 'w':
		a->worker = val;
		return 0;
	case 'p':
		a->peek = 1;
		return 0;
	case 'j':
		a->json = 1;
		return 0;
	case 'v':
		a->verbose = 1;
		return 0;
	case 'f':
		if (a->nfrom == sizeof(a->from) / sizeof(a->from[0]))
			return wait_bad_usage("too many --from (at most %s)",
			                      "32");
		a->from[a->nfrom++] = val;
		return 0;
	case 'S':
		a->subject = val;
		return 0;
	case 'A':
		a->authenticated = 1;
		return 0;
	case 't':
		if (wait_seconds(val, 86400, &a->timeout) < 0)
			return wait_bad_usage("bad --timeout '%s' (seconds, "
			                      "0 to 86400)",
			                      val);
		return 0;
	case 'm':
	case 'k':
		if (wait_seconds(val, 365 * 86400.0, &d) < 0 ||
		    (c == 'm' && d < 1))
			return wait_bad_usage("bad number of seconds '%s'",
			                      val);
		*(c == 'm' ? &a->max_age : &a->skew) = (int)d;
		return 0;
	case 's':
		if (since_parse(val, &a->since))
			return wait_bad_usage("bad --since '%s' (Unix seconds "
			                      "or ISO-8601 date and time)",
			                      val);
		return 0;
	case 'W':
		if (wait_want(val, &a->want) < 0)
			return wait_bad_usage("bad --want '%s' (code, link or "
			                      "any)",
			                      val);
		return 0;
	}
	wait_usage(stderr);
	return EX_USAGE;
}

/* Fills a from argv; returns -1 to go on, else an exit status. */
static int
wait_parse(int argc, char **argv, struct wait_args *a)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 'd'},
	    {"timeout", required_argument, NULL, 't'},
	    {"max-age", required_argument, NULL, 'm'},
	    {"since", required_argument, NULL, 's'},
	    {"skew", required_argument, NULL, 'k'},
	    {"peek", no_argument, NULL, 'p'},
	    {"want", required_argument, NULL, 'W'},
	    {"json", no_argument, NULL, 'j'},
	    {"worker", required_argument, NULL, 'w'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"from", required_argument, NULL, 'f'},
	    {"subject", required_argument, NULL, 'S'},
	    {"authenticated", no_argument, NULL, 'A'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c, st;

	*a = (struct wait_args){
	    .timeout = -1, .max_age = -1, .skew = OTPBOX_SKEW_MEASURED};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:hv", opts, NULL)) != -1) {
		if (c == 'h') {
			wait_help();
			return EX_OK;
		}
		if (c == '?')
			return wait_bad_usage("unknown or incomplete option "
			                      "'%s'",
			                      argv[optind - 1]);
		if ((st = wait_option(c, optarg, a)))
			return st;
	}
	if (optind != argc - 1)
		return wait_bad_usage(
		    "%s", optind >= argc ? "which ADDRESS? give exactly one"
		                         : "give exactly one ADDRESS");
	a->address = argv[optind];
	if (otpbox_address_check(a->address))
		return wait_bad_usage("'%s' is not an e-mail address "
		                      "(local@domain)",
		                      a->address);
	return -1;
}

/* Loads the configuration for defaults and the database path. */
static int
wait_config(struct wait_args *a, struct conf **conf)
{
	char *errors = NULL;

	if (conf_load(a->config, conf, &errors)) {
		fprintf(stderr, "otpbox wait: %s",
		        errors ? errors : "cannot load the configuration\n");
		free(errors);
		return EX_CONFIG;
	}
	if ((*conf)->warnings)
		fputs((*conf)->warnings, stderr);
	if (a->timeout < 0)
		a->timeout = (*conf)->wait.timeout_seconds;
	if (a->max_age < 0)
		a->max_age = (*conf)->wait.max_email_age_seconds;
	if (a->nfrom == 0) {
		a->conf_from = (*conf)->wait.senders;
		a->nconf_from = (*conf)->wait.nsenders;
	}
	if ((*conf)->wait.require_authenticated_sender)
		a->authenticated = 1;
	a->db = conf_database(*conf, a->db);
	return -1;
}

static int
wait_json_set(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val ? val : json_null());
}

static json_t *
wait_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void
wait_print_json(const struct otpbox_code *c, int peek)
{
	json_t *o = json_object();
	char *text;

	if (o == NULL)
		return;
	wait_json_set(o, "code", wait_json_str(c->code));
	wait_json_set(o, "kind", wait_json_str(c->kind));
	wait_json_set(o, "address", wait_json_str(c->address));
	wait_json_set(o, "received_at", json_integer(c->received_at));
	wait_json_set(o, "fetched_at", json_integer(c->fetched_at));
	wait_json_set(o, "claimed", json_boolean(!peek));
	wait_json_set(o, "claimed_at",
	              c->claimed_at ? json_integer(c->claimed_at)
	                            : json_null());
	wait_json_set(o, "claimed_by", wait_json_str(c->claimed_by));
	wait_json_set(o, "subject", wait_json_str(c->subject));
	wait_json_set(o, "sender", wait_json_str(c->sender));
	wait_json_set(o, "account", wait_json_str(c->account));
	wait_json_set(o, "folder", wait_json_str(c->folder));
	wait_json_set(o, "uid", json_integer(c->uid));
	wait_json_set(o, "code_id", json_integer(c->code_id));
	wait_json_set(o, "message_id", json_integer(c->message_id));
	wait_json_set(o, "wait_id", json_integer(c->wait_id));
	wait_json_set(o, "sender_address", wait_json_str(c->sender_address));
	wait_json_set(o, "sender_domain", wait_json_str(c->sender_domain));
	wait_json_set(o, "authenticated", json_boolean(c->authenticated));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* The --json answer when there is no code: {"error": ..., "address": ...}. */
static void
wait_print_error(const char *address, enum otpbox_err err)
{
	json_t *o = json_object();
	char *text;

	if (o == NULL)
		return;
	wait_json_set(o, "error",
	              json_string(err == OTPBOX_ERR_TIMEOUT
	                              ? "timeout"
	                              : otpbox_strerror(err)));
	wait_json_set(o, "address", json_string(address));
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* SIGINT, SIGTERM and SIGHUP become readable on the returned descriptor,
 * so a killed waiter still records its wait as ended. */
static int
wait_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return -1;
	return signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Dies of the signal that interrupted the wait, as a shell expects. */
static void
wait_die_of_signal(int sfd, const sigset_t *set)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		si.ssi_signo = SIGTERM;
	signal((int)si.ssi_signo, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, set, NULL);
	raise((int)si.ssi_signo);
}

static int
wait_exit_status(enum otpbox_err err)
{
	switch (err) {
	case OTPBOX_OK:
		return EX_OK;
	case OTPBOX_ERR_TIMEOUT:
		return WAIT_EXIT_TIMEOUT;
	case OTPBOX_ERR_BAD_ADDRESS:
	case OTPBOX_ERR_USAGE:
		return EX_USAGE;
	case OTPBOX_ERR_NO_DB:
	case OTPBOX_ERR_NOT_OTPBOX_DB:
	case OTPBOX_ERR_SCHEMA_TOO_NEW:
		return EX_UNAVAILABLE;
	case OTPBOX_ERR_CONFIG:
		return EX_CONFIG;
	case OTPBOX_ERR_BUSY:
		return EX_TEMPFAIL;
	case OTPBOX_ERR_NOMEM:
		return EX_OSERR;
	default:
		return EX_IOERR;
	}
}

/* Makes the library's options from the command line; *out is NULL on
 * failure. */
static enum otpbox_err
wait_opts(const struct wait_args *a, int cancel_fd,
          struct otpbox_wait_opts **out)
{
	struct otpbox_wait_opts *o = NULL;
	enum otpbox_err err;
	size_t i;

	if ((err = otpbox_wait_opts_new(&o)))
		goto out;
	if ((err = otpbox_wait_opts_set_since(o, a->since)) ||
	    (err = otpbox_wait_opts_set_max_age(o, a->max_age)) ||
	    (err = otpbox_wait_opts_set_skew(o, a->skew)) ||
	    (err = otpbox_wait_opts_set_timeout_ms(
	         o, (int)(a->timeout * 1000 + 0.5))) ||
	    (err = otpbox_wait_opts_set_want(o, a->want)) ||
	    (err = otpbox_wait_opts_set_peek(o, a->peek)) ||
	    (err = otpbox_wait_opts_set_worker(o, a->worker)) ||
	    (err = otpbox_wait_opts_set_cancel_fd(o, cancel_fd)) ||
	    (err = otpbox_wait_opts_set_subject(o, a->subject)) ||
	    (err = otpbox_wait_opts_set_authenticated(o, a->authenticated)))
		goto out;
	for (i = 0; i < a->nfrom && !err; i++)
		err = otpbox_wait_opts_add_from(o, a->from[i]);
	for (i = 0; i < a->nconf_from && !err; i++)
		err = otpbox_wait_opts_add_from(o, a->conf_from[i]);
out:
	if (err) {
		otpbox_wait_opts_free(o);
		o = NULL;
	}
	*out = o;
	return err;
}

static void
wait_report(const struct wait_args *a, struct otpbox *box, enum otpbox_err err,
            const struct otpbox_code *code)
{
	char shown[1024];

	if (err == OTPBOX_OK) {
		if (a->json)
			wait_print_json(code, a->peek);
		else
			printf("%s\n", code->code);
		log_verbose("%s %s (wait %lld, message %lld, received %lld)",
		            a->peek ? "peeked at" : "claimed", code->kind,
		            (long long)code->wait_id,
		            (long long)code->message_id,
		            (long long)code->received_at);
		return;
	}
	if (a->json)
		wait_print_error(a->address, err);
	log_warnx("%s; see the missed_otps view in %s for why",
	          otpbox_errmsg(box),
	          store_redact(a->db, shown, sizeof(shown)));
}

/* Opens the database and runs the wait; returns the exit status. */
static int
wait_run(struct wait_args *a)
{
	struct otpbox_code *code = NULL;
	struct otpbox_wait_opts *o = NULL;
	struct otpbox *box = NULL;
	char errbuf[512];
	enum otpbox_err err;
	sigset_t set;
	int sfd;

	err = otpbox_open(a->db, &box, errbuf, sizeof(errbuf));
	if (err) {
		log_warnx("%s", errbuf);
		return wait_exit_status(err);
	}
	if ((sfd = wait_signals(&set)) < 0)
		log_warn("signal handling unavailable");
	if ((err = wait_opts(a, sfd, &o)))
		log_warnx("bad --from, --subject or --worker (a sender is an"
		          " address, a domain or a glob; text is printable, a"
		          " worker name at most 127 bytes): %s",
		          otpbox_strerror(err));
	else
		err = otpbox_wait(box, a->address, o, &code);
	if (err != OTPBOX_ERR_INTERRUPTED)
		wait_report(a, box, err, code);
	otpbox_code_free(code);
	otpbox_wait_opts_free(o);
	otpbox_close(box);
	if (err == OTPBOX_ERR_INTERRUPTED)
		wait_die_of_signal(sfd, &set);
	if (sfd >= 0)
		close(sfd);
	return wait_exit_status(err);
}

int
wait_main(int argc, char **argv)
{
	struct conf *conf = NULL;
	struct wait_args a;
	int st;

	log_init("otpbox wait", LOG_LEVEL_QUIET);
	if ((st = wait_parse(argc, argv, &a)) >= 0)
		return st;
	if (a.verbose)
		log_init("otpbox wait", LOG_LEVEL_VERBOSE);
	if ((st = wait_config(&a, &conf)) < 0)
		st = wait_run(&a);
	conf_free(conf);
	return st;
}
