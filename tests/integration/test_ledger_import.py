"""Importing past exchanges from a CSV file, on SQLite and PostgreSQL: every problem named by its
line with nothing written, a good file posted through the ledger, the same file again adding
nothing, group sessions as one entry, the command line, the upload page, and a 100k-row file in
bounded memory (SQLite)."""
import csv
import io
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.coordinate_support import activity, count, sign_in, text
from timebank.extensions import db
from timebank.ledger import close_period, verify
from timebank.models import Account, AuditEvent, Entry, EntryKind, Posting
from timebank.services.communities import create_community
from timebank.services.ledger_import import LedgerImportRejected, import_ledger
from timebank.services.people import add_membership, create_user, member_account

ROOT = Path(__file__).resolve().parents[2]
HEADER = "date,giver_email,receiver_email,minutes,activity,note\n"


@pytest.fixture
def world(community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice")
    bola, bola_account = make_member(kind="volunteer", name="Bola")
    chen, chen_account = make_member(kind="carer", name="Chen")
    dev, dev_account = make_member(kind="volunteer", name="Dev")
    return SimpleNamespace(
        community=community, cora=cora,
        alice=alice.user.email, bola=bola.user.email, chen=chen.user.email, dev=dev.user.email,
        accounts={alice.user.email: alice_account.id, bola.user.email: bola_account.id,
                  chen.user.email: chen_account.id, dev.user.email: dev_account.id},
        day=(community.today() - timedelta(days=3)).isoformat(),
    )


def run(world, content: str, **kw):
    return import_ledger(world.community, io.BytesIO(content.encode()), recorded_by_id=kw.pop("recorded_by_id", world.cora.user_id), **kw)


def ledger_state(community_id: int) -> tuple:
    balances = sorted(db.session.execute(select(Account.id, Account.balance, Account.sequence).where(Account.community_id == community_id)).tuples())
    return count(Entry, Entry.community_id == community_id), count(Posting), balances


def balances(world) -> dict[str, int]:
    db.session.expire_all()
    return {email: db.session.get(Account, account_id).balance for email, account_id in world.accounts.items()}


def months_back(community, n: int) -> date:
    month = community.today().replace(day=1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


# -- checking -----------------------------------------------------------------------------------


def test_a_file_with_problems_on_several_lines_changes_nothing_and_names_every_line(world, make_member):
    w = world
    closed = months_back(w.community, 2)
    close_period(w.community.id, closed, closed_by_id=None)
    _, tight = make_member(name="Tight", floor=0)
    tight_email = db.session.get(Account, tight.id).membership.user.email
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    stranger = create_user("stranger@elsewhere.example", "Stranger")
    add_membership(stranger, elsewhere, role="member", kind_code="volunteer", joined_on=date(2026, 1, 1))
    db.session.commit()
    before = ledger_state(w.community.id)
    future = (w.community.today() + timedelta(days=1)).isoformat()
    content = (
        HEADER
        + f"{w.day},{w.alice},{w.bola},60,Gardening,fine\n"                  # 2: good
        + f"14/03/2026,{w.alice},{w.bola},60,,\n"                           # 3: date format
        + f"{future},{w.alice},{w.bola},60,,\n"                             # 4: future
        + f"{w.day},nobody@example.org,{w.bola},60,,\n"                     # 5: unknown email
        + f"{w.day},{w.alice},{w.bola},1.5,,\n"                             # 6: minutes
        + f"{w.day},{w.alice},{w.bola},60,Juggling,\n"                      # 7: activity
        + f"{w.day},{w.alice},{w.alice.upper()},60,,\n"                     # 8: self
        + f"{w.day},{w.alice},{tight_email},30,,\n"                         # 9: floor 0
        + f"{(closed + timedelta(days=3)).isoformat()},{w.alice},{w.bola},60,,\n"  # 10: closed month
        + f"{w.day},{w.alice},{w.bola},60,,,\n"                             # 11: an extra cell is ignored
        + f"{w.day},{w.alice},stranger@elsewhere.example,0,,\n"             # 12: another community, zero
        + "\n"                                                              # 13: blank, skipped
        + f"{w.day},{w.bola},{w.alice},1441,Gardening,\n"                   # 14: too long
    )
    with pytest.raises(LedgerImportRejected) as caught:
        run(w, content)
    problems = dict(caught.value.problems)
    assert sorted(problems) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 14], problems
    assert caught.value.total == 10
    assert "YYYY-MM-DD" in problems[3]
    assert "future" in problems[4]
    assert "nobody@example.org" in problems[5]
    assert "whole number" in problems[6] and "1.5" in problems[6]
    assert "Juggling" in problems[7]
    assert "same person" in problems[8]
    assert tight_email in problems[9] and "30 min below" in problems[9]
    assert "closed" in problems[10]
    assert "stranger@elsewhere.example" in problems[12] and "whole number" in problems[12]
    assert "1441" in problems[14]
    db.session.rollback()
    assert ledger_state(w.community.id) == before
    assert count(AuditEvent, AuditEvent.action == "ledger.import") == 0


def test_missing_columns_an_empty_file_and_one_not_in_utf8_are_refused(world):
    with pytest.raises(LedgerImportRejected) as caught:
        run(world, "date,giver,receiver_email,minutes\n2026-01-01,a,b,1\n")
    ((line, message),) = caught.value.problems
    assert line == 1 and "giver_email, activity, note" in message
    with pytest.raises(LedgerImportRejected) as caught:
        run(world, HEADER)
    assert caught.value.problems == [(2, "The file has no exchanges in it.")]
    with pytest.raises(LedgerImportRejected) as caught:
        import_ledger(world.community, io.BytesIO((HEADER + f"{world.day},{world.alice},{world.bola},60,,caf").encode() + b"\xe9\n"), recorded_by_id=None)
    assert "UTF-8" in caught.value.problems[0][1]


def test_limits_are_simulated_in_file_order(world, make_member):
    w = world
    _, low = make_member(name="Low", floor=-60, ceiling=None)
    low_email = db.session.get(Account, low.id).membership.user.email
    before = ledger_state(w.community.id)
    # Giving first makes room to receive later; the other way round would not.
    run(w, HEADER + f"{w.day},{low_email},{w.alice},30,,\n{w.day},{w.bola},{low_email},90,,\n")
    db.session.rollback()
    with pytest.raises(LedgerImportRejected) as caught:
        run(w, HEADER + f"{w.day},{w.bola},{low_email},60,,\n{w.day},{w.bola},{low_email},30,,\n{w.day},{low_email},{w.alice},30,,\n")
    assert [line for line, _ in caught.value.problems] == [3]
    db.session.rollback()
    assert ledger_state(w.community.id) == before


# -- importing ----------------------------------------------------------------------------------


def good_file(w) -> str:
    return (
        HEADER
        + f"{w.day},{w.alice},{w.bola},60,gardening,Weeding the front beds\n"
        + f"{w.day},{w.bola},{w.chen},45,Shopping and errands,\n"
        + f"{w.day},{w.alice},{w.bola},60,gardening,Weeding the front beds\n"  # the same again: a second entry
        + f"{w.day},{w.dev.upper()},{w.alice},30,,\n"
    )


def test_a_good_file_imports_through_the_ledger(world):
    w = world
    result = run(w, good_file(w))
    db.session.commit()
    assert (result.rows, result.entries, result.created, result.existing) == (4, 4, 4, 0)
    assert balances(w) == {w.alice: 90, w.bola: -75, w.chen: -45, w.dev: 30}
    entries = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    assert [e.kind for e in entries] == [EntryKind.EXCHANGE] * 4
    first = entries[0]
    assert first.recorded_by_id == w.cora.user_id and first.confirmation == "recorder"
    assert first.note == "Weeding the front beds" and first.activity_id == activity(w.community, "Gardening")
    assert first.occurred_on.isoformat() == w.day and entries[3].note is None and entries[3].activity_id is None
    assert first.idempotency_key.startswith("import:") and len({e.idempotency_key for e in entries}) == 4
    assert all(check.ok for check in verify()), [c for c in verify() if not c.ok]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.import")).one()
    assert event.actor_id == w.cora.user_id and event.details == {"rows": 4, "entries": 4, "created": 4, "existing": 0}


def test_the_same_file_again_adds_nothing_even_after_its_month_closes(world):
    w = world
    w.day = (months_back(w.community, 1) + timedelta(days=4)).isoformat()
    run(w, good_file(w))
    db.session.commit()
    before = ledger_state(w.community.id)
    close_period(w.community.id, months_back(w.community, 1), closed_by_id=None)
    db.session.commit()
    again = run(w, good_file(w), recorded_by_id=None)
    db.session.commit()
    assert (again.created, again.existing) == (0, 4)
    assert ledger_state(w.community.id) == before
    # One line more: only it is new.
    bigger = good_file(w) + f"{w.community.today().isoformat()},{w.chen},{w.dev},15,,\n"
    third = run(w, bigger)
    db.session.commit()
    assert (third.created, third.existing) == (1, 4)
    assert all(check.ok for check in verify())


def test_group_rows_form_one_entry_with_each_receivers_minutes(world):
    w = world
    content = (
        "kind,date,giver_email,receiver_email,minutes,activity,note\n"
        f"group_session,{w.day},{w.alice},{w.bola},60,Peer support,Tuesday group\n"
        f"group_session,{w.day},{w.alice},{w.chen},30,peer support,Tuesday group\n"
        f"GROUP_SESSION,{w.day},{w.alice},{w.dev},90,Peer support,Tuesday group\n"
        f"group_session,{w.day},{w.alice},{w.bola},20,Peer support,Another group\n"  # another note: another session
        f"exchange,{w.day},{w.bola},{w.chen},10,,\n"
        f",{w.day},{w.chen},{w.dev},5,,\n"
    )
    result = run(w, content)
    db.session.commit()
    assert (result.rows, result.entries, result.created) == (6, 4, 4)
    sessions = db.session.scalars(select(Entry).where(Entry.kind == EntryKind.GROUP_SESSION).order_by(Entry.id)).all()
    assert len(sessions) == 2
    legs = {(p.account_id, p.minutes) for p in sessions[0].postings}
    a = w.accounts
    assert legs == {(a[w.alice], 180), (a[w.bola], -60), (a[w.chen], -30), (a[w.dev], -90)}
    assert sessions[0].note == "Tuesday group" and len(sessions[1].postings) == 2
    assert balances(w) == {w.alice: 200, w.bola: -70, w.chen: -35, w.dev: -95}
    assert all(check.ok for check in verify())
    assert run(w, content).created == 0


def test_a_person_twice_in_one_group_session_is_a_problem(world):
    w = world
    content = (
        "kind,date,giver_email,receiver_email,minutes,activity,note\n"
        f"group_session,{w.day},{w.alice},{w.bola},60,,\n"
        f"group_session,{w.day},{w.alice},{w.chen},60,,\n"
        f"group_session,{w.day},{w.alice},{w.bola},60,,\n"
        f"meeting,{w.day},{w.alice},{w.bola},60,,\n"
    )
    with pytest.raises(LedgerImportRejected) as caught:
        run(w, content)
    problems = dict(caught.value.problems)
    assert sorted(problems) == [4, 5]
    assert f"{w.bola} is already in the group session on line 2" in problems[4]
    assert "meeting" in problems[5]


# -- the command line ---------------------------------------------------------------------------


def test_the_command_imports_a_file_and_a_second_time_adds_nothing(world, runner, tmp_path):
    w = world
    path = tmp_path / "past.csv"
    path.write_text(good_file(w))
    result = runner.invoke(args=["ledger", "import", str(path), "--as", w.cora.user.email.upper()])
    assert result.exit_code == 0, result.output
    assert f"Imported {path} into riverside: 4 rows, 4 entries created, 0 already there." in result.output
    assert db.session.scalars(select(Entry.recorded_by_id)).all() == [w.cora.user_id] * 4
    again = runner.invoke(args=["ledger", "import", str(path), "--community", "riverside"])
    assert again.exit_code == 0, again.output
    assert "0 entries created, 4 already there" in again.output
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_the_command_lists_every_problem_by_line_and_exits_1(world, runner, tmp_path):
    w = world
    path = tmp_path / "past.csv"
    path.write_text(HEADER + f"{w.day},{w.alice},{w.bola},60,,\nyesterday,{w.alice},{w.bola},60,,\n{w.day},{w.alice},x@example.org,60,,\n")
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("line 3: the date") and lines[1].startswith("line 4: nobody")
    assert lines[2:] == ["Error: Nothing was imported: the file has 2 problems."]
    assert count(Entry) == 0


def test_the_command_caps_the_problems_it_prints(world, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "".join(f"not-a-date,{world.alice},{world.bola},60,,\n" for _ in range(230)))
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("line 2: ") and lines[199].startswith("line 201: ")
    assert lines[200:] == ["and 30 more", "Error: Nothing was imported: the file has 230 problems."]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as", "nobody@example.org"], "nobody@example.org is not a coordinator of riverside"),
        (["--community", "nowhere"], "There is no community called nowhere"),
        (["--format", "csv"], "No such option"),
    ],
)
def test_the_command_answers_bad_options_in_one_line(world, runner, tmp_path, args, message):
    path = tmp_path / "past.csv"
    path.write_text(good_file(world))
    result = runner.invoke(args=["ledger", "import", str(path), *args])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], result.output
    assert count(Entry) == 0


