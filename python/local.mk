# SPDX-License-Identifier: MIT
# python: the Python package otpbox (pure Python over libotpbox.so.1 with
# ctypes), installed where Debian's python3 finds it (configure
# --with-python-dir), and its tests (pytest through pytest.sh).
otpbox_pkgdir = $(otpbox_pythondir)/otpbox
dist_otpbox_pkg_DATA = python/otpbox/__init__.py python/otpbox/_errors.py \
	python/otpbox/_lib.py python/otpbox/_wait.py python/otpbox/_waiter.py \
	python/otpbox/pytest_plugin.py python/otpbox/py.typed
# Where `make install` put libotpbox, for the package to find it without
# an ldconfig run or $OTPBOX_LIBRARY.
nodist_otpbox_pkg_DATA = python/otpbox/_build.py
CLEANFILES += python/otpbox/_build.py
python/otpbox/_build.py: Makefile
	$(AM_V_GEN)$(MKDIR_P) python/otpbox && \
	printf '%s\n' '# Written by make install: where libotpbox is.' \
		'LIBDIR = "$(libdir)"' >$@

TESTS += python/tests/pytest.sh
EXTRA_DIST += python/local.mk python/pyproject.toml python/README.md \
	python/tests/pytest.sh python/tests/conftest.py \
	python/tests/test_wait.py python/tests/test_async.py \
	python/tests/test_fetch.py python/tests/test_plugin.py \
	python/tests/test_install.py \
	python/tests/test_example.py examples/signup_bot.py
