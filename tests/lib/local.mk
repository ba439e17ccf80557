# SPDX-License-Identifier: MIT
# tests/lib: libotpbox as a library: its calls for programs built on it,
# and as installed (pkg-config, SONAME, static and dynamic linking).
check_PROGRAMS += examples/wait_code tests/lib/test_libotpbox
examples_wait_code_SOURCES = examples/wait_code.c
examples_wait_code_LDADD = libotpbox.la
tests_lib_test_libotpbox_SOURCES = tests/lib/test_libotpbox.c \
	tests/worker/testdb.c tests/worker/testdb.h
tests_lib_test_libotpbox_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/tests/worker
tests_lib_test_libotpbox_CFLAGS = $(TEST_CFLAGS)
tests_lib_test_libotpbox_LDADD = libotpbox_worker.la $(TEST_LIBS)
TESTS += tests/lib/test_libotpbox tests/lib/install_link.sh
EXTRA_DIST += tests/lib/local.mk tests/lib/install_link.sh
