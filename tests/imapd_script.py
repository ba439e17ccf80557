#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scripted IMAP server: plays a transcript to one client at a time.

It covers what a real server will not do on demand: literals that hold
tagged-looking lines, BYE in the middle of a FETCH, a reply cut off half way,
an absurd literal size, unsolicited EXPUNGE/EXISTS. Python 3 standard
library only.

Usage:
  imapd_script.py TRANSCRIPT [--port N] [--port-file F] [--log F]
                  [--tls-cert PEM --tls-key PEM] [--timeout S]

  --port N        listen on 127.0.0.1:N (default 0: a free port)
  --port-file F   write the port to F once listening (written to F.tmp and
                  renamed, so a test may poll until F exists); without it the
                  port is printed on stdout
  --log F         record every line the client sent, one per line
  --tls-cert/--tls-key  implicit TLS (like port 993) with this certificate;
                  also needed by the STARTTLS directive
  --starttls-only with --tls-cert: start in plain text (like port 143);
                  TLS begins only at a STARTTLS directive
  --timeout S     seconds to wait for a connection or a client line (10)

Exit status: 0 when the whole transcript was played and every client line
matched; 1 on a mismatch, a time-out, the client leaving too early or a
client line after the end; 2 on a bad transcript or usage. The reason is
printed on stderr and written to the log as a line starting with "!!".

Transcript format: one directive per line. Blank lines and lines starting
with "#" are ignored.

  S <text>      send <text> followed by CRLF
  SN <text>     send <text> without CRLF (to cut a line, or before LITERAL)
  C <pattern>   read one line from the client and match it (see below)
  LITERAL [announce=N] [send=M]
  ...content lines...
  END           send "{N}" CRLF and then the content: every content line
                followed by CRLF (end a line with \\c to drop its CRLF).
                N is the exact content size unless announce= gives another
                (an absurd size, say); send=M sends only the first M bytes
                of the content. Typical use, a FETCH with a body:
                    SN * 1 FETCH (UID 5 BODY[] 
                    LITERAL
                    Subject: hi
                    END
                    S )
                (note the space kept at the end of the SN line).
  PAUSE <ms>    sleep
  CLOSE         close the connection now (mid-response if you like)
  EXPECT_CLOSE  read until the client closes the connection; lines it sends
                meanwhile are logged and otherwise ignored
  ACCEPT        wait for the next connection (after CLOSE/EXPECT_CLOSE)
  STARTTLS      switch the connection to TLS (after "S {tag} OK ...")
  NOOP_OK       from here on, answer every "tag NOOP" the client sends
                with "tag OK NOOP completed." wherever it comes (a client
                that polls while a bot waits sends them at its own pace);
                they are logged and not matched against C lines

Escapes in S, SN and content lines: \\r \\n \\t \\\\ \\xHH, and \\c (see
above); any other backslash is itself, so flags read naturally: (\\Seen). In S, SN and content lines, "{tag}" is the tag of the last client
line matched with {tag} (so a forged line in a mail body can carry the very
tag the client is waiting for). In S and SN, "{litsize}" is the number of
content bytes the last LITERAL sent, e.g. for "S  RFC822.SIZE {litsize})"
after the body (FETCH items may come in any order).

The first connection is accepted before the first directive runs; after
CLOSE or EXPECT_CLOSE the next directive waits for a new connection (ACCEPT
says so explicitly), so one transcript can script a failure and the retry.

Patterns (C lines) match the whole client line, CRLF excluded, exactly,
except for these placeholders:
  {tag}     one tag (non-space characters); remembered for S lines
  {num}     one or more digits
  {secret}  an atom or a quoted string; logged as {secret} (passwords and
            SASL blobs stay out of the log)
  {*}       any text, possibly empty
A client line ending in a literal {N} or {N+} gets its N bytes read (for
{N} after the server sent "+ go ahead") and kept in the line, then the rest
of the line; the whole is matched and logged as one line with CR and LF in
literal bytes written \\r and \\n.

