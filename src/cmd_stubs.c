/* SPDX-License-Identifier: MIT */
/* Placeholders for sub-commands whose implementation has not landed yet;
 * each says so plainly and exits 69 (EX_UNAVAILABLE). */
#include <stdio.h>
#include <sysexits.h>

#include "cmd.h"

/* ---- wait placeholder (removed when src/worker lands) ---- */
int
wait_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "otpbox wait: not available in this build yet\n");
	return EX_UNAVAILABLE;
}
/* ---- end of wait placeholder ---- */

