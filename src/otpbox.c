/* SPDX-License-Identifier: MIT */
/* The otpbox program: dispatches to the fetch, wait, extract, status and
 * doctor commands. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "cmd.h"

struct otpbox_cmd {
	const char *name;
	int (*main)(int, char **);
	const char *summary;
};

static const struct otpbox_cmd otpbox_cmds[] = {
    {"fetch", fetch_main, "sync the mailbox(es) into the database"},
    {"wait", wait_main, "print and claim the code for an address"},
    {"extract", extract_main, "analyse raw messages without a server"},
    {"status", status_main, "health of fetchers, accounts and waits"},
    {"doctor", doctor_main, "check every step a code travels, say the fix"},
};

static void
otpbox_usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: otpbox COMMAND [OPTIONS]\n"
	             "       otpbox --help | --version\n\ncommands:\n");
	for (i = 0; i < sizeof(otpbox_cmds) / sizeof(otpbox_cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", otpbox_cmds[i].name,
		        otpbox_cmds[i].summary);
	fprintf(out, "\nRun 'otpbox COMMAND --help' for a command's options.\n"
	             "Exit status follows sysexits.h; see otpbox(1).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		otpbox_usage(stderr);
		return EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		otpbox_usage(stdout);
		return EX_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("otpbox %s\n", PACKAGE_VERSION);
		return EX_OK;
	}
	for (i = 0; i < sizeof(otpbox_cmds) / sizeof(otpbox_cmds[0]); i++)
		if (!strcmp(argv[1], otpbox_cmds[i].name))
			return otpbox_cmds[i].main(argc - 1, argv + 1);
	fprintf(stderr, "otpbox: unknown command '%s'\n", argv[1]);
	fprintf(stderr,
	        "usage: otpbox fetch|wait|extract|status|doctor [OPTIONS] "
	        "(see 'otpbox --help')\n");
	return EX_USAGE;
}
