# SPDX-License-Identifier: MIT
# Runs the PostgreSQL claim statement documented in docs/audit.md, exactly
# as written there, through psql against the private test cluster (PGHOST
# etc. from tests/pg.sh, schema applied): the rules the SQLite statement
# has, and races of twenty connections for the same codes.
# Usage: claim.py AUDIT_MD PSQL WORKDIR
import json
import os
import random
import re
import subprocess
import sys
import time

audit, PSQL_BIN, work = sys.argv[1:4]
text = open(audit, encoding="utf-8").read()
m = re.search(r"<!-- claim-pg begin -->\s*```sql\n(.*?)```", text, re.S)
if not m:
    print("FAIL: no claim statement between the claim-pg markers")
    sys.exit(1)
CLAIM = m.group(1)
# psql ends PREPARE at the statement's own semicolon: the text is unchanged.
PREPARE = "PREPARE otpbox_claim AS\n" + CLAIM + "\n"
PSQL = [PSQL_BIN, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
GATE = 4242
failed = 0
now = int(time.time())
uid = 0


def check(name, got, want):
    global failed
    if got == want:
        print("ok:", name)
    else:
        failed += 1
        print("FAIL: %s: got %r, wanted %r" % (name, got, want))


def sql(script, env=None):
    """Runs SCRIPT in one session; returns its rows as lists of fields."""
    r = subprocess.run(PSQL, input=script, capture_output=True, text=True,
                       env=env)
    if r.returncode:
        raise RuntimeError("psql failed: %s" % r.stderr.strip())
    return [line.split("|") for line in r.stdout.splitlines() if line]


def one(script):
    rows = sql(script)
    return rows[0][0] if rows else None


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + v.replace("'", "''") + "'"


def execute(address, me="py", want="code", since=0, max_age=600, skew=None,
            senders=None, subject=None, authenticated=0, wait_id=None):
    args = [address, me, want, since, max_age, skew,
            None if senders is None else json.dumps(senders),
            subject, authenticated, wait_id]
    return "EXECUTE otpbox_claim(%s);\n" % ", ".join(lit(a) for a in args)


def claim(address, env=None, **kw):
    rows = sql(PREPARE + execute(address, **kw), env=env)
    return rows[0][0] if rows else None


def add(address, code, age, kind="code", fetched=0, folder=1, sender=None,
        authenticated=0, subject="Your code", copy_key=None):
    """Stores a message and its code as otpbox fetch would: received
    AGE seconds ago, fetched FETCHED seconds from now. Returns the
    message's id."""
    global uid
    uid += 1
    domain = sender.split("@", 1)[1] if sender else None
    return int(one(
        "WITH m AS (INSERT INTO messages (folder_id, uidvalidity, uid,"
        " content_hash, received_at, fetched_at, size, subject,"
        " from_address, from_domain, authenticated, copy_key)"
        " VALUES (%d, 1, %d, 'h%d', %d, %d, 100, %s, %s, %s, %d, %s)"
        " RETURNING id, received_at)"
        " INSERT INTO codes (message_id, address, kind, code, received_at)"
        " SELECT id, %s, %s, %s, received_at FROM m RETURNING message_id;"
        % (folder, uid, uid, now - age, now + fetched, lit(subject),
           lit(sender), lit(domain), authenticated, lit(copy_key),
           lit(address), lit(kind), lit(code))))


def wait_for(query, want, what):
    for _ in range(3000):  # 30 s: twenty psql starting on a busy machine
        if one(query) == want:
            return
        time.sleep(0.01)
    raise RuntimeError("timed out waiting for " + what)


def race(name, scripts):
    """Starts one psql per script, all blocked on an advisory lock this
    controller holds, then lets them go at once. Returns every row they
    printed."""
    gate = subprocess.Popen(PSQL, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    gate.stdin.write("SELECT pg_advisory_lock(%d);\n" % GATE)
    gate.stdin.flush()
    held = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
            " AND objid = %d AND granted" % GATE)
    wait_for(held, "1", "the gate")
    procs = []
    for i, body in enumerate(scripts):
        path = "%s/%s.%d.sql" % (work, name, i)
        with open(path, "w") as f:
            f.write(PREPARE + "SELECT pg_advisory_lock_shared(%d);\n" % GATE
                    + body)
        procs.append(subprocess.Popen(PSQL + ["-f", path],
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    waiting = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
               " AND objid = %d AND NOT granted" % GATE)
    wait_for(waiting, str(len(procs)), "the racers at the gate")
    gate.stdin.write("SELECT pg_advisory_unlock(%d);\n" % GATE)
    gate.stdin.close()
    gate.wait()
    rows = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        if p.returncode:
            raise RuntimeError("racer failed: " + err.strip())
        rows += [line.split("|")[0] for line in out.splitlines() if line]
    return rows


def tries(address, n=5):
    """A bot's loop: claim, and on nothing try again shortly."""
    return (execute(address, me="racer") + "SELECT pg_sleep(0.01);\n") * n


sql("INSERT INTO accounts (name, username, host) VALUES ('test', 'u', 'h');"
    " INSERT INTO folders (account_id, name) VALUES (1, 'INBOX'),"
    " (1, 'Junk');")
add("bot1@x.test", "111111", 30)
add("bot1@x.test", "222222", 10)
add("bot2@x.test", "333333", 10)
add("bot4@x.test", "444444", 50)
add("bot5@x.test", "https://v.test/5", 5, kind="link")
add("bot6@x.test", "666666", 700)
check("newest code", claim("bot1@x.test"), "222222")
check("claimed never again, superseded never", claim("bot1@x.test"), None)
check("case-insensitive address", claim("BOT2@X.Test"), "333333")
check("since excludes an older code",
      claim("bot4@x.test", since=now - 20, skew=0), None)
check("inside since", claim("bot4@x.test", since=now - 60, skew=0),
      "444444")
check("a link is not a code", claim("bot5@x.test"), None)
check("want link", claim("bot5@x.test", want="link"), "https://v.test/5")
check("max_age excludes", claim("bot6@x.test"), None)
check("claimed_by recorded",
      one("SELECT claimed_by FROM otp_codes WHERE code = '222222'"), "py")
wait_id = one("INSERT INTO waits (address, window_start, started_at)"
              " VALUES ('bot11@x.test', 0, 0) RETURNING id")
add("bot11@x.test", "110001", 5)
claim("bot11@x.test", wait_id=int(wait_id))
check("wait_id recorded",
      one("SELECT wait_id FROM otp_codes WHERE code = '110001'"), wait_id)

# Sender filters: a forged newer code and a genuine older one.
add("bot7@x.test", "700001", 30, sender="no-reply@bank.example",
    authenticated=1)
add("bot7@x.test", "700002", 10, sender="no-reply@bank.example")
add("bot7@x.test", "700003", 5, sender="x@evilbank.example", authenticated=1)
check("senders and authenticated: only the genuine code",
      claim("bot7@x.test", senders=["bank.example"], authenticated=1),
      "700001")
add("bot8@x.test", "800001", 20, sender="a@login.bank.example",
    subject="Your sign-in code")
add("bot8@x.test", "800002", 10, sender="a@login.bank.example",
    subject="Weekly news")
check("subdomain glob and subject",
      claim("bot8@x.test", senders=["*@*.bank.example"], subject="SIGN-IN"),
      "800001")
check("a refused code is not claimed by the filter",
      claim("bot8@x.test", senders=["other.example"]), None)
add("bot12@x.test", "120001", 10, sender="x@axb.example")
check("_ in a glob is no wildcard",
      claim("bot12@x.test", senders=["*@a_b.example"]), None)
check("an address pattern, any case",
      claim("bot12@x.test", senders=["X@AXB.example"]), "120001")

# Copies: the same message in another folder is the same claim; the
# trigger links them by copy_key.
first = add("bot9@x.test", "900001", 20, copy_key="k9")
check("claim the original", claim("bot9@x.test"), "900001")
copy = add("bot9@x.test", "900001", 20, folder=2, copy_key="k9")
check("the trigger gives a copy the first one's copy_of",
      one("SELECT copy_of FROM messages WHERE id = %d" % copy), str(first))
check("its copy is claimed too", claim("bot9@x.test"), None)
# A claimed code dated an hour ahead blocks nothing after it.
add("bot10@x.test", "100001", -3600, fetched=-10)
check("future-dated code", claim("bot10@x.test"), "100001")
add("bot10@x.test", "100002", 5, fetched=-5)
check("a later code after a future-dated claim", claim("bot10@x.test"),
      "100002")

# A claimer never waits for a transaction that holds a code.
add("bot13@x.test", "130001", 5)
holder = subprocess.Popen(PSQL, stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, text=True)
holder.stdin.write("BEGIN; SELECT id FROM codes WHERE code = '130001'"
                   " FOR UPDATE;\n")
holder.stdin.flush()
wait_for("SELECT count(*) FROM pg_stat_activity WHERE state ="
         " 'idle in transaction' AND datname = current_database()", "1",
         "the holding transaction")
env = dict(os.environ, PGOPTIONS="-c statement_timeout=5000")
t0 = time.monotonic()
check("a held code: nothing now, no waiting", claim("bot13@x.test", env=env),
      None)
check("answered at once", time.monotonic() - t0 < 4, True)
holder.stdin.write("ROLLBACK;\n")
holder.stdin.close()
holder.wait()
check("released: claimed", claim("bot13@x.test"), "130001")

# Two hosts store copies of one message at the same moment: the second
# insert waits for the first and is linked to it.
a = subprocess.Popen(PSQL, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     text=True)
a.stdin.write("BEGIN; INSERT INTO messages (folder_id, uidvalidity, uid,"
              " content_hash, received_at, fetched_at, size, copy_key)"
              " VALUES (1, 2, 1, 'a', 1, 1, 1, 'race') RETURNING id;\n")
a.stdin.flush()
first = a.stdout.readline().strip()
b = subprocess.Popen(PSQL + ["-c", "INSERT INTO messages (folder_id,"
                             " uidvalidity, uid, content_hash, received_at,"
                             " fetched_at, size, copy_key) VALUES (2, 2, 1,"
                             " 'b', 1, 1, 1, 'race') RETURNING copy_of"],
                     stdout=subprocess.PIPE, text=True)
wait_for("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
         " AND classid = 1869901922 AND NOT granted", "1",
         "the second insert to wait")
a.stdin.write("COMMIT;\n")
a.stdin.close()
a.wait()
check("copies stored at once are linked", b.communicate()[0].strip(), first)

# Races: twenty connections, each a bot trying a few times.
add("bot3@x.test", "555555", 1)
got = race("one", [tries("bot3@x.test") for _ in range(20)])
check("20 connections race for one code: one winner", got, ["555555"])
add("bot14@x.test", "140001", 20)
add("bot14@x.test", "140002", 10)
got = race("resend", [tries("bot14@x.test") for _ in range(20)])
check("race for a code and its resend: the new one, once", got, ["140002"])
add("bot15@x.test", "150001", 10, copy_key="k15")
add("bot15@x.test", "150001", 10, folder=2, copy_key="k15")
got = race("copies", [tries("bot15@x.test") for _ in range(20)])
check("race for a message in two folders: one claim", got, ["150001"])
check("one row of the two claimed",
      one("SELECT count(*) FROM codes WHERE address = 'bot15@x.test'"
          " AND claimed_at IS NOT NULL"), "1")
addresses = ["race%d@x.test" % i for i in range(10)]
for i, address in enumerate(addresses):
    add(address, "%06d" % (200000 + i), 5)
scripts = []
rng = random.Random(7)
for _ in range(20):
    order = addresses * 3
    rng.shuffle(order)
    scripts.append("".join(execute(a, me="racer") for a in order))
got = race("ten", scripts)
check("20 connections race for 10 codes: 10 claims, no duplicates",
      sorted(got), ["%06d" % (200000 + i) for i in range(10)])

# Measured skew: every message here was fetched 8 s after it arrived
# (one 400 s late: a backlog, left out), so since moves back 8 s.
sql("TRUNCATE accounts RESTART IDENTITY CASCADE;"
    " INSERT INTO accounts (name, username, host) VALUES ('test', 'u', 'h');"
    " INSERT INTO folders (account_id, name) VALUES (1, 'INBOX');")
add("skew1@x.test", "300001", 25, fetched=-17)
add("skew2@x.test", "300002", 25, fetched=-17)
add("late@x.test", "300003", 500, fetched=-100)
check("skew 0: a code 5 s before since is out",
      claim("skew1@x.test", since=now - 20, skew=0), None)
check("measured skew (8 s): it is in",
      claim("skew2@x.test", since=now - 20), "300002")

print("claim: %s" % ("failed" if failed else "passed"))
sys.exit(1 if failed else 0)
