# SPDX-License-Identifier: MIT
# A private Dovecot for otpbox's integration tests: sourced by a test, it
# starts dovecot-imapd on loopback with a throw-away CA, delivers messages
# and stops the server when the test exits.
#
# Functions:
#   dovecot_start            start the server; sets the variables below
#   dovecot_deliver FILE [U] [FOLDER]  deliver FILE with dovecot-lda
#   dovecot_append FILE [U] [FOLDER]  APPEND over IMAP (as a client would)
#   dovecot_restart          stop and start again on the same ports
#   dovecot_set_uidvalidity N [U] [FOLDER]  force a new UIDVALIDITY
#   dovecot_stop             stop the server (also run on EXIT)
#   dovecot_make_mail FILE RCPT CODE [MSGID]  write an OTP message for RCPT
#   dovecot_bulk DIR [U]     move every file of DIR into U's Maildir/new
#                            (fast: thousands of messages without LDA)
#   dovecot_conf FILE [U] [HOST] [TLS]  write an otpbox config for the server
# After dovecot_start:
#   DOVECOT_DIR      private directory (config, logs, mail)
#   DOVECOT_HOST     "localhost" (the name in the certificate)
#   DOVECOT_PORT     implicit-TLS port;  DOVECOT_PORT_PLAIN: STARTTLS port
#   DOVECOT_CA       the CA certificate that signed the server's
#   DOVECOT_OTHER_CA a CA that did not (for refusal tests)
#   DOVECOT_USER / DOVECOT_PASSWORD  the test account (password in
#                    $DOVECOT_DIR/password, mode 0600)
# Hooks, set before dovecot_start:
#   DOVECOT_EXTRA_CONF  a file appended to dovecot.conf (e.g. an oauth2
#                       passdb); @DIR@ in it becomes $DOVECOT_DIR
#   DOVECOT_USERS       extra users, space-separated (password: the same)
# Needs root (Dovecot switches to the mail user); a test calls
# dovecot_require first, which skips it (exit 77) when that is impossible.

DOVECOT_HOST=localhost
DOVECOT_USER=${DOVECOT_USER:-catchall@otpbox.test}
DOVECOT_PASSWORD=${DOVECOT_PASSWORD:-test-pw-$$}
DOVECOT_MAIL_UID=${DOVECOT_MAIL_UID:-1000}

dovecot_require()
{
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: the test Dovecot needs root"
		exit 77
	fi
	for p in dovecot doveadm openssl python3 /usr/lib/dovecot/dovecot-lda; do
		if ! command -v "$p" >/dev/null 2>&1; then
			echo "SKIP: $p not installed (apt-get install dovecot-imapd)"
			exit 77
		fi
	done
}

# Prints a TCP port on 127.0.0.1 that nobody listens on right now.
dovecot_free_port()
{
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

dovecot_make_certs()
{
	d=$DOVECOT_DIR
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=otpbox-test-ca \
		-keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=otpbox-other-ca \
		-keyout "$d/other.key" -out "$d/other-ca.pem" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
		-keyout "$d/key.pem" -out "$d/server.csr" >/dev/null 2>&1 &&
	printf 'subjectAltName=DNS:localhost\n' >"$d/san.ext" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/san.ext" \
		-out "$d/cert.pem" >/dev/null 2>&1
}

dovecot_add_user()
{
	home=$DOVECOT_DIR/home/$1
	mkdir -p "$home/Maildir"
	chown -R "$DOVECOT_MAIL_UID:$DOVECOT_MAIL_UID" "$home"
	printf '%s:{PLAIN}%s:%s:%s::%s::\n' "$1" "$DOVECOT_PASSWORD" \
		"$DOVECOT_MAIL_UID" "$DOVECOT_MAIL_UID" "$home" \
		>>"$DOVECOT_DIR/users"
}

dovecot_write_conf()
{
	d=$DOVECOT_DIR
	cat >"$d/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
ssl = required
ssl_cert = <$d/cert.pem
ssl_key = <$d/key.pem
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login xoauth2 oauthbearer
auth_failure_delay = 0
first_valid_uid = $DOVECOT_MAIL_UID
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT_PLAIN
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $DOVECOT_PORT
    ssl = yes
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $d/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/users
}
CONF
	if [ -n "${DOVECOT_EXTRA_CONF:-}" ]; then
		sed "s|@DIR@|$d|g" "$DOVECOT_EXTRA_CONF" >>"$d/dovecot.conf"
	fi
}

