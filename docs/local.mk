# SPDX-License-Identifier: MIT
# docs: manual pages and guides.
dist_man_MANS += docs/otpbox.1
dist_doc_DATA += docs/extraction.md docs/m365-setup.md docs/audit.md \
	docs/sender-trust.md
EXTRA_DIST += docs/local.mk
