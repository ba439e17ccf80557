/* SPDX-License-Identifier: MIT */
/* `otpbox status`: the health of fetchers, accounts, folders and waits,
 * for people (default), scripts (--json) and Prometheus (--prometheus,
 * the node_exporter textfile format). Reads the store only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "status_health.h"
#include "store.h"
#include "store_conf.h"
#include "store_status.h"

/* Exit status when a check failed (0 healthy; sysexits for the rest). */
#define STATUS_EXIT_UNHEALTHY 1

enum status_format { STATUS_TEXT, STATUS_JSON, STATUS_PROMETHEUS };

struct status_args {
	const char *conf_path;
	const char *db;
	enum status_format format;
};

/* Everything one report shows, gathered before anything is printed. */
struct status_report {
	const char *db;
	int64_t now;
	int64_t db_bytes, wal_bytes;
	struct store_status_summary sum;
	struct store_status_row *rows;
	size_t nrows;
	unsigned *problems; /* one mask per row */
	bool *stale;        /* the row's folder is no longer configured */
	bool healthy;
};

static void
status_usage(FILE *out)
{
	fprintf(out,
	        "usage: otpbox status [-c FILE] [--db PATH] "
	        "[--json|--prometheus]\n"
	        "Shows the health of the fetcher, each account and folder, and "
	        "the waits.\n"
	        "  -c FILE        configuration file (else $OTPBOX_CONFIG, "
	        "else %s)\n"
	        "  --db PATH      database file (else $OTPBOX_DB, else the "
	        "config's `database`)\n"
	        "  --json         one JSON object, for scripts\n"
	        "  --prometheus   metrics in the node_exporter textfile "
	        "format\n"
	        "  -h, --help     this text\n"
	        "Exit status: 0 healthy; 1 unhealthy (see docs/operations.md);"
	        " 64 usage;\n"
	        "69 no database; 74 database unreadable; 75 database locked;"
	        " 78 bad\n"
	        "configuration.\n",
	        CONF_SYSTEM_FILE);
}

