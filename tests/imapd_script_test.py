#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Self-test of tests/imapd_script.py: a tiny client plays against it.

Checks the exact bytes the server sends (literal sizes, cuts, absurd sizes,
{tag} substitution), the client log with secrets redacted, mismatch and
early-close detection (exit 1), that every transcript in tests/transcripts/
parses, and what the real parser makes of each transcript's server side
(tests/common/imap_dump against NAME.parsed; after a deliberate change,
regenerate those with OTPBOX_WRITE_PARSED=1). Run by make check; Python 3
standard library only.
"""

import glob
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

SRCDIR = os.environ.get("OTPBOX_SRCDIR",
                        os.path.join(os.path.dirname(__file__), ".."))
SCRIPT = os.path.join(SRCDIR, "tests", "imapd_script.py")
sys.dont_write_bytecode = True  # the source tree may be read-only
sys.path.insert(0, os.path.join(SRCDIR, "tests"))
import imapd_script  # noqa: E402

FAILED = []
PASSED = []


def check(name, got, want):
    if got == want:
        PASSED.append(name)
        print("ok: %s" % name)
    else:
        FAILED.append(name)
        print("FAIL: %s\n    got    %r\n    wanted %r" % (name, got, want))


class Run:
    """Starts the script on a transcript text and connects to it."""

    def __init__(self, tmp, text, tls=None):
        self.tmp = tmp
        path = os.path.join(tmp, "t.txt")
        with open(path, "w") as f:
            f.write(text)
        self.portfile = os.path.join(tmp, "port")
        self.log = os.path.join(tmp, "log")
        for f in (self.portfile, self.log):
            if os.path.exists(f):
                os.unlink(f)
        cmd = [sys.executable, SCRIPT, path, "--port-file", self.portfile,
               "--log", self.log, "--timeout", "5"]
        if tls:
            cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
        self.port = self._port()
        self.tls = tls

    def _port(self):
        for _ in range(500):
            if os.path.exists(self.portfile):
                with open(self.portfile) as f:
                    return int(f.read())
            time.sleep(0.01)
        raise RuntimeError("the script did not write its port")

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), 5)
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock)
        return sock

    def finish(self):
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        with open(self.log) as f:
            log = f.read()
        return self.proc.returncode, log, err.decode()


def recv_all(sock):
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def recv_until(sock, end):
    data = b""
    while not data.endswith(end):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


BASIC = r"""# a comment
S * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready
C {tag} AUTHENTICATE PLAIN {secret}
S {tag} OK Logged in
C {tag} UID FETCH {num}:* ({*})
SN * 1 FETCH (UID 5 BODY[] 
LITERAL
{tag} OK forged
tab\there\c
END
S )
S * 2 EXPUNGE
S {tag} OK done
"""


def test_basic(tmp):
    run = Run(tmp, BASIC)
    s = run.connect()
    got = recv_until(s, b"\r\n")
    check("greeting", got,
          b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n")
    s.sendall(b"T1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\r\n")
    check("tag substituted", recv_until(s, b"\r\n"), b"T1 OK Logged in\r\n")
    s.sendall(b"T2 UID FETCH 4:* (UID BODY.PEEK[])\r\n")
    s.sendall(b"T3 LOGOUT\r\n")
    got = recv_all(s)
    check("literal sized exactly, tag inside", got,
          b"* 1 FETCH (UID 5 BODY[] {22}\r\nT2 OK forged\r\ntab\there)\r\n"
          b"* 2 EXPUNGE\r\nT2 OK done\r\n"
          b"* BYE Logging out\r\nT3 OK Logout completed.\r\n")
    s.close()
    rc, log, _ = run.finish()
    check("basic exit status", rc, 0)
    check("client log, secret redacted", log,
          "T1 AUTHENTICATE PLAIN {secret}\n"
          "T2 UID FETCH 4:* (UID BODY.PEEK[])\nT3 LOGOUT\n")


def test_mismatch(tmp):
    run = Run(tmp, "S * OK hi\nC {tag} LOGIN {secret} {secret}\nS x\n")
    s = run.connect()
    recv_until(s, b"\r\n")
    s.sendall(b"a1 LOGOUT\r\n")
    recv_all(s)
    s.close()
    rc, log, err = run.finish()
    check("mismatch exits 1", rc, 1)
    check("mismatch logged", log.splitlines()[-1].startswith("!! "), True)
    check("mismatch on stderr", "expected" in err, True)


def test_secret_not_logged_on_mismatch(tmp):
    run = Run(tmp, "S * OK hi\nC {tag} LOGIN {secret} {secret}\n")
    s = run.connect()
    recv_until(s, b"\r\n")
    s.sendall(b"a1 LOGIN onlyone-sekrit\r\n")
    recv_all(s)
    s.close()
    rc, log, err = run.finish()
    check("secret mismatch exits 1", rc, 1)
    check("secret kept out of log and stderr",
          "sekrit" in log or "sekrit" in err, False)


def test_early_close(tmp):
    run = Run(tmp, "S * OK hi\nC {tag} CAPABILITY\n")
    s = run.connect()
    recv_until(s, b"\r\n")
    s.close()
    rc, _, err = run.finish()
    check("client closing early exits 1", rc, 1)
    check("early close explained", "closed" in err, True)


def test_cut_and_absurd(tmp):
    text = ("S * OK hi\n"
            "SN * 1 FETCH (BODY[] \n"
            "LITERAL announce=99999999999 send=3\n"
            "abcdef\n"
            "END\n"
            "EXPECT_CLOSE\n")
    run = Run(tmp, text)
    s = run.connect()
    recv_until(s, b"\r\n")
    got = recv_until(s, b"abc")
    check("absurd size announced, 3 bytes sent", got,
          b"* 1 FETCH (BODY[] {99999999999}\r\nabc")
    s.close()
    rc, _, _ = run.finish()
    check("EXPECT_CLOSE satisfied", rc, 0)


def test_client_literal_and_reconnect(tmp):
    text = ("S * OK one\n"
            "C {tag} LOGIN {secret} {secret}\n"
            "S {tag} OK in\n"
            "CLOSE\n"
            "S * OK two\n"
            "C {tag} NOOP\n"
            "S {tag} OK noop\n"
            "EXPECT_CLOSE\n")
    run = Run(tmp, text)
    s = run.connect()
    recv_until(s, b"\r\n")
    s.sendall(b"x LOGIN {4}\r\n")
    check("synchronising literal gets +", recv_until(s, b"\r\n"),
          b"+ go ahead\r\n")
    s.sendall(b"user \"pa\\\"ss\"\r\n")
    check("literal line answered", recv_all(s), b"x OK in\r\n")
    s.close()
    s = run.connect()
    check("second connection", recv_until(s, b"\r\n"), b"* OK two\r\n")
    s.sendall(b"y NOOP\r\n")
    check("second connection tag", recv_until(s, b"\r\n"),
          b"y OK noop\r\n")
    s.close()
    rc, log, _ = run.finish()
    check("reconnect exit status", rc, 0)
    check("literal in log", log, "x LOGIN {secret} {secret}\ny NOOP\n")


def test_after_end(tmp):
    run = Run(tmp, "S * OK hi\n")
    s = run.connect()
    recv_until(s, b"\r\n")
    s.sendall(b"z SELECT INBOX\r\n")
    check("line after the end answered BAD", recv_all(s),
          b"z BAD End of transcript\r\n")
    s.close()
    rc, _, _ = run.finish()
    check("line after the end exits 1", rc, 1)


def test_tls(tmp):
    if not shutil.which("openssl"):
        print("skip: TLS (no openssl command)")
        return
    key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = Run(tmp, "S * OK tls\nC {tag} LOGOUT\nS {tag} OK bye\n",
              tls=(cert, key))
    s = run.connect()
    check("TLS greeting", recv_until(s, b"\r\n"), b"* OK tls\r\n")
    s.sendall(b"a LOGOUT\r\n")
    check("TLS reply", recv_until(s, b"\r\n"), b"a OK bye\r\n")
    s.close()
    rc, _, _ = run.finish()
    check("TLS exit status", rc, 0)


def test_noop_ok(tmp):
    """NOOP_OK: NOOPs are answered wherever they come, not matched."""
    run = Run(tmp, "NOOP_OK\nS * OK hi\nC {tag} EXAMINE x\n"
              "S {tag} OK done\n")
    s = run.connect()
    check("NOOP_OK greeting", recv_until(s, b"\r\n"), b"* OK hi\r\n")
    s.sendall(b"n1 NOOP\r\n")
    check("NOOP answered", recv_until(s, b"\r\n"),
          b"n1 OK NOOP completed.\r\n")
    s.sendall(b"a EXAMINE x\r\n")
    check("next C line matched", recv_until(s, b"\r\n"), b"a OK done\r\n")
    s.sendall(b"n2 NOOP\r\nb LOGOUT\r\n")
    check("NOOP after the end", recv_until(s, b"n2 OK NOOP completed.\r\n")
          .endswith(b"n2 OK NOOP completed.\r\n"), True)
    s.close()
    rc, _, _ = run.finish()
    check("NOOP_OK exit status", rc, 0)


def test_transcripts_parse():
    files = sorted(glob.glob(os.path.join(SRCDIR, "tests", "transcripts",
                                          "*.txt")))
    check("transcripts present", len(files) > 0, True)
    for path in files:
        try:
            steps = imapd_script.parse_transcript(path)
            for word, arg in steps:
                if word == "LITERAL":
                    imapd_script.literal_bytes(arg[0], arg[1],
                                               imapd_script.unescape)
                elif word in ("S", "SN"):
                    imapd_script.unescape(arg)
            ok = True
        except imapd_script.BadTranscript as e:
            print("    %s: %s" % (path, e))
            ok = False
        check("parses: %s" % os.path.basename(path), ok, True)


def server_streams(steps):
    """The bytes each connection of a transcript sends to a client that
    uses tags T1, T2, ... (no sockets: S, SN and LITERAL steps only)."""
    streams, cur, tagno = [], b"", 0
    server = imapd_script.Server.__new__(imapd_script.Server)
    server.tag, server.litsize = "*", 0
    for word, arg in steps:
        if word == "C":
            tagno += 1
            server.tag = "T%d" % tagno
        elif word == "S":
            cur += server.subst(arg) + imapd_script.CRLF
        elif word == "SN":
            cur += server.subst(arg)
        elif word == "LITERAL":
            data = imapd_script.literal_bytes(arg[0], arg[1], server.subst)
            server.litsize = len(data) - data.index(b"\r\n") - 2
            cur += data
        elif word in ("CLOSE", "EXPECT_CLOSE", "ACCEPT") and cur:
            streams.append(cur)
            cur = b""
    if cur:
        streams.append(cur)
    return streams


def test_transcripts_replay():
    """Each transcript's server side through the real parser (imap_dump),
    compared with tests/transcripts/NAME.parsed."""
    dump = os.path.join(os.environ.get("OTPBOX_BUILDDIR", ""), "tests",
                        "common", "imap_dump")
    if not os.access(dump, os.X_OK):
        print("skip: replay (no %s; run through make check)" % dump)
        return
    for path in sorted(glob.glob(os.path.join(SRCDIR, "tests",
                                              "transcripts", "*.txt"))):
        out = ""
        streams = server_streams(imapd_script.parse_transcript(path))
        for k, data in enumerate(streams):
            res = subprocess.run([dump], input=data, stdout=subprocess.PIPE)
            out += "== connection %d (exit %d)\n" % (k + 1, res.returncode)
            out += res.stdout.decode("utf-8", "backslashreplace")
        want_path = path[:-len(".txt")] + ".parsed"
        if os.environ.get("OTPBOX_WRITE_PARSED"):
            with open(want_path, "w") as f:
                f.write(out)
        with open(want_path) as f:
            want = f.read()
        check("replays as %s" % os.path.basename(want_path), out, want)


def main():
    tmp = tempfile.mkdtemp(prefix="otpbox-imapd-selftest.")
    try:
        for test in (test_basic, test_mismatch,
                     test_secret_not_logged_on_mismatch, test_early_close,
                     test_cut_and_absurd, test_client_literal_and_reconnect,
                     test_after_end, test_tls, test_noop_ok):
            test(tmp)
        test_transcripts_parse()
        test_transcripts_replay()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("imapd_script_test: %d passed, %d failed" %
          (len(PASSED), len(FAILED)))
    return 1 if FAILED or not PASSED else 0


if __name__ == "__main__":
    sys.exit(main())
