"""The exports agree with the app (DESIGN.md section 4): anyone can recompute the balances
without the app, with ledger-cli, hledger or a spreadsheet over the CSV."""

import csv
import io
import random
import shutil
import subprocess
from collections import Counter, defaultdict
from datetime import date

import pytest
from conftest import TODAY
from sqlalchemy import func, select

import config
from timebank import ledger
from timebank.errors import LimitExceeded
from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, exchange
from timebank.ledger.export import BALANCE_COLUMNS, CSV_COLUMNS, account_names
from timebank.models import Account, Posting, User
from timebank.services.communities import create_community, create_organisation_account, pot_account

SECRET_NOTE = "Mrs Example's memory clinic appointment"


def months_ago(n: int, day: int = 15) -> date:
    today = TODAY
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, day)


@pytest.fixture
def book(community, make_member):
    """A ledger built through the core: exchanges among members of every kind (some big enough
    that balances pass 1000 minutes), a group session, donations to the pot and a grant out of
    it, an organisation, a reversal, a member with no postings, and a second community."""
    rng = random.Random(20261126)
    kinds = ["service_user", "carer", "volunteer", "professional"]
    members = [make_member(kind=kinds[i % 4], floor=-6000, ceiling=60000)[1] for i in range(8)]
    idle = make_member(kind="carer")[1]  # never posts: balance 0
    clinic = create_organisation_account(community.id, "Riverside Clinic", floor=None)
    pot = pot_account(community.id)
    db.session.commit()
    c = community.id

    posted = []

    def post(spec):
        try:
            entry, _ = ledger.post_entry(spec)
        except LimitExceeded:
            db.session.rollback()
            return None
        db.session.commit()
        posted.append(entry.id)
        return entry

    for _ in range(36):
        giver, receiver = rng.sample(members, 2)
        post(
            exchange(c, giver.id, receiver.id, rng.randint(15, 600), months_ago(rng.randint(1, 4), rng.randint(1, 28)))
        )
    post(exchange(c, members[0].id, members[1].id, 45, months_ago(2), note=SECRET_NOTE))
    post(
        EntrySpec(
            community_id=c,
            kind="group_session",
            occurred_on=months_ago(2),
            postings=(PostingSpec(members[2].id, 240), *(PostingSpec(m.id, -60) for m in members[3:7])),
            coproduction_step="do_together",
            ladder_rung="co_production",
        )
    )
    post(exchange(c, members[3].id, clinic.id, 180, months_ago(1)))  # a volunteer's time to the clinic
    post(exchange(c, clinic.id, members[4].id, 60, months_ago(1)))
    post(exchange(c, pot.id, members[5].id, 120, months_ago(1), kind="donation"))
    post(exchange(c, pot.id, members[6].id, 30, months_ago(1), kind="donation"))
    post(exchange(c, members[7].id, pot.id, 100, months_ago(1), kind="grant"))
    mistaken = post(exchange(c, members[0].id, members[7].id, 75, months_ago(3)))
    reversal, _ = ledger.reverse_entry(c, mistaken.id, reason="logged against the wrong person", actor_id=None)
    db.session.commit()

    hillside = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    far = [make_member(target=hillside)[1] for _ in range(2)]
    post(exchange(hillside.id, far[0].id, far[1].id, 90, months_ago(1)))

    assert all(check.ok for check in ledger.verify())
    assert len(posted) > 30
    return {
        "members": members,
        "idle": idle,
        "clinic": clinic,
        "pot": pot,
        "mistaken": mistaken.id,
        "reversal": reversal.id,
        "far": far,
    }


def app_balances():
    return dict(db.session.execute(select(Account.id, Account.balance)).all())


