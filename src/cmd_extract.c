/* SPDX-License-Identifier: MIT */
/* otpbox extract: analyse raw messages from files or stdin, no server. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "message.h"

#define EXTRACT_MAX_DOMAINS 64

struct extract_cli {
	const char *mailbox;
	char *domains[EXTRACT_MAX_DOMAINS];
	size_t ndomains;
	const char *config;
	int json;
};

static void
extract_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: otpbox extract [--mailbox ADDR] [--domain D]... "
	    "[-c FILE] [--json] [FILE.eml...]\n"
	    "\n"
	    "Analyses raw messages (stdin when no FILE is given) and prints "
	    "one line per\nmessage: FILE<TAB>RECIPIENTS<TAB>CODE<TAB>LINK "
	    "('-' for none, recipients\ncomma-separated, stdin named '-').\n"
	    "\n"
	    "  --mailbox ADDR  the catch-all's own address, never a "
	    "recipient\n"
	    "  --domain D      keep only recipients on bot domain D "
	    "(repeatable)\n"
	    "  -c FILE         read custom patterns, bot domains and the "
	    "mailbox from\n"
	    "                  the configuration (options given here win)\n"
	    "  --json          one JSON object per message with every "
	    "candidate, its\n"
	    "                  score and the reason it won or lost\n"
	    "  -h, --help      this text\n"
	    "\n"
	    "Exit status: 0, or 65 when an input file could not be read "
	    "(the others\nare still analysed).\n");
}

static int
extract_parse_args(int argc, char **argv, struct extract_cli *cli)
{
	static const struct option longopts[] = {
	    {"mailbox", required_argument, NULL, 'm'},
	    {"domain", required_argument, NULL, 'd'},
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			cli->mailbox = optarg;
			break;
		case 'd':
			if (cli->ndomains >= EXTRACT_MAX_DOMAINS) {
				fprintf(stderr, "otpbox extract: too many "
				                "--domain options\n");
				return EX_USAGE;
			}
			cli->domains[cli->ndomains++] = optarg;
			break;
		case 'c':
			cli->config = optarg;
			break;
		case 'j':
			cli->json = 1;
			break;
		case 'h':
			extract_usage(stdout);
			return -1;
		default:
			extract_usage(stderr);
			return EX_USAGE;
		}
	}
	return 0;
}

/* Fills opts from the command line, then from the configuration. */
static void
extract_fill_opts(struct extract_cli *cli, struct conf *conf,
                  struct message_opts *opts)
{
	size_t i, j;

	opts->mailbox = cli->mailbox;
	opts->domains = cli->domains;
	opts->ndomains = cli->ndomains;
	if (!conf)
		return;
	opts->custom_patterns = conf->extract.custom_patterns;
	opts->ncustom_patterns = conf->extract.ncustom_patterns;
	opts->rule_from = conf->extract.rule_from;
	opts->rule_pattern = conf->extract.rule_pattern;
	opts->nrules = conf->extract.nrules;
	for (i = 0; i < conf->naccounts; i++) {
		if (!opts->mailbox)
			opts->mailbox = conf->accounts[i].mailbox;
		if (cli->ndomains)
			continue;
		for (j = 0; j < conf->accounts[i].ndomains &&
		            opts->ndomains < EXTRACT_MAX_DOMAINS;
		     j++)
			cli->domains[opts->ndomains++] =
			    conf->accounts[i].domains[j];
	}
}

static void
extract_put_field(const char *s)
{
	if (!s || !*s) {
		fputs("-", stdout);
		return;
	}
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == ' ')
			printf("%%%02X", (unsigned char)*s);
		else
			putchar(*s);
	}
}

static void
extract_print_line(const char *name, const struct message_info *info)
{
	size_t i;

	extract_put_field(name);
	putchar('\t');
	if (info->nrecipients == 0)
		putchar('-');
	for (i = 0; i < info->nrecipients; i++) {
		if (i)
			putchar(',');
		extract_put_field(info->recipients[i].address);
	}
	putchar('\t');
	extract_put_field(info->code);
	putchar('\t');
	extract_put_field(info->link);
	putchar('\n');
}

