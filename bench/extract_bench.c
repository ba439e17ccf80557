/* SPDX-License-Identifier: MIT */
/* Benchmark: messages per second through message_analyse() on a
 * generated mix of typical OTP mail (and each directory of .eml files
 * given), milliseconds per MB of adversarial text, and the peak resident
 * memory. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "message.h"

#define BENCH_KINDS 6
#define BENCH_SECONDS 3.0

/* Appends printf output to a growing buffer. */
static void __attribute__((format(printf, 3, 4)))
bench_cat(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(p = realloc(*buf, *len + (size_t)n + 1)))
		exit(1);
	*buf = p;
	va_start(ap, fmt);
	vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)n;
}

static void
bench_headers(char **m, size_t *len, int i, const char *subject)
{
	bench_cat(
	    m, len,
	    "Return-Path: <no-reply@svc%d.example>\r\n"
	    "Delivered-To: admin@bots.test\r\n"
	    "X-Original-To: bot%d@bots.test\r\n"
	    "Received: from mx1.bots.test (mx1 [10.0.0.1])\r\n"
	    "\tby mail.bots.test (Postfix) with ESMTP id %X\r\n"
	    "\tfor <admin@bots.test>; Mon, 3 Mar 2025 10:00:%02d +0000\r\n"
	    "Date: Mon, 3 Mar 2025 10:00:%02d +0000\r\n"
	    "From: Service %d <no-reply@svc%d.example>\r\n"
	    "To: bot%d@bots.test\r\n"
	    "Subject: %s\r\n"
	    "Message-ID: <%08x.%d@svc%d.example>\r\n"
	    "MIME-Version: 1.0\r\n",
	    i % 97, i % 500, (unsigned)i * 2654435761u, i % 60, i % 60, i % 97,
	    i % 97, i % 500, subject, (unsigned)i * 40503u, i, i % 97);
}

/* One message of kind i % BENCH_KINDS with a code derived from i. A flat
 * table of templates: long, but each case reads on its own. */