def export(runner, tmp_path, fmt):
    path = tmp_path / f"export.{fmt}"
    result = runner.invoke(args=["ledger", "export", "--format", fmt, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def balances_csv(runner):
    result = runner.invoke(args=["ledger", "balances", "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


# -- the journal and the tools ------------------------------------------------------------


def tool(name):
    path = shutil.which(name)
    if path is None:
        if config.REQUIRE_LEDGER_TOOLS:
            pytest.fail(f"{name} is required (REQUIRE_LEDGER_TOOLS=1) but not installed")
        pytest.skip(f"{name} is not installed")
    return path


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def ledger_cli_balances(journal):
    out = run(
        tool("ledger"),
        "-f",
        str(journal),
        "balance",
        "--flat",
        "--empty",
        "--no-total",
        "--balance-format",
        "%(account)\t%(quantity(scrub(display_total)))\n",
    )
    balances = {}
    for line in out.splitlines():
        name, amount = line.split("\t")
        balances[name] = int(amount)
    return balances


def hledger_balances(journal):
    out = run(tool("hledger"), "-f", str(journal), "balance", "--flat", "--empty", "--no-total", "-O", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["account", "balance"]
    balances = {}
    for name, amount in rows[1:]:
        amount = amount.strip()
        if amount.endswith("MIN"):
            amount = amount[: -len("MIN")].strip()
        balances[name] = int(amount)
    return balances


def assert_agree(tool_balances):
    names = account_names()
    app = app_balances()
    assert set(tool_balances) <= set(names.values()), "the tool shows accounts the app does not have"
    mismatches = {
        (account_id, names[account_id]): (tool_balances.get(names[account_id], 0), minutes)
        for account_id, minutes in app.items()
        if tool_balances.get(names[account_id], 0) != minutes
    }
    assert not mismatches, f"(tool, app) per account: {mismatches}"
    assert sum(tool_balances.values()) == 0


def test_journal_names_each_account_once(book):
    names = account_names()
    assert len(set(names.values())) == len(names) == db.session.scalar(select(func.count()).select_from(Account))
    assert names[book["pot"].id] == "riverside:pot"
    assert names[book["clinic"].id] == f"riverside:organisation:{book['clinic'].id}"
    assert all(names[m.id].startswith("riverside:member:m-") for m in book["members"])
    assert all(names[m.id].startswith("hillside:member:") for m in book["far"])


def test_ledger_cli_balances_equal_the_apps(book, runner, tmp_path):
    journal = export(runner, tmp_path, "ledger")
    balances = ledger_cli_balances(journal)
    assert_agree(balances)
    # Not vacuous: the tool saw real, non-zero balances, some of them past 1000 minutes.
    assert sum(1 for v in balances.values() if v) >= 8
    assert max(abs(v) for v in balances.values()) >= 1000


def test_hledger_balances_equal_the_apps(book, runner, tmp_path):
    journal = export(runner, tmp_path, "ledger")
    balances = hledger_balances(journal)
    assert_agree(balances)
    assert sum(1 for v in balances.values() if v) >= 8


def test_the_journal_has_one_transaction_per_entry_and_no_private_text(book, runner, tmp_path):
    text = export(runner, tmp_path, "ledger").read_text()
    entries = [line for line in text.splitlines() if line[:1].isdigit()]
    assert len(entries) == db.session.scalar(select(func.count(func.distinct(Posting.entry_id))))
    assert any(f"reverses {book['mistaken']}" in line for line in entries)
    assert SECRET_NOTE not in text
    for email in db.session.scalars(select(User.email)):
        assert email not in text


# -- the CSV exports ----------------------------------------------------------------------


def read_posting_csv(runner, tmp_path):
    with export(runner, tmp_path, "csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_posting_csv_has_exactly_the_documented_columns(book, runner, tmp_path):
    header, rows = read_posting_csv(runner, tmp_path)
    assert tuple(header) == CSV_COLUMNS
    assert CSV_COLUMNS == (
        "entry_id", "entry_kind", "occurred_on", "recorded_at", "account_id", "account_type", "member_ref",
        "member_kind", "minutes", "reverses_entry_id", "reversed_by_entry_id", "activity", "coproduction_step",
        "ladder_rung", "community",
    )  # fmt: skip
    assert len(rows) == db.session.scalar(select(func.count()).select_from(Posting))


def test_posting_csv_sums_to_the_balances_csv(book, runner, tmp_path):
    _, rows = read_posting_csv(runner, tmp_path)
    summed = defaultdict(int)
    for row in rows:
        summed[int(row["account_id"])] += int(row["minutes"])

    balance_rows = balances_csv(runner)
    assert tuple(balance_rows[0]) == BALANCE_COLUMNS
    balances = {int(row[0]): int(row[3]) for row in balance_rows[1:]}
    assert balances == app_balances()
    assert {a: summed.get(a, 0) for a in balances} == balances
    assert balances[book["idle"].id] == 0
    # Every entry sums to zero in the export too, and per community the total is zero.
    per_entry, per_community = Counter(), Counter()
    for row in rows:
        per_entry[row["entry_id"]] += int(row["minutes"])
        per_community[row["community"]] += int(row["minutes"])
    assert set(per_entry.values()) == {0}
    assert dict(per_community) == {"riverside": 0, "hillside": 0}


def test_balances_csv_types_and_pseudonyms(book, runner):
    rows = {int(r[0]): r for r in balances_csv(runner)[1:]}
    assert rows[book["pot"].id][1:3] == ["pot", ""]
    assert rows[book["clinic"].id][1:3] == ["organisation", ""]
    member = rows[book["members"][0].id]
    assert member[1] == "member" and member[2].startswith("m-")


def test_reversals_are_linked_both_ways_in_the_csv(book, runner, tmp_path):
    _, rows = read_posting_csv(runner, tmp_path)
    mistaken, reversal = str(book["mistaken"]), str(book["reversal"])
    original_rows = [r for r in rows if r["entry_id"] == mistaken]
    reversal_rows = [r for r in rows if r["entry_id"] == reversal]
    assert len(original_rows) == len(reversal_rows) == 2
    assert {r["reversed_by_entry_id"] for r in original_rows} == {reversal}
    assert {r["reverses_entry_id"] for r in original_rows} == {""}
    assert {r["reverses_entry_id"] for r in reversal_rows} == {mistaken}
    assert {r["entry_kind"] for r in reversal_rows} == {"reversal"}
    assert sorted((r["account_id"], -int(r["minutes"])) for r in reversal_rows) == sorted(
        (r["account_id"], int(r["minutes"])) for r in original_rows
    )
    others = [r for r in rows if r["entry_id"] not in (mistaken,)]
    assert {r["reversed_by_entry_id"] for r in others} == {""}


def test_csv_rows_carry_the_snapshots_and_no_identity(book, runner, tmp_path):
    _, rows = read_posting_csv(runner, tmp_path)
    by_account = {int(r["account_id"]): r for r in rows}
    assert by_account[book["pot"].id]["member_kind"] == "community_pot"
    assert by_account[book["pot"].id]["account_type"] == "pot"
    assert by_account[book["clinic"].id]["member_kind"] == "organisation"
    assert by_account[book["clinic"].id]["member_ref"] == ""
    kinds = {r["member_kind"] for r in rows if r["account_type"] == "member"}
    assert kinds == {"service_user", "carer", "volunteer", "professional"}
    group = [r for r in rows if r["entry_kind"] == "group_session"]
    assert len(group) == 5
    assert {(r["coproduction_step"], r["ladder_rung"]) for r in group} == {("do_together", "co_production")}
    for row in rows:
        date.fromisoformat(row["occurred_on"])
        assert row["recorded_at"][:4].isdigit()
    text = "\n".join(",".join(r.values()) for r in rows)
    assert SECRET_NOTE not in text
    for name, email in db.session.execute(select(User.name, User.email)):
        assert email not in text and f",{name}," not in text
