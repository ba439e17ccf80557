# SPDX-License-Identifier: MIT
# src/worker: libotpbox (the public wait/claim library) and `otpbox wait`.
include_HEADERS = src/common/otpbox_err.h src/worker/otpbox.h
nodist_include_HEADERS = src/worker/otpbox_version.h
EXTRA_DIST += src/worker/otpbox_version.h.in
# The worker code is a convenience library so that the otpbox program links
# it statically while libotpbox.so exports only the otpbox_* API.
noinst_LTLIBRARIES += libotpbox_worker.la
libotpbox_worker_la_SOURCES = \
	src/worker/otpbox.c src/worker/otpbox.h
# libotpbox links the wait side only (libotpbox_base.la: SQLite, libconfig),
# never the fetch side's GMime, libxml2, libcurl or jansson; otpbox.pc says
# the same. -z defs (OTPBOX_LIB_LDFLAGS) makes a wait-side module that calls
# into the fetch side fail here, at link time.
# -version-info CURRENT:REVISION:AGE, by libtool's rules: a release that
# changes the code bumps REVISION; one that adds interfaces bumps CURRENT
# and AGE and zeroes REVISION; one that removes or changes an interface
# (0.2: struct otpbox_wait_opts became opaque) bumps CURRENT, zeroes
# REVISION and AGE. The SONAME is libotpbox.so.(CURRENT - AGE).
lib_LTLIBRARIES += libotpbox.la
libotpbox_la_SOURCES =
libotpbox_la_LIBADD = libotpbox_worker.la libotpbox_base.la
libotpbox_la_LDFLAGS = -version-info 1:0:0 -no-undefined \
	$(OTPBOX_LIB_LDFLAGS) -export-symbols-regex '^otpbox_'
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = otpbox.pc

otpbox_SOURCES += src/worker/wait.c src/worker/since.c src/worker/since.h
otpbox_LDADD += libotpbox_worker.la
EXTRA_DIST += src/worker/local.mk
