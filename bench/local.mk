# SPDX-License-Identifier: MIT
# bench: `make bench` (bench/run.sh); never run by make check.
noinst_PROGRAMS += bench/extract_bench bench/wait_bench
bench_extract_bench_SOURCES = bench/extract_bench.c
bench_extract_bench_LDADD = libotpbox_common.la $(DEP_LIBS)
bench_wait_bench_SOURCES = bench/wait_bench.c tests/worker/testdb.c \
	tests/worker/testdb.h
bench_wait_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/worker
bench_wait_bench_LDADD = $(WAIT_TEST_LIBS)
EXTRA_DIST += bench/local.mk bench/run.sh bench/e2e.sh bench/e2e.py \
	bench/deps.txt bench/fetch_bench.sh bench/fetch_push.py \
	bench/fetch_empty.py bench/wait_bench.sh bench/peer_extract.py \
	bench/py_bench.sh bench/py_bench.py
bench: all
	sh $(srcdir)/bench/run.sh '$(abs_builddir)' '$(abs_srcdir)'
.PHONY: bench

# otpbox status on a large database, and the cost of a heartbeat
noinst_PROGRAMS += bench/status_bench
bench_status_bench_SOURCES = bench/status_bench.c
bench_status_bench_LDADD = libotpbox_common.la $(DEP_LIBS)
EXTRA_DIST += bench/status_bench.sh
