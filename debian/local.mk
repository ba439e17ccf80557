# SPDX-License-Identifier: MIT
# debian: the packaging (otpbox, libotpbox1, libotpbox-dev, python3-otpbox),
# shipped in the release tarball so that it builds with dpkg-buildpackage
# (.ci/debian.sh).
EXTRA_DIST += debian/local.mk debian/changelog debian/control \
	debian/copyright debian/rules debian/source/format \
	debian/otpbox.install debian/libotpbox1.install \
	debian/libotpbox-dev.install debian/python3-otpbox.install \
	debian/not-installed \
	debian/otpbox.postinst debian/otpbox.postrm debian/ci-deps.txt \
	.ci/debian.sh
