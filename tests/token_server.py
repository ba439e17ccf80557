#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A stand-in for Microsoft's OAuth2 token endpoint, for otpbox's tests only.
#
# It listens on 127.0.0.1 over HTTPS and answers POST /{tenant}/oauth2/v2.0/
# token the way login.microsoftonline.com does (the same error fields and
# AADSTS codes), issuing HS256 JWTs that Dovecot's oauth2 passdb accepts with
# local validation: claims sub, exp, iat, iss, aud, azp, email, tid; the key
# is written to <dir>/keys/<azp>/HS256/default in base64.
#
# Usage:
#   token_server.py serve DIR --cert C --key K [options]  (writes DIR/port)
#     with $TOKEN_SERVER_SECRET (client secret) and $TOKEN_SERVER_REFRESH
#     (the first valid refresh token) in the environment
#   token_server.py set DIR KEY=VALUE...   change behaviour of a running one
#   token_server.py mint DIR [options]     print one token (no server)
#
# State lives in DIR/state.json and is read on every request, so a test
# changes behaviour with "set" without restarting: mode (ok, down,
# throttle), lifetime (seconds), refresh_token (the one currently valid),
# rotate (issue a new refresh token on every use), app_role (app-only
# tokens carry the IMAP.AccessAsApp role). Every token issued is appended
# to DIR/issued so that tests can look for leaks.
# DIR/requests.log gets one line per request: grant type and outcome,
# never a secret.
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import secrets
import ssl
import sys
import time
import urllib.parse

APP_SCOPE = "https://outlook.office365.com/.default"
USER_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All"
FORM_TYPE = "application/x-www-form-urlencoded"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_state(d):
    with open(os.path.join(d, "state.json")) as f:
        return json.load(f)


def save_state(d, state):
    tmp = os.path.join(d, "state.json.tmp")
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, os.path.join(d, "state.json"))


def key_bytes(d, state):
    path = os.path.join(d, "keys", state["client_id"], "HS256", "default")
    with open(path) as f:
        return base64.b64decode(f.read().strip())


def mint(d, state, lifetime=None, extra=None):
    now = int(time.time())
    life = state["lifetime"] if lifetime is None else lifetime
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {
        "sub": state["user"],
        "email": state["user"],
        "iss": state["issuer"],
        "aud": state["audience"],
        "azp": state["client_id"],
        "tid": state["tenant"],
        "iat": now,
        "exp": now + life,
        "jti": secrets.token_hex(8),
    }
    claims.update(extra or {})
    signing = (b64url(json.dumps(header).encode()) + "." +
               b64url(json.dumps(claims).encode()))
    sig = hmac.new(key_bytes(d, state), signing.encode(),
                   hashlib.sha256).digest()
    return signing + "." + b64url(sig)


def ms_error(status, error, code, text):
    """A body shaped like Microsoft's error replies."""
    return status, {
        "error": error,
        "error_description": "AADSTS%d: %s\r\nTrace ID: 00000000-0000-"
                             "0000-0000-000000000000\r\nTimestamp: %s" %
                             (code, text, time.strftime("%Y-%m-%d %H:%M:%SZ")),
        "error_codes": [code],
        "error_uri": "https://login.microsoftonline.com/error?code=%d" % code,
    }


def check_client(form, state, need_secret):
    if form.get("client_id") != state["client_id"]:
        return ms_error(400, "unauthorized_client", 700016,
                        "Application with identifier '%s' was not found in "
                        "the directory." % form.get("client_id", ""))
    if need_secret and "client_secret" not in form:
        return ms_error(401, "invalid_client", 7000218,
                        "The request body must contain the following "
                        "parameter: 'client_assertion' or 'client_secret'.")
    if "client_secret" in form and \
            form["client_secret"] != state["client_secret"]:
        return ms_error(401, "invalid_client", 7000215,
                        "Invalid client secret provided. Ensure the secret "
                        "being sent in the request is the client secret "
                        "value, not the client secret ID.")
    return None


def token_reply(d, state, scope, refresh=None):
    # Like Microsoft: app-only tokens carry roles, delegated ones scp.
    if refresh is None:
        extra = {"roles": ["IMAP.AccessAsApp"]} if state["app_role"] else {}
    else:
        extra = {"scp": "IMAP.AccessAsUser.All"}
    body = {"token_type": "Bearer", "scope": scope,
            "expires_in": state["lifetime"], "ext_expires_in":
            state["lifetime"], "access_token": mint(d, state, None, extra)}
    if refresh:
        body["refresh_token"] = refresh
    # Tests grep their output for every value listed here.
    with open(os.path.join(d, "issued"), "a") as f:
        f.write(body["access_token"] + "\n")
        if refresh:
            f.write(refresh + "\n")
    return 200, body


def grant_client_credentials(d, form, state):
    bad = check_client(form, state, True)
    if bad:
        return bad, "refused client"
    if form.get("scope") != APP_SCOPE:
        return ms_error(400, "invalid_scope", 1002012,
                        "The provided value for scope %s is not valid. "
                        "Client credential flows must have a scope value "
                        "with /.default suffixed to the resource "
                        "identifier (application ID URI)." %
                        form.get("scope", "")), "refused scope"
    return token_reply(d, state, APP_SCOPE), "issued"


