/* SPDX-License-Identifier: MIT */
/* Benchmarks of the wait side on a real SQLite file (no mail server):
 *   wait_bench latency DIR N    N forked libotpbox waiters; one code per
 *                               waiter is committed every 10 ms, then all
 *                               N in one transaction (a fetch batch);
 *                               prints commit -> otpbox_wait() returned
 *   wait_bench idle DIR N SECS [OTPBOX]
 *                               N idle waiters (forked libotpbox, or
 *                               `OTPBOX wait` processes when given): CPU
 *                               they use per second, memory per waiter;
 *                               they start $WAIT_BENCH_STAGGER_MS (5) apart */
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "otpbox.h"
#include "store.h"
#include "testdb.h"

static double
bench_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC is one clock for every process on the machine. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench_create(const char *dir, char *path)
{
	struct store *st;
	char err[512];
	char name[PATH_MAX + 8];

	snprintf(path, PATH_MAX, "%s/bench.db", dir);
	snprintf(name, sizeof(name), "%s-wal", path);
	unlink(name);
	snprintf(name, sizeof(name), "%s-shm", path);
	unlink(name);
	unlink(path);
	if (store_open(path, true, &st, err, sizeof(err))) {
		fprintf(stderr, "wait_bench: %s\n", err);
		exit(1);
	}
	store_close(st);
}

/* Child: waits for bench<i>@bench.test and reports "i time" on fd. */
static void
bench_waiter(const char *path, int i, int timeout_ms, int fd)
{
	struct otpbox_wait_opts *o = NULL;
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	char address[64], line[64], err[512];
	enum otpbox_err e;
	int st = 1;

	double t0 = bench_now();

	snprintf(address, sizeof(address), "bench%d@bench.test", i);
	if ((e = otpbox_open(path, &box, err, sizeof(err))) != OTPBOX_OK)
		fprintf(stderr, "waiter %d: %s\n", i, err);
	if (e == OTPBOX_OK) {
		e = otpbox_wait_opts_new(&o);
		if (!e)
			e = otpbox_wait_opts_set_timeout_ms(o, timeout_ms);
		if (!e)
			e = otpbox_wait(box, address, o, &code);
		if (e)
			fprintf(stderr, "waiter %d: %s after %.1f s\n", i,
			        otpbox_errmsg(box), bench_now() - t0);
		st = e != OTPBOX_OK;
	}
	snprintf(line, sizeof(line), "%d %.9f\n", st ? -1 : i, bench_now());
	if (write(fd, line, strlen(line)) < 0)
		st = 1;
	otpbox_code_free(code);
	otpbox_wait_opts_free(o);
	otpbox_close(box);
	_exit(st);
}