# Waits until the imaps port accepts connections (at most ~30 s: a loaded
# machine running sanitizer builds starts Dovecot slowly).
dovecot_wait_listening()
{
	python3 - "$DOVECOT_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for _ in range(600):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

dovecot_run()
{
	if ! dovecot -c "$DOVECOT_DIR/dovecot.conf"; then
		echo "dovecot failed to start; log:" >&2
		tail -20 "$DOVECOT_DIR/dovecot.log" >&2
		return 1
	fi
	DOVECOT_RUNNING=1
	dovecot_wait_listening || {
		echo "dovecot is not listening on $DOVECOT_PORT" >&2
		return 1
	}
}

dovecot_start()
{
	DOVECOT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/otpbox-dovecot.XXXXXX") || return 1
	chmod 755 "$DOVECOT_DIR"
	mkdir -p "$DOVECOT_DIR/run" "$DOVECOT_DIR/state" "$DOVECOT_DIR/home"
	DOVECOT_CA=$DOVECOT_DIR/ca.pem
	DOVECOT_OTHER_CA=$DOVECOT_DIR/other-ca.pem
	(umask 077 && printf '%s\n' "$DOVECOT_PASSWORD" >"$DOVECOT_DIR/password")
	trap 'dovecot_finish; \
		if type test_cleanup >/dev/null 2>&1; then test_cleanup; fi' EXIT
	trap 'exit 130' INT TERM
	dovecot_make_certs || { echo "openssl failed" >&2; return 1; }
	: >"$DOVECOT_DIR/users"
	for u in $DOVECOT_USER ${DOVECOT_USERS:-}; do
		dovecot_add_user "$u"
	done
	# A port found free can be taken by another test before Dovecot binds
	# it: try again with fresh ports rather than fail the test.
	for attempt in 1 2 3; do
		DOVECOT_PORT=$(dovecot_free_port)
		DOVECOT_PORT_PLAIN=$(dovecot_free_port)
		dovecot_write_conf
		dovecot_run && return 0
		dovecot_stop
		echo "dovecot start attempt $attempt failed; trying other ports" >&2
	done
	return 1
}

dovecot_stop()
{
	[ "${DOVECOT_RUNNING:-0}" = 1 ] || return 0
	# The master leaves running sessions (imap-login proxies the TLS) on
	# their own; end this instance's processes too, so a restart is one.
	master=$(cat "$DOVECOT_DIR/run/master.pid" 2>/dev/null)
	kids=$([ -n "$master" ] && ps -o pid= --ppid "$master")
	doveadm -c "$DOVECOT_DIR/dovecot.conf" stop >/dev/null 2>&1
	[ -z "$kids" ] || kill $kids 2>/dev/null || :
	DOVECOT_RUNNING=0
	# doveadm stop returns once the master got the signal; wait for the
	# listener to go so a restart can bind the same port.
	python3 - "$DOVECOT_PORT" <<'PY'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        time.sleep(0.05)
    except OSError:
        sys.exit(0)
PY
}

dovecot_cleanup_dir()
{
	if [ -n "${DOVECOT_DIR:-}" ] && [ -z "${DOVECOT_KEEP:-}" ]; then
		rm -rf "$DOVECOT_DIR"
	fi
}

# dovecot_finish: stops the server and removes its directory; a test's own
# EXIT trap calls it (dovecot_start's trap does, until replaced).
dovecot_finish()
{
	dovecot_stop
	dovecot_cleanup_dir
}

dovecot_restart()
{
	dovecot_stop && dovecot_run
}

dovecot_deliver()
{
	/usr/lib/dovecot/dovecot-lda -c "$DOVECOT_DIR/dovecot.conf" \
		-d "${2:-$DOVECOT_USER}" -m "${3:-INBOX}" \
		-f sender@otpbox.test <"$1"
}

dovecot_append()
{
	python3 - "$1" "${2:-$DOVECOT_USER}" "${3:-INBOX}" <<PY
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile="$DOVECOT_CA")
m = imaplib.IMAP4_SSL("$DOVECOT_HOST", $DOVECOT_PORT, ssl_context=ctx)
m.login(sys.argv[2], open("$DOVECOT_DIR/password").read().strip())
data = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
typ, _ = m.append(sys.argv[3], None, None, data)
m.logout()
sys.exit(0 if typ == "OK" else 1)
PY
}

