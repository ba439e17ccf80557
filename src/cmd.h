/* SPDX-License-Identifier: MIT */
/* Entry points of the otpbox sub-commands, called by src/otpbox.c. */
#ifndef OTPBOX_CMD_H
#define OTPBOX_CMD_H

/* Each takes the arguments after the sub-command name (argv[0] is the
 * sub-command itself) and returns a sysexits.h exit status. */
int fetch_main(int argc, char **argv);
int wait_main(int argc, char **argv);
int extract_main(int argc, char **argv);
int status_main(int argc, char **argv);
int doctor_main(int argc, char **argv);

#endif