static void
bench_await(const char *path, int n)
{
	int i;

	for (i = 0; i < 6000; i++) {
		if (testdb_int(path, "SELECT count(*) FROM active_waits") >= n)
			return;
		usleep(10000);
	}
	fprintf(
	    stderr, "wait_bench: only %lld of %d waiters started\n",
	    (long long)testdb_int(path, "SELECT count(*) FROM active_waits"),
	    n);
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_pct(const double *v, int n, double q)
{
	int k = (int)(q * n + 0.999999) - 1;

	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

/* Reads the waiters' reports and prints latency statistics. */
static void
bench_report(const char *what, FILE *in, const double *committed, int n)
{
	double *lat = calloc((size_t)n, sizeof(*lat)), t;
	int i, got = 0, missing = 0;

	while (fscanf(in, "%d %lf", &i, &t) == 2) {
		if (i < 0 || i >= n) {
			missing++;
			continue;
		}
		lat[got++] = (t - committed[i]) * 1000.0;
	}
	qsort(lat, (size_t)got, sizeof(*lat), bench_cmp);
	if (got)
		printf("wait wake-up, %s: %d waiters, COMMIT called -> code "
		       "returned:"
		       " p50 %.2f ms, p99 %.2f ms, max %.2f ms (missing %d)\n",
		       what, n, bench_pct(lat, got, 0.5),
		       bench_pct(lat, got, 0.99), lat[got - 1], missing);
	else
		printf("wait wake-up, %s: no waiter got a code\n", what);
	free(lat);
}

/* Forks n waiters, commits their codes, reports. The clock starts just
 * before COMMIT: a waiter may see the commit before COMMIT returns. */
static void
bench_round(const char *path, int n, int batch)
{
	double *committed = calloc((size_t)n, sizeof(*committed));
	char address[64], code[16];
	sqlite3 *db;
	int fds[2], i;
	FILE *in;

	if (pipe(fds) < 0)
		exit(1);
	for (i = 0; i < n; i++)
		if (fork() == 0) {
			close(fds[0]);
			bench_waiter(path, i, 60000, fds[1]);
		}
	close(fds[1]);
	bench_await(path, n);
	usleep(200000);
	db = testdb_writer(path);
	if (batch)
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (i = 0; i < n; i++) {
		snprintf(address, sizeof(address), "bench%d@bench.test", i);
		snprintf(code, sizeof(code), "%06d", i);
		if (!batch)
			sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		testdb_add_db(db, address, "code", code, time(NULL),
		              time(NULL));
		if (!batch) {
			committed[i] = bench_now();
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
			testdb_notify(path);
			usleep(10000);
		}
	}
	if (batch) {
		committed[0] = bench_now();
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		testdb_notify(path);
		for (i = 1; i < n; i++)
			committed[i] = committed[0];
	}
	sqlite3_close(db);
	in = fdopen(fds[0], "r");
	bench_report(batch ? "one batch of all codes" : "one commit per code",
	             in, committed, n);
	fclose(in);
	while (wait(NULL) > 0)
		;
	free(committed);
}

/* CPU time pid has used, in nanoseconds (/proc/PID/schedstat: precise,
 * unlike the clock ticks of /proc/PID/stat). */
static long long
bench_cpu_ns(pid_t pid)
{
	char name[64];
	long long ns = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/schedstat", (int)pid);
	if ((f = fopen(name, "r")) == NULL)
		return 0;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/* A "Key: N kB" line of /proc/PID/<file>, in kB. */
static long
bench_kb(pid_t pid, const char *file, const char *key)
{
	char name[64], line[256];
	size_t len = strlen(key);
	long kb = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/%s", (int)pid, file);
	if ((f = fopen(name, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len))
			kb = atol(line + len);
	fclose(f);
	return kb;
}

static pid_t
bench_spawn_idle(const char *path, int i, const char *otpbox)
{
	char address[64];
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	snprintf(address, sizeof(address), "idle%d@bench.test", i);
	if (otpbox) {
		execl(otpbox, otpbox, "wait", "--db", path, "--timeout", "3600",
		      address, (char *)NULL);
		_exit(127);
	}
	bench_waiter(path, i, 3600 * 1000, -1);
	return 0;
}

static void
bench_idle(const char *path, int n, int secs, const char *otpbox)
{
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	const char *env = getenv("WAIT_BENCH_STAGGER_MS");
	unsigned stagger_us = env ? (unsigned)atoi(env) * 1000 : 5000;
	long long t0 = 0, t1 = 0;
	long rss = 0, pss = 0;
	double w0, w1;
	int i;

	/* Bots start over a few seconds, not in one instant: a thousand
	 * connections all queueing for the write lock at once is its own
	 * (slow) case. */
	for (i = 0; i < n; i++) {
		pids[i] = bench_spawn_idle(path, i, otpbox);
		usleep(stagger_us);
	}
	bench_await(path, n);
	sleep(1);
	for (i = 0; i < n; i++)
		t0 += bench_cpu_ns(pids[i]);
	w0 = bench_now();
	sleep((unsigned)secs);
	for (i = 0; i < n; i++)
		t1 += bench_cpu_ns(pids[i]);
	w1 = bench_now();
	for (i = 0; i < n; i++) {
		rss += bench_kb(pids[i], "status", "VmRSS:");
		pss += bench_kb(pids[i], "smaps_rollup", "Pss:");
	}
	printf("wait idle, %d %s: %.3f%% of one core in total over %.0f s;"
	       " per waiter RSS %.0f KiB, PSS %.0f KiB\n",
	       n,
	       otpbox ? "`otpbox wait` processes" : "forked libotpbox waiters",
	       100.0 * (double)(t1 - t0) / 1e9 / (w1 - w0), w1 - w0,
	       (double)rss / n, (double)pss / n);
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	free(pids);
}

int
main(int argc, char **argv)
{
	char path[PATH_MAX];
	int n;

	if (argc < 4 ||
	    (strcmp(argv[1], "latency") && strcmp(argv[1], "idle")) ||
	    (!strcmp(argv[1], "idle") && argc < 5)) {
		fprintf(stderr, "usage: wait_bench latency DIR N | idle DIR N"
		                " SECONDS [OTPBOX]\n");
		return 64;
	}
	n = atoi(argv[3]);
	bench_create(argv[2], path);
	if (!strcmp(argv[1], "latency")) {
		bench_round(path, n, 0);
		bench_round(path, n, 1);
	} else {
		bench_idle(path, n, atoi(argv[4]), argc > 5 ? argv[5] : NULL);
	}
	return 0;
}