static json_t *
extract_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void
extract_print_json(const char *name, const struct message_info *info)
{
	json_t *o = json_object(), *rec = json_array(), *cands = json_array();
	size_t i;
	char *text;

	for (i = 0; i < info->nrecipients; i++)
		json_array_append_new(
		    rec, json_pack("{s:s, s:s}", "address",
		                   info->recipients[i].address, "header",
		                   info->recipients[i].header));
	for (i = 0; i < info->ncandidates; i++) {
		const struct message_candidate *c = &info->candidates[i];

		json_array_append_new(
		    cands,
		    json_pack("{s:s, s:s, s:f, s:b, s:s}", "kind", c->kind,
		              "value", c->value, "score", c->score, "chosen",
		              c->chosen, "reason", c->reason ? c->reason : ""));
	}
	json_object_set_new(o, "file", json_string(name));
	json_object_set_new(o, "recipients", rec);
	json_object_set_new(o, "code", extract_json_str(info->code));
	json_object_set_new(o, "link", extract_json_str(info->link));
	json_object_set_new(o, "message_id",
	                    extract_json_str(info->message_id));
	json_object_set_new(o, "sender", extract_json_str(info->sender));
	json_object_set_new(o, "subject", extract_json_str(info->subject));
	json_object_set_new(o, "date", json_integer((json_int_t)info->date));
	json_object_set_new(o, "error", extract_json_str(info->error));
	json_object_set_new(o, "candidates", cands);
	text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text)
		puts(text);
	free(text);
	json_decref(o);
}

/* Reads all of f, at most max bytes (the rest is left unread). */
static int
extract_read(FILE *f, size_t max, char **out, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap), *p;

	while (buf) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			if (!(p = realloc(buf, cap)))
				break;
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (!buf || ferror(f)) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int
extract_one(struct message_ctx *ctx, const char *path, int json)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct message_info *info = NULL;
	enum otpbox_err err;
	char *raw = NULL;
	size_t len = 0;

	if (!f || extract_read(f, MESSAGE_DEFAULT_MAX_BYTES, &raw, &len)) {
		log_warn("%s", path);
		if (f && f != stdin)
			fclose(f);
		return EX_DATAERR;
	}
	if (f != stdin)
		fclose(f);
	err = message_analyse(ctx, raw, len, &info);
	free(raw);
	if (err) {
		log_warnx("%s: %s", path, otpbox_strerror(err));
		return EX_DATAERR;
	}
	if (info->error)
		log_verbose("%s: %s", path, info->error);
	if (json)
		extract_print_json(path, info);
	else
		extract_print_line(path, info);
	message_info_free(info);
	return EX_OK;
}

int
extract_main(int argc, char **argv)
{
	struct extract_cli cli = {0};
	struct message_opts opts = {0};
	struct message_ctx *ctx = NULL;
	struct conf *conf = NULL;
	char *errors = NULL, errbuf[256];
	int status, i;

	log_init("otpbox extract", LOG_LEVEL_INFO);
	if ((status = extract_parse_args(argc, argv, &cli)) != 0)
		return status < 0 ? EX_OK : status;
	if (cli.config && conf_load(cli.config, &conf, &errors)) {
		fprintf(stderr, "%s", errors ? errors : "bad configuration\n");
		free(errors);
		return EX_CONFIG;
	}
	extract_fill_opts(&cli, conf, &opts);
	if (message_ctx_new(&opts, &ctx, errbuf, sizeof(errbuf))) {
		log_warnx("custom pattern: %s", errbuf);
		conf_free(conf);
		return EX_CONFIG;
	}
	status = EX_OK;
	if (optind >= argc)
		status = extract_one(ctx, "-", cli.json);
	for (i = optind; i < argc; i++)
		if (extract_one(ctx, argv[i], cli.json) != EX_OK)
			status = EX_DATAERR;
	message_ctx_free(ctx);
	conf_free(conf);
	fflush(stdout);
	return status;
}