After the last directive the server keeps reading: "tag LOGOUT" gets
"* BYE" and "tag OK" and the connection is closed; a client that closes
without LOGOUT is fine too. Any other line is an error (logged and answered
with "tag BAD").
"""

import argparse
import os
import re
import socket
import ssl
import sys
import time

CRLF = b"\r\n"
# An atom or a quoted string with escapes: what a password looks like.
SECRET_RX = r'(?:"(?:[^"\\]|\\.)*"|[^ ]+)'


class ScriptError(Exception):
    """A transcript failure: mismatch, time-out, early close."""


class BadTranscript(Exception):
    """The transcript itself is malformed."""


def unescape(text):
    """Turns the escapes of the transcript format into bytes."""
    out = bytearray()
    i = 0
    raw = text.encode("utf-8")
    while i < len(raw):
        ch = raw[i:i + 1]
        if ch != b"\\" or i + 1 >= len(raw):
            out += ch
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        simple = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\",
                  b"c": b""}
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt == b"x" and re.fullmatch(rb"[0-9a-fA-F]{2}",
                                          raw[i + 2:i + 4]):
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        elif nxt == b"x":
            raise BadTranscript("bad \\x escape in %r" % text)
        else:
            out += ch
            i += 1
    return bytes(out)


def parse_transcript(path):
    """Returns the list of (directive, argument) steps of a transcript."""
    steps = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line or line.startswith("#"):
            continue
        word, _, arg = line.partition(" ")
        if word == "LITERAL":
            content = []
            while i < len(lines) and lines[i].rstrip("\r") != "END":
                content.append(lines[i].rstrip("\r"))
                i += 1
            if i >= len(lines):
                raise BadTranscript("LITERAL without END")
            i += 1
            steps.append((word, (arg, content)))
        elif word in ("S", "SN", "C", "PAUSE"):
            steps.append((word, arg))
        elif word in ("CLOSE", "EXPECT_CLOSE", "ACCEPT", "STARTTLS",
                      "NOOP_OK"):
            steps.append((word, None))
        else:
            raise BadTranscript("unknown directive %r" % word)
    return steps


def literal_bytes(arg, content, subst):
    """The bytes a LITERAL step sends: announcement, then (some) content."""
    opts = {}
    for item in arg.split():
        key, _, val = item.partition("=")
        if key not in ("announce", "send") or not val.isdigit():
            raise BadTranscript("bad LITERAL option %r" % item)
        opts[key] = int(val)
    body = b""
    for line in content:
        if line.endswith("\\c"):
            body += subst(line[:-2])
        else:
            body += subst(line) + CRLF
    size = opts.get("announce", len(body))
    data = b"{%d}\r\n" % size + body[:opts.get("send", len(body))]
    return data


def pattern_regex(pattern):
    """Compiles a C pattern; returns (regex, names of the groups)."""
    parts = re.split(r"(\{tag\}|\{num\}|\{secret\}|\{\*\})", pattern)
    rx = ""
    for part in parts:
        if part == "{tag}":
            rx += r"(?P<tag>[^ ]+)"
        elif part == "{num}":
            rx += r"[0-9]+"
        elif part == "{secret}":
            rx += SECRET_RX
        elif part == "{*}":
            rx += r".*"
        else:
            rx += re.escape(part)
    return re.compile(rx + r"\Z", re.S)


def redact(pattern, line):
    """The line as logged: {secret} parts of the pattern replaced."""
    if "{secret}" not in pattern:
        return line
    parts = re.split(r"(\{tag\}|\{num\}|\{secret\}|\{\*\})", pattern)
    rx = ""
    for part in parts:
        if part == "{secret}":
            rx += r"(?P<s%d>%s)" % (len(rx), SECRET_RX)
        elif part == "{tag}":
            rx += r"[^ ]+"
        elif part == "{num}":
            rx += r"[0-9]+"
        elif part == "{*}":
            rx += r".*"
        else:
            rx += re.escape(part)
    m = re.compile(rx + r"\Z", re.S).match(line)
    if not m:
        return line
    out, last = "", 0
    for name in sorted(m.groupdict(), key=lambda n: m.start(n)):
        out += line[last:m.start(name)] + "{secret}"
        last = m.end(name)
    return out + line[last:]


def visible(data):
    """Client bytes as one log line: CR, LF and backslash escaped."""
    text = data.decode("utf-8", "backslashreplace")
    return text.replace("\r", "\\r").replace("\n", "\\n")


class Conn:
    """One client connection with a line reader that honours literals."""

    def __init__(self, sock, timeout):
        self.sock = sock
        self.buf = b""
        self.timeout = timeout
        sock.settimeout(timeout)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise ScriptError("send failed: %s" % e)

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise ScriptError("time-out waiting for the client")
        except ConnectionResetError:
            # A client that closes with our BYE still unread makes its
            # kernel answer with a reset: it left, like an orderly close.
            return False
        except OSError as e:
            raise ScriptError("receive failed: %s" % e)
        if not data:
            return False
        self.buf += data
        return True

    def _take_line(self):
        while CRLF not in self.buf:
            if not self._fill():
                return None
        line, _, self.buf = self.buf.partition(CRLF)
        return line

    def _take_bytes(self, n):
        while len(self.buf) < n:
            if not self._fill():
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_line(self):
        """One logical client line (literals inlined), None on EOF."""
        whole = b""
        while True:
            line = self._take_line()
            if line is None:
                return None
            whole += line
            m = re.search(rb"\{([0-9]+)(\+?)\}\Z", line)
            if not m:
                return whole
            if not m.group(2):
                self.send(b"+ go ahead\r\n")
            data = self._take_bytes(int(m.group(1)))
            if data is None:
                return None
            whole += CRLF + data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Server:
    """Plays the steps on connections accepted from the listening socket."""

    def __init__(self, args, steps):
        self.args = args
        self.steps = steps
        self.tag = "*"
        self.litsize = 0
        self.noop_ok = False
        self.conn = None
        self.log = open(args.log, "w", encoding="utf-8") if args.log \
            else None
        self.ctx = None
        if args.tls_cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(args.tls_cert, args.tls_key)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", args.port))
        self.lsock.listen(4)
        self.lsock.settimeout(args.timeout)

    def note(self, text):
        if self.log:
            self.log.write(text + "\n")
            self.log.flush()

    def announce_port(self):
        port = self.lsock.getsockname()[1]
        if self.args.port_file:
            tmp = self.args.port_file + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % port)
            os.rename(tmp, self.args.port_file)
        else:
            print(port, flush=True)

    def accept(self):
        if self.conn:
            self.conn.close()
        try:
            sock, _ = self.lsock.accept()
        except socket.timeout:
            raise ScriptError("time-out waiting for a connection")
        if self.ctx and not self.args.starttls_only:
            sock.settimeout(self.args.timeout)
            try:
                sock = self.ctx.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as e:
                raise ScriptError("TLS handshake failed: %s" % e)
        self.conn = Conn(sock, self.args.timeout)

    def subst(self, text):
        text = text.replace("{litsize}", str(self.litsize))
        return unescape(text.replace("{tag}", self.tag))

    def noop(self, line):
        """Answers line when it is a NOOP and NOOP_OK is on."""
        m = re.match(rb"(\S+) NOOP\Z", line or b"", re.I)
        if not self.noop_ok or not m:
            return False
        self.note(visible(line))
        self.conn.send(m.group(1) + b" OK NOOP completed.\r\n")
        return True

    def expect(self, pattern):
        line = self.conn.read_line()
        while self.noop(line):
            line = self.conn.read_line()
        if line is None:
            raise ScriptError("client closed; expected %r" % pattern)
        text = visible(line)
        m = pattern_regex(pattern).match(text)
        if not m and "{secret}" in pattern:
            text = "(line not shown: it may hold a secret)"
        self.note(redact(pattern, text) if m else text)
        if not m:
            raise ScriptError("client sent %r; expected %r" %
                              (text, pattern))
        if "tag" in m.groupdict():
            self.tag = m.group("tag")

    def expect_close(self):
        while True:
            line = self.conn.read_line()
            if line is None:
                self.conn.close()
                self.conn = None
                return
            self.note(visible(line))

    def starttls(self):
        if not self.ctx:
            raise BadTranscript("STARTTLS needs --tls-cert and --tls-key")
        if self.conn.buf:
            raise ScriptError("client sent data before the TLS handshake")
        try:
            sock = self.ctx.wrap_socket(self.conn.sock, server_side=True)
        except (ssl.SSLError, OSError) as e:
            raise ScriptError("STARTTLS handshake failed: %s" % e)
        self.conn = Conn(sock, self.args.timeout)

    def step(self, word, arg):
        if word == "ACCEPT" or self.conn is None:
            self.accept()
            if word == "ACCEPT":
                return
        if word == "S":
            self.conn.send(self.subst(arg) + CRLF)
        elif word == "SN":
            self.conn.send(self.subst(arg))
        elif word == "LITERAL":
            data = literal_bytes(arg[0], arg[1], self.subst)
            self.litsize = len(data) - data.index(CRLF) - 2
            self.conn.send(data)
        elif word == "C":
            self.expect(arg)
        elif word == "PAUSE":
            time.sleep(int(arg) / 1000.0)
        elif word == "CLOSE":
            self.conn.close()
            self.conn = None
        elif word == "EXPECT_CLOSE":
            self.expect_close()
        elif word == "STARTTLS":
            self.starttls()
        elif word == "NOOP_OK":
            self.noop_ok = True

    def epilogue(self):
        """After the transcript: LOGOUT is answered, anything else fails."""
        if self.conn is None:
            return
        while True:
            line = self.conn.read_line()
            if self.noop(line):
                continue
            if line is None:
                return
            text = visible(line)
            self.note(text)
            tag, _, cmd = text.partition(" ")
            if cmd.upper() == "LOGOUT":
                self.conn.send(b"* BYE Logging out\r\n" + tag.encode() +
                               b" OK Logout completed.\r\n")
                self.conn.close()
                self.conn = None
                return
            self.conn.send(tag.encode() + b" BAD End of transcript\r\n")
            raise ScriptError("client line after the end: %r" % text)

    def run(self):
        self.announce_port()
        for word, arg in self.steps:
            self.step(word, arg)
        self.epilogue()


def main():
    ap = argparse.ArgumentParser(description="Scripted IMAP server.")
    ap.add_argument("transcript")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--starttls-only", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if args.starttls_only and not args.tls_cert:
        ap.error("--starttls-only needs --tls-cert and --tls-key")
    try:
        steps = parse_transcript(args.transcript)
    except (OSError, BadTranscript) as e:
        print("imapd_script: %s" % e, file=sys.stderr)
        return 2
    server = Server(args, steps)
    try:
        server.run()
    except ScriptError as e:
        server.note("!! " + str(e))
        print("imapd_script: %s" % e, file=sys.stderr)
        return 1
    except BadTranscript as e:
        print("imapd_script: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