def grant_refresh_token(d, form, state):
    bad = check_client(form, state, False)
    if bad:
        return bad, "refused client"
    scopes = form.get("scope", "").split()
    if USER_SCOPE not in scopes or "offline_access" not in scopes:
        return ms_error(400, "invalid_scope", 70011,
                        "The provided value for the input parameter "
                        "'scope' is not valid."), "refused scope"
    if form.get("refresh_token") != state["refresh_token"]:
        return ms_error(400, "invalid_grant", 70008,
                        "The provided authorization code or refresh token "
                        "has expired due to inactivity."), "refused grant"
    new = state["refresh_token"]
    if state.get("rotate", True):
        new = "rt-" + secrets.token_urlsafe(24)
        state["refresh_token"] = new
        save_state(d, state)
    return token_reply(d, state, " ".join(scopes), new), "issued rotated"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass  # the request line is harmless, but keep stderr quiet

    def reply(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def note(self, what):
        with open(os.path.join(self.server.dir, "requests.log"), "a") as f:
            f.write("%d %s %s\n" % (int(time.time()), self.path, what))

    def do_GET(self):
        self.note("GET refused")
        self.reply(405, {"error": "invalid_request"})

    def do_POST(self):
        d = self.server.dir
        state = load_state(d)
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode("ascii", "replace")
        if state.get("mode") == "down":
            self.note("down")
            self.reply(503, {"error": "temporarily_unavailable",
                             "error_description": "AADSTS90033: A "
                             "transient error has occurred."})
            return
        if state.get("mode") == "throttle":
            self.note("throttled")
            status, body = ms_error(429, "temporarily_unavailable", 50196,
                                    "The server terminated an operation "
                                    "because it encountered a client "
                                    "request loop.")
            self.reply(status, body, [("Retry-After", "7")])
            return
        want = "/%s/oauth2/v2.0/token" % state["tenant"]
        if self.path != want:
            self.note("wrong tenant path")
            status, body = ms_error(400, "invalid_request", 90002,
                                    "Tenant '%s' not found." % self.path)
            self.reply(status, body)
            return
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        try:
            pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True,
                                           strict_parsing=True)
        except ValueError:
            pairs = None
        if ctype != FORM_TYPE or pairs is None or \
                len(set(k for k, _ in pairs)) != len(pairs):
            self.note("malformed form")
            status, body = ms_error(400, "invalid_request", 900144,
                                    "The request body must contain the "
                                    "following parameter: 'grant_type'.")
            self.reply(status, body)
            return
        form = dict(pairs)
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            (status, body), what = grant_client_credentials(d, form, state)
        elif grant == "refresh_token":
            (status, body), what = grant_refresh_token(d, form, state)
        else:
            (status, body), what = ms_error(
                400, "unsupported_grant_type", 70003,
                "The app requested an unsupported grant type."), "refused"
        self.note("%s %s" % (grant, what))
        self.reply(status, body)


def write_key(d, state):
    path = os.path.join(d, "keys", state["client_id"], "HS256")
    os.makedirs(path, exist_ok=True)
    keyfile = os.path.join(path, "default")
    if not os.path.exists(keyfile):
        with open(keyfile, "w") as f:
            f.write(base64.b64encode(secrets.token_bytes(32)).decode())


def cmd_serve(args):
    d = args.dir
    state = {
        "mode": "ok", "lifetime": args.lifetime, "tenant": args.tenant,
        "client_id": args.client_id,
        # Secrets arrive in the environment, never on argv.
        "client_secret": os.environ.get("TOKEN_SERVER_SECRET", ""),
        "refresh_token": os.environ.get("TOKEN_SERVER_REFRESH", ""),
        "rotate": True, "app_role": True,
        "user": args.user, "issuer": args.issuer, "audience": args.audience,
    }
    os.makedirs(d, exist_ok=True)
    save_state(d, state)
    write_key(d, state)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port),
                                             Handler)
    server.daemon_threads = True
    server.dir = d
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    tmp = os.path.join(d, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, os.path.join(d, "port"))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def cmd_set(args):
    state = load_state(args.dir)
    for kv in args.pairs:
        k, _, v = kv.partition("=")
        if k not in state:
            sys.exit("token_server: unknown setting %s" % k)
        if isinstance(state[k], bool):
            state[k] = v in ("1", "true", "yes")
        elif isinstance(state[k], int):
            state[k] = int(v)
        else:
            state[k] = v
    save_state(args.dir, state)


def cmd_mint(args):
    state = load_state(args.dir)
    token = mint(args.dir, state, args.lifetime)
    with open(os.path.join(args.dir, "issued"), "a") as f:
        f.write(token + "\n")
    print(token)


def main():
    p = argparse.ArgumentParser(description="test OAuth2 token endpoint")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("dir")
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--tenant", default="test-tenant")
    s.add_argument("--client-id", default="otpbox-test-client")
    s.add_argument("--lifetime", type=int, default=3599)
    s.add_argument("--user", default="catchall@example.test")
    s.add_argument("--issuer", default="https://sts.example.test/")
    s.add_argument("--audience", default="https://outlook.office365.com")
    s.set_defaults(func=cmd_serve)
    t = sub.add_parser("set")
    t.add_argument("dir")
    t.add_argument("pairs", nargs="+")
    t.set_defaults(func=cmd_set)
    m = sub.add_parser("mint")
    m.add_argument("dir")
    m.add_argument("--lifetime", type=int, default=None)
    m.set_defaults(func=cmd_mint)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
