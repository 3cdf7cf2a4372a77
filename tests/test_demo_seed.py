"""`demo seed`: a believable, deterministic demo community that keeps every ledger invariant."""
import hashlib
from datetime import date

from sqlalchemy import case, func, select

import config
from timebank import create_app
from timebank.extensions import db
from timebank.ledger import verify
from timebank.ledger.export import posting_rows
from timebank.models import Account, Community, Entry, MemberKind, Membership, Posting, ReportingPeriod

SMALL = ["--members", "30", "--exchanges", "600", "--seed", "3"]


def seed(runner, *args):
    return runner.invoke(args=["demo", "seed", *(args or SMALL)])


def one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=min(day.day, 28))


def export_digest() -> tuple[str, int]:
    """A digest of the CSV export without recorded_at (the only column that depends on when)."""
    digest, count = hashlib.sha256(), 0
    for row in posting_rows():
        digest.update(repr(row[:3] + row[4:]).encode())
        count += 1
    return digest.hexdigest(), count


def test_small_demo_is_believable_and_keeps_every_invariant(app, runner, auth):
    result = seed(runner)
    assert result.exit_code == 0, result.output
    password = app.config["DEMO_PASSWORD"]
    for login in ("coordinator@demo.example", "funder@demo.example", "member01@demo.example", password):
        assert login in result.output
    assert not [check for check in verify() if not check.ok]

    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    people = db.session.execute(
        select(Membership.role, MemberKind.code, func.count())
        .outerjoin(MemberKind, MemberKind.id == Membership.kind_id)
        .where(Membership.community_id == community.id)
        .group_by(Membership.role, MemberKind.code)
    ).all()
    by_role_kind = {(role, kind): n for role, kind, n in people}
    for kind in ("service_user", "carer", "volunteer", "professional"):
        assert by_role_kind.get(("member", kind), 0) >= 2, by_role_kind
    assert by_role_kind[("coordinator", "professional")] == 1
    assert by_role_kind[("funder", None)] == 1
    assert sum(n for (role, _), n in by_role_kind.items() if role == "member") == 30

    kinds = dict(db.session.execute(select(Entry.kind, func.count()).group_by(Entry.kind)).all())
    assert {"exchange", "group_session", "donation", "grant", "reversal"} <= kinds.keys()
    assert abs(sum(kinds.values()) - 600) <= 30
    assert db.session.scalar(select(func.count()).where(Entry.coproduction_step.is_not(None))) > 0

    gave = func.sum(case((Posting.minutes > 0, 1), else_=0))
    received = func.sum(case((Posting.minutes < 0, 1), else_=0))
    flows = db.session.execute(
        select(Posting.account_id, gave, received)
        .join(Account, Account.id == Posting.account_id)
        .where(Account.type == "member")
        .group_by(Posting.account_id)
    ).all()
    assert any(r == 0 for _, g, r in flows), "someone only gave"
    assert any(g == 0 for _, g, r in flows), "someone only received"
    assert sum(1 for _, g, r in flows if g and r) > len(flows) / 2, "most members both give and receive"

    first, last = db.session.execute(select(func.min(Entry.occurred_on), func.max(Entry.occurred_on))).one()
    today = community.today()
    assert first <= months_before(today, 6)
    assert last <= today
    sealed = db.session.scalars(select(ReportingPeriod.month)).all()
    assert sealed == [first.replace(day=1)]

    assert auth.login("member01@demo.example", password).status_code == 302
    assert auth.client.get("/").status_code == 200


def test_the_same_seed_makes_the_same_demo(app, runner, request, backend):
    assert seed(runner).exit_code == 0
    first = export_digest()
    assert first[1] > 600

    databases = request.getfixturevalue(f"{backend}_databases")
    url = databases.create()
    other = create_app(type("Other", (config.Testing,), {"SQLALCHEMY_DATABASE_URI": url}))
    try:
        with other.app_context():
            result = seed(other.test_cli_runner())
            assert result.exit_code == 0, result.output
            second = export_digest()
            db.session.remove()
            db.engine.dispose()
    finally:
        databases.drop(url)
    assert second == first


def test_bad_options_answer_in_one_line(runner):
    assert "--members" in one_line_error(seed(runner, "--members", "-1"))
    assert "--exchanges" in one_line_error(seed(runner, "--exchanges", "-5"))
    assert "--seed" in one_line_error(seed(runner, "--seed", "many"))
    assert db.session.scalar(select(func.count()).select_from(Community)) == 0


def test_seeding_twice_fails_clearly_unless_if_empty(runner):
    assert seed(runner, "--members", "8", "--exchanges", "50").exit_code == 0
    error = one_line_error(seed(runner, "--members", "8", "--exchanges", "50"))
    assert "already exists" in error
    result = seed(runner, "--if-empty")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Demo already seeded")
    assert db.session.scalar(select(func.count()).select_from(Community)) == 1
