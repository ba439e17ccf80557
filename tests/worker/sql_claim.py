# SPDX-License-Identifier: MIT
# Runs the claim statement documented in docs/audit.md, exactly as written
# there, from Python's sqlite3 module: the rules and a race between
# processes. Usage: sql_claim.py AUDIT_MD TESTDB_TOOL WORKDIR
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


def add(address, code, age, kind="code"):
    subprocess.run([tool, "add", DB, address, kind, code, str(age)],
                   check=True)


def claim(address, me="py", since=0, max_age=600):
    db = sqlite3.connect(DB, timeout=10, isolation_level=None)
    try:
        rows = db.execute(CLAIM, {"address": address, "me": me,
                                  "since": since,
                                  "max_age": max_age}).fetchall()
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
