# SPDX-License-Identifier: MIT
# Runs the claim statement documented in docs/audit.md, exactly as written
# there, from Python's sqlite3 module: the rules and a race between
# processes. Usage: sql_claim.py AUDIT_MD TESTDB_TOOL WORKDIR
import json
import multiprocessing
import re
import sqlite3
import subprocess
import sys
import time

audit, tool, work = sys.argv[1:4]
text = open(audit, encoding="utf-8").read()
m = re.search(r"<!-- claim-sql begin -->\s*```sql\n(.*?)```", text, re.S)
if not m:
    print("FAIL: no claim statement between the claim-sql markers")
    sys.exit(1)
CLAIM = m.group(1)
DB = work + "/sql.db"
failed = 0


def check(name, got, want):
    global failed
    if got == want:
        print("ok:", name)
    else:
        failed += 1
        print("FAIL: %s: got %r, wanted %r" % (name, got, want))


def add(address, code, age, kind="code", fetch_delay=0):
    subprocess.run([tool, "add", DB, address, kind, code, str(age),
                    str(fetch_delay)], check=True)
    db = sqlite3.connect(DB)
    try:
        return db.execute("SELECT max(id) FROM messages").fetchone()[0]
    finally:
        db.close()


def sender(message_id, address, authenticated, subject="Your code",
           copy_of=None):
    """Sets the sender facts otpbox fetch would have stored."""
    db = sqlite3.connect(DB, isolation_level=None)
    try:
        db.execute("UPDATE messages SET from_address = ?, from_domain ="
                   " substr(?, instr(?, '@') + 1), authenticated = ?,"
                   " subject = ?, copy_of = coalesce(?, copy_of)"
                   " WHERE id = ?", (address, address, address,
                                     authenticated, subject, copy_of,
                                     message_id))
    finally:
        db.close()


def claim(address, me="py", since=0, max_age=600, senders=None,
          subject=None, authenticated=0):
    db = sqlite3.connect(DB, timeout=10, isolation_level=None)
    try:
        rows = db.execute(CLAIM, {
            "address": address, "me": me, "since": since,
            "max_age": max_age,
            "senders": json.dumps(senders) if senders else None,
            "subject": subject, "authenticated": authenticated,
        }).fetchall()
    finally:
        db.close()
    return rows[0][0] if rows else None


def racer(address, gate, out):
    gate.wait()
    out.put(claim(address, me="racer"))


subprocess.run([tool, "create", DB], check=True)
now = int(time.time())
add("bot1@x.test", "111111", 30)
add("bot1@x.test", "222222", 10)
add("bot2@x.test", "333333", 10)
add("bot4@x.test", "444444", 50)
add("bot5@x.test", "https://v.test/5", 5, kind="link")
add("bot6@x.test", "666666", 700)
check("newest code", claim("bot1@x.test"), "222222")
check("claimed never again, superseded never", claim("bot1@x.test"), None)
check("case-insensitive address", claim("BOT2@X.Test"), "333333")
check("since excludes an older code", claim("bot4@x.test", since=now - 20),
      None)
check("inside since", claim("bot4@x.test", since=now - 60), "444444")
check("a link is not a code", claim("bot5@x.test"), None)
check("max_age excludes", claim("bot6@x.test"), None)
db = sqlite3.connect(DB)
check("claimed_by recorded",
      db.execute("SELECT claimed_by FROM otp_codes WHERE code = '222222'")
      .fetchone()[0], "py")
db.close()

# Sender filters: a forged newer code and a genuine older one.
sender(add("bot7@x.test", "700001", 30), "no-reply@bank.example", 1)
sender(add("bot7@x.test", "700002", 10), "no-reply@bank.example", 0)
sender(add("bot7@x.test", "700003", 5), "x@evilbank.example", 1)
check("--from and --authenticated: only the genuine code",
      claim("bot7@x.test", senders=["bank.example"], authenticated=1),
      "700001")
sender(add("bot8@x.test", "800001", 20), "a@login.bank.example", 0,
       subject="Your sign-in code")
sender(add("bot8@x.test", "800002", 10), "a@login.bank.example", 0,
       subject="Weekly news")
check("subdomain glob and subject",
      claim("bot8@x.test", senders=["*@*.bank.example"],
            subject="SIGN-IN"), "800001")
check("a refused code is not claimed by the filter",
      claim("bot8@x.test", senders=["other.example"]), None)
# Copies: the same message in another folder is the same claim.
first = add("bot9@x.test", "900001", 20)
check("claim the original", claim("bot9@x.test"), "900001")
sender(add("bot9@x.test", "900001", 20), None, 0, copy_of=first)
check("its copy is claimed too", claim("bot9@x.test"), None)
# A claimed code dated an hour ahead blocks nothing after it.
add("bot10@x.test", "100001", -3600, fetch_delay=-10)
check("future-dated code", claim("bot10@x.test"), "100001")
add("bot10@x.test", "100002", 5, fetch_delay=-5)
check("a later code after a future-dated claim", claim("bot10@x.test"),
      "100002")

add("bot3@x.test", "555555", 1)
gate = multiprocessing.Barrier(8)
out = multiprocessing.Queue()
procs = [multiprocessing.Process(target=racer, args=("bot3@x.test", gate, out))
         for _ in range(8)]
for p in procs:
    p.start()
results = [out.get(timeout=60) for _ in procs]
for p in procs:
    p.join()
check("8 processes race: one winner",
      sorted(r for r in results if r), ["555555"])
print("sql_claim: %s" % ("failed" if failed else "passed"))
sys.exit(1 if failed else 0)
