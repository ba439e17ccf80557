/* SPDX-License-Identifier: MIT */
/* Example: the smallest bot: wait for the one-time code sent to an address
 * and print it.
 *
 *   cc wait_code.c $(pkg-config --cflags --libs otpbox) -o wait_code
 *   cc -static wait_code.c $(pkg-config --static --cflags --libs otpbox)
 *   ./wait_code bot1@yourdomain.com [/var/lib/otpbox/otpbox.db]
 *   ./wait_code -V        (versions of the headers and of the library)
 *
 * Without a database path the library finds it as `otpbox wait` does
 * ($OTPBOX_DB, the configuration file, the default location). Exit
 * status: 0 code printed, 1 nothing within the default 120 s, 2 error. */
#include <stdio.h>
#include <string.h>

#include <otpbox.h>

#if !OTPBOX_CHECK_VERSION(0, 2, 0)
#error "this example needs libotpbox 0.2 or newer"
#endif

int
main(int argc, char **argv)
{
	struct otpbox_code *code = NULL;
	struct otpbox *box = NULL;
	char err[512];
	enum otpbox_err e;

	if (argc == 2 && !strcmp(argv[1], "-V")) {
		printf("headers %s, library %s\n", OTPBOX_VERSION,
		       otpbox_version());
		return 0;
	}
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: wait_code ADDRESS [DB] | -V\n");
		return 2;
	}
	if ((e = otpbox_open(argc == 3 ? argv[2] : NULL, &box, err,
	                     sizeof(err)))) {
		fprintf(stderr, "wait_code: %s\n", err);
		return 2;
	}
	/* NULL options: the defaults (a code, not a link; 120 s; claimed). */
	e = otpbox_wait(box, argv[1], NULL, &code);
	if (e == OTPBOX_OK)
		printf("%s\n", code->code);
	else
		fprintf(stderr, "wait_code: %s\n", otpbox_errmsg(box));
	otpbox_code_free(code);
	otpbox_close(box);
	return e == OTPBOX_OK ? 0 : e == OTPBOX_ERR_TIMEOUT ? 1 : 2;
}