dovecot_set_uidvalidity()
{
	doveadm -c "$DOVECOT_DIR/dovecot.conf" mailbox update \
		-u "${2:-$DOVECOT_USER}" --uid-validity "$1" "${3:-INBOX}"
}

# dovecot_conf FILE [USER] [HOST] [TLS]: an otpbox config for this server.
dovecot_conf()
{
	tls=${4:-implicit}
	port=$DOVECOT_PORT
	[ "$tls" = starttls ] && port=$DOVECOT_PORT_PLAIN
	cat >"$1" <<CONF
accounts = ( {
	name = "test";
	user = "${2:-$DOVECOT_USER}";
	password_file = "$DOVECOT_DIR/password";
	host = "${3:-$DOVECOT_HOST}";
	port = $port;
	tls = "$tls";
	ca_file = "$DOVECOT_CA";
	timeout_seconds = 10;
	folders = [ "INBOX" ];
	domains = [ "bots.test" ];
} );
fetch = { idle = true; poll_interval_seconds = 1; };
CONF
}

# dovecot_make_mail FILE RCPT CODE [MSGID]: a plain OTP message as a
# catch-all receives it (X-Original-To names the bot).
dovecot_make_mail()
{
	cat >"$1" <<MAIL
Return-Path: <no-reply@service.example>
X-Original-To: $2
Delivered-To: $DOVECOT_USER
From: Example Service <no-reply@service.example>
To: $2
Subject: Your verification code
Date: $(date -R)
Message-ID: <${4:-$(date +%s%N).$$}@service.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello,

Your verification code is $3. It expires in 10 minutes.
MAIL
}

dovecot_bulk()
{
	home=$DOVECOT_DIR/home/${2:-$DOVECOT_USER}
	mkdir -p "$home/Maildir/new"
	python3 - "$1" "$home/Maildir/new" <<'PY'
import os, sys, time
src, dst = sys.argv[1], sys.argv[2]
stamp = int(time.time())
for i, name in enumerate(sorted(os.listdir(src))):
    os.rename(os.path.join(src, name),
              os.path.join(dst, "%d.M%dP%d.otpbox-test" % (stamp, i, os.getpid())))
PY
	chown -R "$DOVECOT_MAIL_UID:$DOVECOT_MAIL_UID" "$home/Maildir"
}

# dovecot_make_many DIR N [TAG]: N distinct OTP messages (bot1..botN@bots.test,
# code = 100000 + i, Message-ID <TAG.i@service.example>) as files in DIR.
dovecot_make_many()
{
	mkdir -p "$1"
	python3 - "$1" "$2" "${3:-m}" <<'PY'
import sys, os
d, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(1, n + 1):
    with open(os.path.join(d, "%s.%06d.eml" % (tag, i)), "w") as f:
        f.write("X-Original-To: bot%d@bots.test\n"
                "From: Example Service <no-reply@service.example>\n"
                "To: bot%d@bots.test\n"
                "Subject: Your verification code\n"
                "Date: Wed, 25 Nov 2026 10:00:00 +0000\n"
                "Message-ID: <%s.%d@service.example>\n"
                "MIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=utf-8\n\n"
                "Hello,\n\nYour verification code is %d. It expires in "
                "10 minutes.\n" % (i, i, tag, i, 100000 + i))
PY
}