def test_the_command_needs_a_file_and_a_community_when_there_are_several(world, runner, tmp_path):
    missing = runner.invoke(args=["ledger", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code != 0 and missing.output.startswith("Error: ") and len(missing.output.strip().splitlines()) == 1
    create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    path = tmp_path / "past.csv"
    path.write_text(good_file(world))
    several = runner.invoke(args=["ledger", "import", str(path)])
    assert several.exit_code == 1 and several.output.strip() == "Error: Say which community with --community SLUG."


# -- the upload page ----------------------------------------------------------------------------


def upload(client, content: str, action="import"):
    data = {"file": (io.BytesIO(content.encode()), "past.csv"), "action": action, "submission_id": f"s-{time.monotonic_ns()}"}
    return client.post("/coordinate/ledger/import", data=data, content_type="multipart/form-data")


def test_the_page_imports_a_good_file_and_says_what_it_did(world, client, auth):
    w = world
    sign_in(auth, w.cora)
    page = client.get("/coordinate/ledger/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="submission_id"' in html and '<label for="file">' in html
    assert "group_session" in html and "giver_email" in html
    assert "/coordinate/ledger/import" in client.get("/coordinate/").get_data(as_text=True)
    response = upload(client, good_file(w))
    assert response.status_code == 303 and response.headers["Location"] == "/coordinate/ledger/import"
    assert "Imported 4 rows: 4 new entries, 0 already in the ledger." in text(client.get(response.headers["Location"]))
    assert balances(w)[w.alice] == 90
    assert db.session.scalars(select(Entry.recorded_by_id)).all() == [w.cora.user_id] * 4
    assert "Imported 4 rows: 0 new entries, 4 already in the ledger." in text(client.get(upload(client, good_file(w)).headers["Location"]))
    assert count(Entry) == 4


def test_the_page_checks_a_file_without_recording_it(world, client, auth):
    sign_in(auth, world.cora)
    response = upload(client, good_file(world), action="check")
    assert response.status_code == 200
    assert "4 new entries would be recorded, and 0 are already in the ledger" in text(response)
    assert count(Entry) == 0 and count(AuditEvent) == 0


def test_the_page_lists_every_problem_by_line_and_keeps_nothing(world, client, auth):
    w = world
    sign_in(auth, w.cora)
    before = ledger_state(w.community.id)
    content = HEADER + f"{w.day},{w.alice},{w.bola},60,,\n{w.day},{w.alice},{w.bola},-5,,\n{w.day},{w.alice},{w.bola},60,Juggling,\n"
    response = upload(client, content)
    assert response.status_code == 422
    shown = text(response)
    assert shown.startswith("Error:") or "Error:" in shown.split("Import past exchanges")[0]
    assert "There is a problem" in shown
    assert "Line 3: the minutes “-5” must be a whole number" in shown and "Line 4: the activity “Juggling”" in shown
    assert "Line 2" not in shown
    db.session.expire_all()
    assert ledger_state(w.community.id) == before
    missing = client.post("/coordinate/ledger/import", data={"action": "import"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Choose a CSV file" in text(missing)


def test_the_page_is_not_found_for_a_member_who_is_not_a_coordinator(world, client, auth, make_member):
    member, _ = make_member(name="Just A Member")
    sign_in(auth, member)
    assert client.get("/coordinate/ledger/import").status_code == 404
    assert upload(client, good_file(world)).status_code == 404
    assert count(Entry) == 0


# -- a big file ---------------------------------------------------------------------------------


ROWS = 100_000
PEOPLE = 200


def write_big_file(path, emails: list[str], today: date) -> None:
    """ROWS rows: mostly exchanges round a ring of people (so balances stay small), with a group
    session of five every 50 rows."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "giver_email", "receiver_email", "minutes", "activity", "note", "kind"])
        n = 0
        while n < ROWS:
            day = (today - timedelta(days=1 + n % 300)).isoformat()
            giver = emails[n % len(emails)]
            if n % 50 == 0:
                for k in range(1, 6):
                    writer.writerow([day, giver, emails[(n + k) % len(emails)], 10 * k, "Peer support", f"session {n}", "group_session"])
                n += 5
            else:
                writer.writerow([day, giver, emails[(n + 1) % len(emails)], 15 + n % 90, "Gardening", f"row {n}", ""])
                n += 1


#: Imports the file in a process of its own and reports its peak memory growth. Measured by the
#: process's peak resident size (VmHWM) rather than tracemalloc, which made the import five times slower
#: (20k rows: 24 s, then 115 s) and this test several minutes long.
CHILD = """
import json, resource, sys, time
from sqlalchemy import select
import config
from timebank import create_app
from timebank.extensions import db
from timebank.models import Community
from timebank.services.ledger_import import import_ledger

url, path = sys.argv[1:3]
app = create_app(type("Child", (config.Testing,), {"SQLALCHEMY_DATABASE_URI": url}))
with app.app_context():
    community = db.session.scalar(select(Community))
    with open("/proc/self/statm") as statm:
        resident = int(statm.read().split()[1]) * resource.getpagesize()
    start = time.perf_counter()
    with open(path, "rb") as stream:
        result = import_ledger(community, stream, recorded_by_id=None)
    db.session.commit()
    seconds = time.perf_counter() - start
    # VmHWM, the peak of this process's own memory: ru_maxrss would carry over the peak of the
    # pytest process it was forked from (Linux keeps it across fork and exec).
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) * 1024
    print(json.dumps({"rows": result.rows, "entries": result.entries, "created": result.created,
                      "seconds": seconds, "growth": peak - resident}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="measures memory through Linux's /proc")
def test_a_100k_row_file_imports_in_bounded_memory(sqlite_app, tmp_path):
    community = create_community("riverside", "Riverside Timebank")
    emails = []
    for i in range(PEOPLE):
        user = create_user(f"member{i}@riverside.example", f"Member {i}")
        membership = add_membership(user, community, role="member", kind_code="volunteer", joined_on=date(2025, 1, 1))
        account = member_account(membership.id)
        account.floor, account.ceiling = None, None
        emails.append(user.email)
    db.session.commit()
    path = tmp_path / "big.csv"
    write_big_file(path, emails, community.today())

    url = db.engine.url.render_as_string(hide_password=False)
    db.session.rollback()  # no transaction here may hold SQLite's write lock while the child imports
    child = subprocess.run([sys.executable, "-c", CHILD, url, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["rows"] == ROWS and report["created"] == report["entries"] == ROWS - ROWS // 50 * 4
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Entry.id))) == report["entries"]
    assert db.session.scalar(select(func.sum(Account.balance)).where(Account.community_id == community.id)) == 0
    # The file's rows held as Python objects would take hundreds of MB; the import holds one
    # batch of entries and a counter a distinct row (about 40 MB of growth for this 9 MB file).
    size = path.stat().st_size
    assert report["growth"] < 50_000_000, f"grew {report['growth'] / 1e6:.1f} MB importing a {size / 1e6:.1f} MB file"
    print(f"100k rows in {report['seconds']:.1f} s, memory grew {report['growth'] / 1e6:.1f} MB, file {size / 1e6:.1f} MB")
