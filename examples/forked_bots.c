/* SPDX-License-Identifier: MIT */
/* Example: N bot workers as forked processes, each waiting through
 * libotpbox for the code sent to its own address (bot-1@DOMAIN ...).
 *
 *   cc forked_bots.c $(pkg-config --cflags --libs otpbox) -o forked_bots
 *   ./forked_bots -n 10 -d yourdomain.com -t 120 /var/lib/otpbox/otpbox.db
 *
 * Each worker prints "ADDRESS CODE" (or "ADDRESS -" after a time-out).
 * The exit status is 0 when every worker got a code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <otpbox.h>

struct bots {
	int n;
	int timeout_s;
	const char *prefix;
	const char *domain;
	const char *db;
};

/* One worker: open the database after the fork (a connection must never
 * cross fork()), wait, print. In a real bot the worker would first trigger
 * the e-mail (log in, ask for a code) and pass that moment as since. */
static int
bot_run(const struct bots *b, int i, int64_t since)
{
	struct otpbox_wait_opts *opts = NULL;
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	char address[256], worker[64], err[512];
	enum otpbox_err e;

	snprintf(address, sizeof(address), "%s%d@%s", b->prefix, i, b->domain);
	snprintf(worker, sizeof(worker), "forked-bot-%d", i);
	e = otpbox_open(b->db, &box, err, sizeof(err));
	if (e) {
		fprintf(stderr, "%s: %s\n", worker, err);
		return 2;
	}
	/* Options are set through functions so that later versions of the
	 * library can add some without breaking this program. */
	e = otpbox_wait_opts_new(&opts);
	if (!e)
		e = otpbox_wait_opts_set_timeout_ms(opts, b->timeout_s * 1000);
	if (!e)
		e = otpbox_wait_opts_set_since(opts, since);
	if (!e)
		e = otpbox_wait_opts_set_worker(opts, worker);
	if (!e)
		e = otpbox_wait(box, address, opts, &code);
	if (e == OTPBOX_OK)
		printf("%s %s\n", address, code->code);
	else if (e == OTPBOX_ERR_TIMEOUT)
		printf("%s -\n", address);
	else
		fprintf(stderr, "%s: %s\n", worker, otpbox_errmsg(box));
	fflush(stdout);
	otpbox_code_free(code);
	otpbox_wait_opts_free(opts);
	otpbox_close(box);
	return e == OTPBOX_OK ? 0 : e == OTPBOX_ERR_TIMEOUT ? 1 : 2;
}

static int
bots_usage(void)
{
	fprintf(stderr, "usage: forked_bots [-n N] [-t SECONDS] [-p PREFIX]"
	                " [-d DOMAIN] [-s SINCE] DB\n");
	return 64;
}

static int
bots_parse(int argc, char **argv, struct bots *b, int64_t *since)
{
	int c;

	*b = (struct bots){.n = 10,
	                   .timeout_s = 120,
	                   .prefix = "bot-",
	                   .domain = "example.test"};
	*since = 0;
	while ((c = getopt(argc, argv, "n:t:p:d:s:")) != -1) {
		switch (c) {
		case 'n':
			b->n = atoi(optarg);
			break;
		case 't':
			b->timeout_s = atoi(optarg);
			break;
		case 'p':
			b->prefix = optarg;
			break;
		case 'd':
			b->domain = optarg;
			break;
		case 's':
			*since = atoll(optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1 || b->n < 1 || b->n > 10000 || b->timeout_s < 0)
		return -1;
	b->db = argv[optind];
	return 0;
}

int
main(int argc, char **argv)
{
	int i, status, ok = 0;
	int64_t since;
	struct bots b;
	pid_t pid;

	if (bots_parse(argc, argv, &b, &since) < 0)
		return bots_usage();
	if (since == 0)
		since = time(NULL); /* only codes sent from now on */
	fflush(stdout);
	for (i = 1; i <= b.n; i++) {
		pid = fork();
		if (pid < 0) {
			perror("fork");
			break;
		}
		if (pid == 0)
			_exit(bot_run(&b, i, since));
	}
	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	fprintf(stderr, "forked_bots: %d of %d workers got a code\n", ok, b.n);
	return ok == b.n ? 0 : 1;
}
