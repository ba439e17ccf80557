# SPDX-License-Identifier: MIT
# src/worker: libotpbox (the public wait/claim library) and `otpbox wait`.
include_HEADERS = src/common/otpbox_err.h src/worker/otpbox.h
# The worker code is a convenience library so that the otpbox program links
# it statically while libotpbox.so exports only the otpbox_* API.
noinst_LTLIBRARIES += libotpbox_worker.la
libotpbox_worker_la_SOURCES = \
	src/worker/otpbox.c src/worker/otpbox.h \
	src/worker/waker.c src/worker/waker.h
lib_LTLIBRARIES += libotpbox.la
libotpbox_la_SOURCES =
libotpbox_la_LIBADD = libotpbox_worker.la libotpbox_common.la
libotpbox_la_LDFLAGS = -version-info 0:0:0 -export-symbols-regex '^otpbox_'
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = otpbox.pc

otpbox_SOURCES += src/worker/wait.c src/worker/since.c src/worker/since.h
otpbox_LDADD += libotpbox_worker.la
EXTRA_DIST += src/worker/local.mk