static char *
bench_message(int i, size_t *len)
{
	char *m = NULL;
	int code = 100000 + (i * 7919) % 900000;

	*len = 0;
	switch (i % BENCH_KINDS) {
	case 0: /* short plain text */
		bench_headers(&m, len, i, "Your verification code");
		bench_cat(
		    &m, len,
		    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		    "Hello,\r\n\r\nYour verification code is %d.\r\n"
		    "It expires in 10 minutes. Request from 192.0.2.%d at "
		    "12:%02d UTC.\r\n\r\nSupport: +1 555 0100\r\n",
		    code, i % 250, i % 60);
		break;
	case 1: /* HTML, one cell per digit, QP */
		bench_headers(&m, len, i, "Sign in to your account");
		bench_cat(
		    &m, len,
		    "Content-Type: text/html; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		    "<html><head><style>body{color:#333333}</style></head>"
		    "<body><div style=3D\"display:none\">Code inside</div>"
		    "<table width=3D\"600\"><tr><td>Enter this code to "
		    "sign in:</td></tr><tr>");
		for (int d = 0; d < 6; d++)
			bench_cat(&m, len,
			          "<td style=3D\"font-size:28px;font-weight:"
			          "bold\">%d</td>=\r\n",
			          (code / (int[]){100000, 10000, 1000, 100, 10,
			                          1}[d]) %
			              10);
		bench_cat(
		    &m, len,
		    "</tr></table><p>Order #%d ships on 12/03/2025.</p>"
		    "<p style=3D\"color:#999999\">&copy; 2025 Example Inc, "
		    "1 Main St, Springfield 62701</p>"
		    "<img src=3D\"https://t.example/o.gif?u=3D%d\" "
		    "width=3D\"1\" height=3D\"1\"></body></html>\r\n",
		    5000000 + i, i);
		break;
	case 2: /* multipart/alternative, text + base64-looking html */
		bench_headers(&m, len, i, "=?UTF-8?B?RG9nPXJ1bGFtYSBrb2R1?=");
		bench_cat(
		    &m, len,
		    "Content-Type: multipart/alternative; boundary=\"b%d\""
		    "\r\n\r\n--b%d\r\nContent-Type: text/plain; "
		    "charset=ISO-8859-9\r\nContent-Transfer-Encoding: "
		    "quoted-printable\r\n\r\nDo=F0rulama kodunuz: %03d =\r\n"
		    "%03d\r\nKod 5 dakika ge=E7erlidir. Sipari=FE no: "
		    "%d\r\n--b%d\r\nContent-Type: text/html; charset=utf-8"
		    "\r\n\r\n<p>Doğrulama kodunuz:</p><h2>%03d %03d</h2>"
		    "<p>Sipariş no: %d</p>\r\n--b%d--\r\n",
		    i, i, code / 1000, code % 1000, 700000 + i, i, code / 1000,
		    code % 1000, 700000 + i, i);
		break;
	case 3: /* negative: receipt */
		bench_headers(&m, len, i, "Your receipt");
		bench_cat(&m, len,
		          "Content-Type: text/plain; charset=utf-8\r\n\r\n"
		          "Thanks for your order #%d.\r\nTotal: $%d.99\r\n"
		          "Tracking number 1Z%dAA10123456784\r\nDelivery on "
		          "14 March 2025 between 09:00 and 13:00.\r\n"
		          "Questions? Call 1-800-555-0199.\r\n",
		          8800000 + i, i % 300, i % 1000);
		break;
	case 4: /* link only */
		bench_headers(&m, len, i, "Confirm your e-mail address");
		bench_cat(
		    &m, len,
		    "Content-Type: text/html; charset=utf-8\r\n\r\n"
		    "<p>Please confirm your e-mail address.</p><p><a href="
		    "\"https://app%d.example/confirm?t=%08x%08x&amp;u=%d\">"
		    "Confirm e-mail</a></p><p><a href=\"https://app.example"
		    "/unsubscribe\">Unsubscribe</a></p>\r\n",
		    i % 50, (unsigned)i * 2654435761u, (unsigned)i * 40503u, i);
		break;
	default: /* longer newsletter-style HTML with a code */
		bench_headers(&m, len, i, "Your login code");
		bench_cat(&m, len,
		          "Content-Type: text/html; charset=utf-8\r\n"
		          "\r\n<html><body>");
		for (int p = 0; p < 12; p++)
			bench_cat(&m, len,
			          "<p>Paragraph %d: our %d stores opened at "
			          "09:%02d with %d%% off selected items.</p>",
			          p, 100 + p, p, 10 + p);
		bench_cat(&m, len,
		          "<p>Your login code:</p><p><strong>%d</strong></p>"
		          "</body></html>\r\n",
		          code);
		break;
	}
	return m;
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs all messages round-robin for BENCH_SECONDS; prints the rate. */
static void
bench_run(struct message_ctx *ctx, const char *label, char **msgs, size_t *lens,
          size_t n)
{
	struct message_info *info;
	double t0 = bench_now(), c0 = bench_cpu(), t;
	size_t done = 0, bytes = 0, codes = 0;

	do {
		for (size_t i = 0; i < n; i++) {
			if (message_analyse(ctx, msgs[i], lens[i], &info))
				exit(1);
			codes += info->code != NULL;
			message_info_free(info);
			bytes += lens[i];
		}
		done += n;
		t = bench_now() - t0;
	} while (t < BENCH_SECONDS);
	printf("extract %-26s %8.0f msg/s wall, %8.0f msg/s per CPU second "
	       "(%zu messages, %.1f KiB average, %.0f%% with a code)\n",
	       label, (double)done / t, (double)done / (bench_cpu() - c0), done,
	       (double)bytes / (double)done / 1024.0,
	       100.0 * (double)codes / (double)done);
}

/* One message whose body is size bytes of unit repeated: text built to
 * make a careless extractor slow (keyword hits, candidates, numbers). */
static char *
bench_hostile(const char *unit, size_t size, size_t *len)
{
	static const char head[] = "From: a@svc.example\r\n"
	                           "To: bot1@bots.test\r\nSubject: Code\r\n"
	                           "Content-Type: text/plain\r\n\r\n";
	size_t u = strlen(unit), i;
	char *m = malloc(sizeof(head) + size + 1);

	if (!m)
		exit(1);
	memcpy(m, head, sizeof(head) - 1);
	for (i = 0; i < size; i++)
		m[sizeof(head) - 1 + i] = unit[i % u];
	*len = sizeof(head) - 1 + size;
	m[*len] = '\0';
	return m;
}

/* Milliseconds per MB of adversarial text (one 256 KB message, the most
 * one text part is searched, analysed repeatedly). */
static void
bench_adversarial(struct message_ctx *ctx)
{
	static const struct {
		const char *label, *unit;
	} kinds[] = {
	    {"code words and codes", "code: 123456 "},
	    {"spaced digits", "1 2 3 4 5 6 - "},
	    {"keyword soup", "verify order code PIN tracking 2025 "},
	    {"mixed-case after colons", "key:\nAb3dE9\n"},
	};
	struct message_info *info;
	double t0, c0, t, mb;
	size_t k, len, runs;
	char *m;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		m = bench_hostile(kinds[k].unit, 256 * 1024, &len);
		t0 = bench_now();
		c0 = bench_cpu();
		runs = 0;
		do {
			if (message_analyse(ctx, m, len, &info))
				exit(1);
			message_info_free(info);
			runs++;
			t = bench_now() - t0;
		} while (t < 1.0 && runs < 200);
		/* CPU time: the figure should not depend on what else the
		 * machine runs; wall time beside it. */
		mb = (double)runs * (double)len / 1e6;
		printf(
		    "extract adversarial %-24s %6.1f ms CPU per MB, %6.1f ms "
		    "wall (%zu x 256 KiB; aim < 50)\n",
		    kinds[k].label, (bench_cpu() - c0) * 1000.0 / mb,
		    t * 1000.0 / mb, runs);
		free(m);
	}
}

/* Loads every *.eml file of dir; returns how many. */
static size_t
bench_load_dir(const char *dir, char ***msgs, size_t **lens)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	char path[4096];

	*msgs = NULL;
	*lens = NULL;
	while (d && (e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		FILE *f;
		char *buf;
		long sz;

		if (l < 5 || strcmp(e->d_name + l - 4, ".eml"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		fseek(f, 0, SEEK_END);
		sz = ftell(f);
		rewind(f);
		buf = malloc(sz > 0 ? (size_t)sz : 1);
		if (buf && sz > 0 &&
		    fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
			*msgs = realloc(*msgs, (n + 1) * sizeof(**msgs));
			*lens = realloc(*lens, (n + 1) * sizeof(**lens));
			(*msgs)[n] = buf;
			(*lens)[n++] = (size_t)sz;
		} else {
			free(buf);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

int
main(int argc, char **argv)
{
	static char *domains[] = {"bots.test"};
	struct message_opts opts = {
	    .mailbox = "admin@bots.test", .domains = domains, .ndomains = 1};
	struct message_ctx *ctx;
	struct rusage ru;
	size_t n = 3000, i, *lens;
	char **msgs, label[64];
	const char *base;
	int a;

	if (message_ctx_new(&opts, &ctx, NULL, 0))
		return 1;
	msgs = calloc(n, sizeof(*msgs));
	lens = calloc(n, sizeof(*lens));
	for (i = 0; i < n; i++)
		msgs[i] = bench_message((int)i, &lens[i]);
	bench_run(ctx, "generated mix", msgs, lens, n);
	bench_adversarial(ctx);
	for (i = 0; i < n; i++)
		free(msgs[i]);
	free(msgs);
	free(lens);
	for (a = 1; a < argc; a++) {
		if ((n = bench_load_dir(argv[a], &msgs, &lens)) == 0)
			continue;
		base = strrchr(argv[a], '/') && strrchr(argv[a], '/')[1]
		           ? strrchr(argv[a], '/') + 1
		           : argv[a];
		snprintf(label, sizeof(label), "on %.20s (.eml files)", base);
		bench_run(ctx, label, msgs, lens, n);
		for (i = 0; i < n; i++)
			free(msgs[i]);
		free(msgs);
		free(lens);
	}
	message_ctx_free(ctx);
	getrusage(RUSAGE_SELF, &ru);
	printf("extract peak RSS %ld KiB\n", ru.ru_maxrss);
	return 0;
}
