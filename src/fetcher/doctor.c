/* SPDX-License-Identifier: MIT */
/* `otpbox doctor`: walks the path a code travels, from the configuration
 * to the database, and stops at the first broken step with its fix. It
 * never changes the mailbox (EXAMINE only) and writes nothing. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "../cmd.h"
#include "doctor_p.h"
#include "log.h"

static void
doctor_usage(FILE *out)
{
	fprintf(out,
	        "usage: otpbox doctor [-c FILE] [--db PATH] [--json]\n"
	        "Checks every step a code travels and says how to fix the "
	        "first broken one:\n"
	        "configuration, secret, DNS, TCP, TLS, greeting, sign-in, "
	        "folders, database,\n"
	        "kernel limits, clock offset, recipient headers. Never "
	        "changes the mailbox.\n"
	        "  -c FILE      configuration file (else $OTPBOX_CONFIG, else "
	        "%s)\n"
	        "  --db PATH    database file (else $OTPBOX_DB, else the "
	        "config's `database`)\n"
	        "  --json       one JSON object with every step, for scripts\n"
	        "  -h, --help   this text\n"
	        "Exit status: 0 all good (warnings included); else the failing "
	        "step's:\n"
	        "78 configuration or secret; 68 DNS; 69 TCP; 75 TLS; 76 "
	        "greeting;\n"
	        "77 sign-in; 66 folder; 73 database.\n",
	        CONF_SYSTEM_FILE);
}

static const char *const doctor_words[] = {"ok", "warn", "skip", "FAIL"};

bool
doctor_step(struct doctor *d, const char *step, const char *account,
            enum doctor_result res, int status, const char *fix,
            const char *fmt, ...)
{
	char detail[1024];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (res == DOCTOR_FAIL && d->failed == NULL) {
		d->failed = step;
		d->status = status;
	}
	if (d->json) {
		o = json_pack("{s:s, s:s, s:s}", "step", step, "result",
		              res == DOCTOR_FAIL ? "fail" : doctor_words[res],
		              "detail", detail);
		json_object_set_new(
		    o, "account", account ? json_string(account) : json_null());
		json_object_set_new(o, "fix",
		                    res != DOCTOR_OK && fix ? json_string(fix)
		                                            : json_null());
		json_array_append_new(d->steps, o);
	} else {
		printf("%-4s  %-10s %s%s%s\n", doctor_words[res], step,
		       account ? account : "", account ? ": " : "", detail);
		if (res != DOCTOR_OK && fix)
			printf("      %-10s fix: %s\n", "", fix);
	}
	return res != DOCTOR_FAIL;
}

static int
doctor_parse_args(int argc, char **argv, const char **conf_path,
                  const char **db, bool *json)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			*conf_path = optarg;
			break;
		case 'd':
			*db = optarg;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			doctor_usage(stdout);
			return EX_OK;
		default:
			doctor_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "otpbox doctor: unexpected argument '%s'\n",
		        argv[optind]);
		doctor_usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

/* The configuration step: every error at once, as the loader gives them. */
static bool
doctor_config(struct doctor *d, const char *conf_path)
{
	char *errors = NULL;
	bool ok;

	if (conf_load(conf_path, &d->conf, &errors)) {
		ok = doctor_step(
		    d, "config", NULL, DOCTOR_FAIL, EX_CONFIG,
		    "correct each line named above, then run otpbox "
		    "doctor again",
		    "%s", errors ? errors : "configuration error");
		free(errors);
		return ok;
	}
	if (d->conf->naccounts == 0)
		return doctor_step(d, "config", NULL, DOCTOR_FAIL, EX_CONFIG,
		                   "add an account to the configuration file "
		                   "or set " CONF_DEFAULT_EMAIL_ENV,
		                   "no account configured");
	return doctor_step(
	    d, "config", NULL, DOCTOR_OK, 0, NULL, "%s: %zu account%s",
	    d->conf->path ? d->conf->path : "(environment)", d->conf->naccounts,
	    d->conf->naccounts == 1 ? "" : "s");
}

static void
doctor_json_print(struct doctor *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "ok", json_boolean(d->failed == NULL));
	json_object_set_new(o, "failed_step",
	                    d->failed ? json_string(d->failed) : json_null());
	json_object_set_new(o, "exit_status", json_integer(d->status));
	json_object_set(o, "steps", d->steps);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
}

int
doctor_main(int argc, char **argv)
{
	struct doctor d = {0};
	const char *conf_path = NULL, *db = NULL;
	size_t i;
	int status;

	if ((status =
	         doctor_parse_args(argc, argv, &conf_path, &db, &d.json)) >= 0)
		return status;
	log_init("otpbox doctor", LOG_LEVEL_QUIET);
	d.steps = json_array();
	if (doctor_config(&d, conf_path)) {
		d.db = conf_database(d.conf, db);
		for (i = 0; i < d.conf->naccounts; i++)
			if (!doctor_net_account(&d, i))
				break;
		if (d.failed == NULL)
			doctor_local(&d);
	}
	if (d.json)
		doctor_json_print(&d);
	else
		printf("%s\n", d.failed ? "doctor: stopped at the first broken "
		                          "step"
		                        : "doctor: every step works");
	json_decref(d.steps);
	conf_free(d.conf);
	return d.status;
}