/* Returns -1 to go on, else the exit status. */
static int
status_parse_args(int argc, char **argv, struct status_args *a)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"prometheus", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch, formats = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			a->db = optarg;
			break;
		case 'c':
			a->conf_path = optarg;
			break;
		case 'j':
			a->format = STATUS_JSON;
			formats++;
			break;
		case 'p':
			a->format = STATUS_PROMETHEUS;
			formats++;
			break;
		case 'h':
			status_usage(stdout);
			return EX_OK;
		default:
			status_usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc || formats > 1) {
		fprintf(stderr, "otpbox status: %s\n",
		        formats > 1 ? "give at most one of --json and "
		                      "--prometheus"
		                    : "unexpected argument");
		status_usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

static int64_t
status_file_size(const char *path, const char *suffix)
{
	char name[4096];
	struct stat sb;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	return stat(name, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

/* Whether account/folder is in the configuration (any, without accounts:
 * then the store alone says what exists). */
static bool
status_configured(const struct conf *conf, const char *account,
                  const char *folder)
{
	const struct conf_account *a;
	size_t i, j;

	for (i = 0; i < conf->naccounts; i++) {
		a = &conf->accounts[i];
		for (j = 0; j < a->nfolders; j++)
			if (!strcmp(a->name, account) &&
			    !strcmp(a->folders[j], folder))
				return true;
	}
	return conf->naccounts == 0;
}

/* Adds an empty row for each configured folder the store never saw, so
 * that a folder nobody syncs counts as unhealthy. */
static enum otpbox_err
status_add_configured(struct status_report *r, const struct conf *conf)
{
	struct store_status_row *grown;
	const struct conf_account *a;
	size_t i, j, k;

	for (i = 0; i < conf->naccounts; i++) {
		a = &conf->accounts[i];
		for (j = 0; j < a->nfolders; j++) {
			for (k = 0; k < r->nrows; k++)
				if (!strcmp(r->rows[k].account, a->name) &&
				    !strcmp(r->rows[k].folder, a->folders[j]))
					break;
			if (k < r->nrows)
				continue;
			grown =
			    realloc(r->rows, (r->nrows + 1) * sizeof(*grown));
			if (grown == NULL)
				return OTPBOX_ERR_NOMEM;
			r->rows = grown;
			memset(&grown[r->nrows], 0, sizeof(*grown));
			grown[r->nrows].account = strdup(a->name);
			grown[r->nrows].folder = strdup(a->folders[j]);
			r->nrows++;
			if (!grown[r->nrows - 1].account ||
			    !grown[r->nrows - 1].folder)
				return OTPBOX_ERR_NOMEM;
		}
	}
	return OTPBOX_OK;
}

static enum otpbox_err
status_gather(struct store *st, const struct conf *conf,
              struct status_report *r)
{
	struct status_health_limits lim = {
	    .max_sync_age_seconds = conf->status.max_sync_age_seconds,
	    .max_heartbeat_age_seconds = conf->status.max_heartbeat_age_seconds,
	};
	enum otpbox_err err;
	size_t i;

	r->now = (int64_t)time(NULL);
	r->db_bytes = status_file_size(r->db, "");
	r->wal_bytes = status_file_size(r->db, "-wal");
	if ((err = store_status_summary(st, r->now, &r->sum)))
		return err;
	if ((err = store_status_rows(st, r->now, &r->rows, &r->nrows)))
		return err;
	if ((err = status_add_configured(r, conf)))
		return err;
	r->problems = calloc(r->nrows + 1, sizeof(*r->problems));
	r->stale = calloc(r->nrows + 1, sizeof(*r->stale));
	if (r->problems == NULL || r->stale == NULL)
		return OTPBOX_ERR_NOMEM;
	r->healthy = r->nrows > 0;
	for (i = 0; i < r->nrows; i++) {
		/* a renamed or removed account must not stay unhealthy */
		r->stale[i] = !status_configured(conf, r->rows[i].account,
		                                 r->rows[i].folder);
		if (r->stale[i])
			continue;
		r->problems[i] = status_health_check(&r->rows[i], &lim, r->now);
		if (r->problems[i])
			r->healthy = false;
	}
	return OTPBOX_OK;
}

/* "12 s ago (2026-12-01T05:20:00Z)" or "never". */
static void
status_when(char *buf, size_t cap, int64_t at, int64_t now)
{
	time_t t = (time_t)at;
	char stamp[32];
	struct tm tm;

	if (at == 0) {
		snprintf(buf, cap, "never");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(buf, cap, "%lld s ago (%s)", (long long)(now - at), stamp);
}

static void
status_text_row(const struct status_report *r, size_t i)
{
	const struct store_status_row *w = &r->rows[i];
	char when[96], since[96], why[512];

	status_health_describe(r->problems[i], why, sizeof(why));
	printf("%s/%s: %s%s%s\n", w->account, w->folder,
	       r->stale[i]      ? "not configured (ignored)"
	       : r->problems[i] ? "UNHEALTHY"
	                        : "healthy",
	       why[0] ? ": " : "", why);
	status_when(when, sizeof(when), w->heartbeat_at, r->now);
	if (w->mode)
		printf("  fetcher      --%s, pid %lld on %s, heartbeat %s\n",
		       w->mode, (long long)w->pid, w->host ? w->host : "?",
		       when);
	else
		printf("  fetcher      no heartbeat recorded\n");
	status_when(when, sizeof(when), w->success_at, r->now);
	printf("  last sync    %s\n", when);
	status_when(when, sizeof(when), w->error_at, r->now);
	status_when(since, sizeof(since), w->error_since, r->now);
	if (w->error)
		printf("  last error   %s\n               %s; failing since "
		       "%s\n",
		       w->error, when, since);
	else
		printf("  last error   none since the last success\n");
	if (w->has_lag)
		printf("  lag          newest message stored %lld s after the "
		       "server received it\n",
		       (long long)w->lag);
	if (w->has_offset)
		printf("  clock offset %lld s (smallest fetched - received of "
		       "the last %d messages)\n",
		       (long long)w->offset, STORE_STATUS_OFFSET_MESSAGES);
	printf("  traffic      %lld messages, %lld codes in the last hour; "
	       "%lld, %lld in the last day\n",
	       (long long)w->msgs_hour, (long long)w->codes_hour,
	       (long long)w->msgs_day, (long long)w->codes_day);
}

static void
status_text(const struct status_report *r)
{
	char when[96];
	size_t i;
	int any = 0;

	printf("otpbox: %s\n", r->healthy ? "healthy" : "UNHEALTHY");
	if (store_kind_of(r->db) != STORE_KIND_SQLITE)
		printf("database     %s\n", r->db);
	else
		printf("database     %s: %lld bytes, WAL %lld bytes\n", r->db,
		       (long long)r->db_bytes, (long long)r->wal_bytes);
	status_when(when, sizeof(when), r->sum.last_code_at, r->now);
	printf("last code    %s\n", when);
	printf("open waits   %lld\n", (long long)r->sum.open_waits);
	printf("missed OTPs  last hour:");
	for (i = 0; i < STORE_STATUS_NREASONS; i++)
		if (r->sum.missed_hour[i]) {
			printf("%s %lld %s", any++ ? "," : "",
			       (long long)r->sum.missed_hour[i],
			       store_status_reasons[i]);
		}
	printf("%s\n", any ? "" : " none");
	if (r->nrows == 0)
		printf("no account configured or synced yet\n");
	for (i = 0; i < r->nrows; i++)
		status_text_row(r, i);
}

static void
status_json_opt(json_t *o, const char *key, int64_t v)
{
	json_object_set_new(o, key, v ? json_integer(v) : json_null());
}

static json_t *
status_json_row(const struct status_report *r, size_t i)
{
	const struct store_status_row *w = &r->rows[i];
	json_t *o = json_object(), *probs = json_array();
	unsigned bit;

	for (bit = 1; bit <= STATUS_HEALTH_NO_HEARTBEAT; bit <<= 1)
		if (r->problems[i] & bit)
			json_array_append_new(
			    probs, json_string(status_health_name(bit)));
	json_object_set_new(o, "account", json_string(w->account));
	json_object_set_new(o, "folder", json_string(w->folder));
	json_object_set_new(o, "healthy", json_boolean(!r->problems[i]));
	json_object_set_new(o, "configured", json_boolean(!r->stale[i]));
	json_object_set_new(o, "problems", probs);
	json_object_set_new(o, "mode",
	                    w->mode ? json_string(w->mode) : json_null());
	status_json_opt(o, "pid", w->pid);
	json_object_set_new(o, "host",
	                    w->host ? json_string(w->host) : json_null());
	status_json_opt(o, "heartbeat_at", w->heartbeat_at);
	status_json_opt(o, "last_attempt_at", w->attempt_at);
	status_json_opt(o, "last_success_at", w->success_at);
	json_object_set_new(o, "sync_age_seconds",
	                    w->success_at ? json_integer(r->now - w->success_at)
	                                  : json_null());
	json_object_set_new(o, "last_error",
	                    w->error ? json_string(w->error) : json_null());
	status_json_opt(o, "last_error_at", w->error_at);
	status_json_opt(o, "error_since", w->error_since);
	status_json_opt(o, "checkpoint_at", w->synced_at);
	json_object_set_new(o, "lag_seconds",
	                    w->has_lag ? json_integer(w->lag) : json_null());
	json_object_set_new(o, "clock_offset_seconds",
	                    w->has_offset ? json_integer(w->offset)
	                                  : json_null());
	json_object_set_new(o, "messages_last_hour",
	                    json_integer(w->msgs_hour));
	json_object_set_new(o, "messages_last_day", json_integer(w->msgs_day));
	json_object_set_new(o, "codes_last_hour", json_integer(w->codes_hour));
	json_object_set_new(o, "codes_last_day", json_integer(w->codes_day));
	return o;
}

static void
status_json(const struct status_report *r)
{
	json_t *o = json_object(), *db = json_object(), *missed = json_object();
	json_t *rows = json_array();
	size_t i;

	json_object_set_new(db, "path", json_string(r->db));
	json_object_set_new(db, "size_bytes", json_integer(r->db_bytes));
	json_object_set_new(db, "wal_bytes", json_integer(r->wal_bytes));
	for (i = 0; i < STORE_STATUS_NREASONS; i++)
		json_object_set_new(missed, store_status_reasons[i],
		                    json_integer(r->sum.missed_hour[i]));
	for (i = 0; i < r->nrows; i++)
		json_array_append_new(rows, status_json_row(r, i));
	json_object_set_new(o, "healthy", json_boolean(r->healthy));
	json_object_set_new(o, "now", json_integer(r->now));
	json_object_set_new(o, "database", db);
	json_object_set_new(o, "open_waits", json_integer(r->sum.open_waits));
	status_json_opt(o, "last_code_at", r->sum.last_code_at);
	json_object_set_new(o, "missed_otps_last_hour", missed);
	json_object_set_new(o, "folders", rows);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(o);
}

/* Prints a label value with the escapes the text format requires. */
static void
status_prom_label(const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			printf("\\%c", *v);
		else if (*v == '\n')
			printf("\\n");
		else
			putchar(*v);
	}
}

static void
status_prom_head(const char *name, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* One sample of a per-folder metric; extra is more labels or "". */
static void
status_prom_sample(const char *name, const struct store_status_row *w,
                   const char *extra, int64_t v)
{
	printf("%s{account=\"", name);
	status_prom_label(w->account);
	printf("\",folder=\"");
	status_prom_label(w->folder);
	printf("\"%s} %lld\n", extra, (long long)v);
}

/* Per-folder figures; which one is chosen by `what`. */
enum status_prom_what {
	SP_HEALTHY,
	SP_SUCCESS,
	SP_ERROR,
	SP_ERROR_SINCE,
	SP_HEARTBEAT,
	SP_LAG,
	SP_OFFSET,
	SP_N
};

static const struct {
	const char *name, *help;
} status_prom_meta[SP_N] = {
    {"otpbox_folder_healthy",
     "Whether otpbox status finds this account and folder healthy."},
    {"otpbox_last_success_timestamp_seconds",
     "Unix time of the last successful sync."},
    {"otpbox_last_error_timestamp_seconds",
     "Unix time of the last failed sync, connection or login."},
    {"otpbox_error_since_timestamp_seconds",
     "Unix time of the first error of the current run of errors."},
    {"otpbox_heartbeat_timestamp_seconds",
     "Unix time the fetcher last reported itself alive."},
    {"otpbox_fetch_lag_seconds", "Seconds between the server receiving the "
                                 "newest message and otpbox storing it."},
    {"otpbox_clock_offset_seconds",
     "Smallest stored-minus-received time over recent messages; negative "
     "when the server clock is ahead."},
};

/* Whether row i has the figure, and its value. */
static bool
status_prom_value(const struct status_report *r, size_t i,
                  enum status_prom_what what, int64_t *v)
{
	const struct store_status_row *w = &r->rows[i];

	switch (what) {
	case SP_HEALTHY:
		*v = r->problems[i] == 0;
		return true;
	case SP_SUCCESS:
		*v = w->success_at;
		return *v != 0;
	case SP_ERROR:
		*v = w->error_at;
		return w->error != NULL;
	case SP_ERROR_SINCE:
		*v = w->error_since;
		return w->error != NULL && *v != 0;
	case SP_HEARTBEAT:
		*v = w->heartbeat_at;
		return *v != 0;
	case SP_LAG:
		*v = w->lag;
		return w->has_lag;
	case SP_OFFSET:
		*v = w->offset;
		return w->has_offset;
	default:
		return false;
	}
}

static void
status_prom_folders(const struct status_report *r)
{
	static const char *const windows[2] = {",window=\"1h\"",
	                                       ",window=\"1d\""};
	int what, k;
	int64_t v;
	size_t i;

	for (what = 0; what < SP_N; what++) {
		status_prom_head(status_prom_meta[what].name,
		                 status_prom_meta[what].help);
		for (i = 0; i < r->nrows; i++)
			if (status_prom_value(r, i, what, &v))
				status_prom_sample(status_prom_meta[what].name,
				                   &r->rows[i], "", v);
	}
	status_prom_head("otpbox_recent_messages",
	                 "Messages received in the last hour or day.");
	for (i = 0; i < r->nrows; i++)
		for (k = 0; k < 2; k++)
			status_prom_sample(
			    "otpbox_recent_messages", &r->rows[i], windows[k],
			    k ? r->rows[i].msgs_day : r->rows[i].msgs_hour);
	status_prom_head("otpbox_recent_codes",
	                 "Codes and links received in the last hour or day.");
	for (i = 0; i < r->nrows; i++)
		for (k = 0; k < 2; k++)
			status_prom_sample(
			    "otpbox_recent_codes", &r->rows[i], windows[k],
			    k ? r->rows[i].codes_day : r->rows[i].codes_hour);
}

static void
status_prometheus(const struct status_report *r)
{
	size_t i;

	status_prom_head("otpbox_healthy",
	                 "Whether otpbox status finds everything healthy.");
	printf("otpbox_healthy %d\n", r->healthy);
	status_prom_folders(r);
	status_prom_head("otpbox_open_waits", "Bots waiting for a code now.");
	printf("otpbox_open_waits %lld\n", (long long)r->sum.open_waits);
	status_prom_head("otpbox_missed_otps_last_hour",
	                 "Waits that ended without a code in the last hour, "
	                 "by reason.");
	for (i = 0; i < STORE_STATUS_NREASONS; i++)
		printf("otpbox_missed_otps_last_hour{reason=\"%s\"} %lld\n",
		       store_status_reasons[i],
		       (long long)r->sum.missed_hour[i]);
	if (r->sum.last_code_at) {
		status_prom_head("otpbox_last_code_timestamp_seconds",
		                 "Unix time the newest code was stored.");
		printf("otpbox_last_code_timestamp_seconds %lld\n",
		       (long long)r->sum.last_code_at);
	}
	status_prom_head("otpbox_database_size_bytes",
	                 "Size of the database file.");
	printf("otpbox_database_size_bytes %lld\n", (long long)r->db_bytes);
	status_prom_head("otpbox_database_wal_size_bytes",
	                 "Size of the database's write-ahead log.");
	printf("otpbox_database_wal_size_bytes %lld\n",
	       (long long)r->wal_bytes);
}

static int
status_exit(enum otpbox_err err)
{
	switch (err) {
	case OTPBOX_ERR_NO_DB:
	case OTPBOX_ERR_NOT_OTPBOX_DB:
		return EX_UNAVAILABLE;
	case OTPBOX_ERR_NOMEM:
		return EX_OSERR;
	case OTPBOX_ERR_BUSY:
		return EX_TEMPFAIL;
	default:
		return EX_IOERR;
	}
}

static int
status_run(struct conf *conf, const struct status_args *a)
{
	struct status_report r = {0};
	struct store *st = NULL;
	char errbuf[1024];
	enum otpbox_err err;

	static char shown[1024];

	err = store_conf_open(conf, conf_database(conf, a->db), false, &st,
	                      errbuf, sizeof(errbuf));
	/* Printed and put in JSON: never with a password. */
	r.db = store_redact(conf_database(conf, a->db), shown, sizeof(shown));
	if (err) {
		fprintf(stderr, "otpbox status: %s\n", errbuf);
		return status_exit(err);
	}
	err = status_gather(st, conf, &r);
	if (err)
		fprintf(stderr, "otpbox status: %s: %s\n", otpbox_strerror(err),
		        store_errmsg(st));
	else if (a->format == STATUS_JSON)
		status_json(&r);
	else if (a->format == STATUS_PROMETHEUS)
		status_prometheus(&r);
	else
		status_text(&r);
	store_status_rows_free(r.rows, r.nrows);
	free(r.problems);
	free(r.stale);
	store_close(st);
	if (err)
		return status_exit(err);
	return r.healthy ? EX_OK : STATUS_EXIT_UNHEALTHY;
}

int
status_main(int argc, char **argv)
{
	struct status_args a = {0};
	struct conf *conf = NULL;
	char *errors = NULL;
	int status;

	if ((status = status_parse_args(argc, argv, &a)) >= 0)
		return status;
	if (conf_load(a.conf_path, &conf, &errors)) {
		fprintf(stderr, "%s",
		        errors ? errors : "configuration error\n");
		free(errors);
		return EX_CONFIG;
	}
	status = status_run(conf, &a);
	conf_free(conf);
	return status;
}
