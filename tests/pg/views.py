# SPDX-License-Identifier: MIT
# The audit views give the same rows on both engines: the same data goes
# into an SQLite file made by otpbox's store and into the PostgreSQL test
# database, and otp_codes, missed_otps (every reason, filtered_by for
# each filter) and active_waits are compared row by row.
# Usage: views.py SQLITE_DB PSQL
import sqlite3
import subprocess
import sys
import time

db_path, psql = sys.argv[1:3]
now = int(time.time())
rows = []
failed = 0


def row(table, **cols):
    rows.append("INSERT INTO %s (%s) VALUES (%s);" % (
        table, ", ".join(cols),
        ", ".join("NULL" if v is None else str(v) if isinstance(v, int)
                  else "'" + v.replace("'", "''") + "'"
                  for v in cols.values())))


mid = 0


def message(address, age, fetched=0, folder=1, sender=None, auth=0,
            subject="Your code", code=None, copy_key=None, claimed=None,
            wait_id=None, kind="code"):
    """A message for ADDRESS received AGE s ago, fetched FETCHED s from
    now, with a code unless CODE is None."""
    global mid
    mid += 1
    domain = sender.split("@", 1)[1] if sender else None
    row("messages", id=mid, folder_id=folder, uidvalidity=1, uid=mid,
        content_hash="h%d" % mid, received_at=now - age,
        fetched_at=now + fetched, size=100, subject=subject,
        sender=sender, from_address=sender, from_domain=domain,
        authenticated=auth, copy_key=copy_key)
    row("recipients", message_id=mid, address=address, header="To")
    if code:
        row("codes", id=mid, message_id=mid, address=address, kind=kind,
            code=code, received_at=now - age,
            claimed_at=None if claimed is None else now - claimed,
            claimed_by=None if claimed is None else "other",
            wait_id=wait_id)


def wait(wid, address, started, ended, outcome="timeout", deadline=None,
         senders=None, subject=None, auth=0, want="code"):
    row("waits", id=wid, address=address, worker="w%d" % wid, pid=wid,
        want=want, window_start=now - started - 5, started_at=now - started,
        ended_at=None if ended is None else now - ended, outcome=outcome,
        deadline=deadline, from_filter=senders, subject_filter=subject,
        require_authenticated=auth)


row("accounts", id=1, name="test", username="u", host="h")
row("folders", id=1, account_id=1, name="INBOX")
row("folders", id=2, account_id=1, name="Junk")
# 1: another wait took the code; 2: took a copy of it in Junk
wait(1, "a@x.test", 100, 40)
wait(50, "a@x.test", 100, 60, outcome="claimed")
message("a@x.test", 90, fetched=-89, code="100001", claimed=70, wait_id=50)
wait(2, "b@x.test", 100, 40)
message("b@x.test", 90, fetched=-89, code="200001", copy_key="kb",
        claimed=70)
# (a second earlier: the views break no ties in received_at)
message("b@x.test", 91, fetched=-80, folder=2, code="200001",
        copy_key="kb")
# 3-6: refused by each filter (and a glob that lets one through)
wait(3, "c@x.test", 100, 40, senders='["bank.example"]')
message("c@x.test", 90, fetched=-89, sender="x@evil.example", code="300001")
wait(4, "d@x.test", 100, 40, senders='["*@*.bank.example"]',
     subject="sign-in")
message("d@x.test", 90, fetched=-89, sender="a@login.bank.example",
        subject="Weekly news", code="400001")
wait(5, "e@x.test", 100, 40, auth=1)
message("e@x.test", 90, fetched=-89, sender="a@bank.example", code="500001")
wait(6, "f@x.test", 100, 40, senders='["*@*.other.example", "A_B.example"]')
message("f@x.test", 90, fetched=-89, sender="a@axb.example", code="600001")
# 7: late; 8: no code; 9: nothing; 10: a wait killed before its deadline
wait(7, "g@x.test", 100, 40)
message("g@x.test", 90, fetched=-30, code="700001")
wait(8, "h@x.test", 100, 40)
message("h@x.test", 90, fetched=-89)
wait(9, "i@x.test", 100, 40)
wait(10, "j@x.test", 100, None, outcome="waiting", deadline=now - 10)
# waiting now (active_waits), and a link for an 'any' wait
wait(11, "k@x.test", 10, None, outcome="waiting", deadline=now + 600,
     senders='["bank.example"]', subject="code", auth=1)
wait(12, "l@x.test", 10, None, outcome="waiting", want="any")
wait(13, "m@x.test", 100, 40, outcome="error", want="link")
message("m@x.test", 90, fetched=-89, code="https://v.test/m", kind="link",
        claimed=60)
script = "\n".join(rows) + "\n"

db = sqlite3.connect(db_path)
db.executescript("BEGIN;\n" + script + "COMMIT;\n")
r = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1"],
                   input=script, capture_output=True, text=True)
if r.returncode:
    print("FAIL: PostgreSQL refused the data: " + r.stderr.strip())
    sys.exit(1)


def sqlite_rows(query):
    return ["|".join("" if v is None else str(v) for v in t)
            for t in db.execute(query).fetchall()]


def pg_rows(query):
    r = subprocess.run([psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-c", query], capture_output=True, text=True)
    if r.returncode:
        return ["psql failed: " + r.stderr.strip()]
    return r.stdout.splitlines()


for view, order in (("otp_codes", "code_id"), ("missed_otps", "wait_id"),
                    ("active_waits", "wait_id")):
    query = "SELECT * FROM %s ORDER BY %s" % (view, order)
    want, got = sqlite_rows(query), pg_rows(query)
    if want == got and want:
        print("ok: %s: the same %d rows" % (view, len(want)))
    else:
        failed += 1
        print("FAIL: %s differs" % view)
        for w, g in zip(want + [""] * len(got), got + [""] * len(want)):
            if w != g:
                print("    SQLite:     " + w)
                print("    PostgreSQL: " + g)
reasons = sorted(set(sqlite_rows("SELECT reason || ' ' ||"
                                 " coalesce(filtered_by, '-')"
                                 " FROM missed_otps")))
want = ["claimed_by_other -", "filtered authenticated", "filtered from",
        "filtered subject", "late -", "no_code -", "no_message -"]
if reasons == want:
    print("ok: every reason and filter is among the rows compared")
else:
    failed += 1
    print("FAIL: reasons covered: %r, wanted %r" % (reasons, want))
sys.exit(1 if failed else 0)
