"""`demo seed`: a believable, deterministic demo community that keeps every ledger invariant."""
import hashlib
from datetime import date, timedelta

import pytest
from conftest import utc_now
from sqlalchemy import case, func, select

import config
from timebank import create_app
from timebank.demo.seed import HISTORY_MONTHS, history_start, last_to_close
from timebank.extensions import db
from timebank.ledger import closed_months, verify
from timebank.ledger.export import posting_rows
from timebank.models import (
    Account,
    Attendance,
    AuditEvent,
    Community,
    Entry,
    Exchange,
    GroupSession,
    HelpOffer,
    Invitation,
    Listing,
    Match,
    MemberKind,
    MemberNote,
    Membership,
    Notification,
    Posting,
    ReportingPeriod,
    Restriction,
    SafeguardingCheck,
    User,
)
from timebank.services.alerts import dashboard_alerts

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
        .where(Membership.community_id == community.id, Membership.status != "pending")  # not applications
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
    sealed = db.session.scalars(select(ReportingPeriod.month).order_by(ReportingPeriod.month)).all()
    # Every full month but the last is closed: the coordinator has not yet closed last month.
    assert sealed[0] == first.replace(day=1) and sealed[-1] == last_to_close(today)
    assert len(sealed) == HISTORY_MONTHS - 1

    assert auth.login("member01@demo.example", password).status_code == 302
    assert auth.client.get("/").status_code == 200


def coordination_digest(seeded_at) -> str:
    """A digest of what the coordinator sees, leaving out what depends on the time of day the
    seed ran (what it did "now", at `seeded_at` or later: the member who left today, a late
    entry and a reported conversation; and when accounts and users were made)."""
    digest = hashlib.sha256()
    queries = (
        select(Membership.id, Membership.status, Membership.skills, Membership.availability, Membership.in_directory,
               Membership.phone, Membership.display_name, Membership.application_note).order_by(Membership.id),
        select(Listing.id, Listing.membership_id, Listing.type, Listing.status, Listing.title, Listing.created_at)
        .order_by(Listing.id),
        select(HelpOffer.listing_id, HelpOffer.membership_id, HelpOffer.created_at).order_by(HelpOffer.id),
        select(Match.listing_id, Match.helper_membership_id, Match.status, Match.entry_id, Match.created_at,
               Match.updated_at).order_by(Match.id),
        select(GroupSession.title, GroupSession.entry_id, GroupSession.payer, GroupSession.created_at)
        .order_by(GroupSession.id),
        select(Attendance.session_id, Attendance.membership_id, Attendance.role).order_by(Attendance.id),
        select(Exchange.giver_account_id, Exchange.receiver_account_id, Exchange.minutes, Exchange.occurred_on,
               Exchange.status, Exchange.created_at, Exchange.match_id)
        .where(Exchange.created_at < seeded_at)
        .order_by(Exchange.id),
        select(SafeguardingCheck.membership_id, SafeguardingCheck.check_type, SafeguardingCheck.reference,
               SafeguardingCheck.issued_on, SafeguardingCheck.expires_on, SafeguardingCheck.created_at)
        .order_by(SafeguardingCheck.id),
        select(Restriction.membership_id, Restriction.code, Restriction.lifted_at).order_by(Restriction.id),
        select(MemberNote.membership_id, MemberNote.body, MemberNote.created_at).order_by(MemberNote.id),
        select(AuditEvent.action, AuditEvent.subject_membership_id, AuditEvent.target_id, AuditEvent.created_at)
        .where(AuditEvent.created_at < seeded_at)
        .order_by(AuditEvent.id),
    )
    for query in queries:
        for row in db.session.execute(query):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.mark.real_commits  # a second app seeds a database of its own beside this test's
def test_the_same_seed_makes_the_same_demo(app, runner, request, backend):
    started = utc_now()
    assert seed(runner).exit_code == 0
    first = export_digest(), coordination_digest(started)
    assert first[0][1] > 600

    databases = request.getfixturevalue(f"{backend}_databases")
    url = databases.create()
    other = create_app(type("Other", (config.Testing,), {"SQLALCHEMY_DATABASE_URI": url}))
    try:
        with other.app_context():
            started = utc_now()
            result = seed(other.test_cli_runner())
            assert result.exit_code == 0, result.output
            second = export_digest(), coordination_digest(started)
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


def test_the_demo_gives_the_coordinator_something_to_do(app, runner, auth, clock):
    """Every coordinator feature has believable data, dated in the past, consistent with when
    people joined, and the dashboard's alerts all have something to show."""
    assert seed(runner).exit_code == 0
    assert not [check for check in verify() if not check.ok]
    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    today, now = community.today(), clock()  # after the seed: the member who leaves, leaves now

    def count(*where, model=None):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    # Profiles: most members say what they can offer and when; a few keep out of the directory.
    members = count(Membership.role == "member", Membership.status != "pending", model=Membership)
    assert count(Membership.skills.is_not(None), Membership.availability.is_not(None), model=Membership) > members / 2
    assert 1 <= count(Membership.in_directory.is_(False), model=Membership) < members / 4

    # Offers and requests; some requests have waited for a match for more than 14 days; replies.
    assert count(Listing.type == "offer", Listing.status == "open", model=Listing) > 0
    assert count(Listing.type == "request", Listing.status == "open", model=Listing) > 0
    assert count(
        Listing.type == "request",
        Listing.status == "open",
        Listing.created_at < now - timedelta(days=14),
        ~select(Match.id).where(Match.listing_id == Listing.id).exists(),
        model=Listing,
    ) > 0
    assert count(model=HelpOffer) > 0

    # Introductions in every state; each completed one is linked to an exchange between the two.
    statuses = dict(db.session.execute(select(Match.status, func.count()).group_by(Match.status)).all())
    assert set(statuses) == {"introduced", "accepted", "declined", "completed"}, statuses
    for match in db.session.scalars(select(Match).where(Match.status == "completed")):
        legs = dict(
            db.session.execute(
                select(Account.membership_id, Posting.minutes)
                .join(Account, Account.id == Posting.account_id)
                .where(Posting.entry_id == match.entry_id)
            ).all()
        )
        assert legs[match.helper_membership_id] > 0 > legs[match.requester_membership_id]
        assert match.created_at <= match.updated_at

    # Registers: each session's people are exactly its entry's members; an organisation paid
    # for a workshop of eight or more; a class was paid for by its attendees, with its step.
    sessions = db.session.scalars(select(GroupSession)).all()
    assert sessions
    for session in sessions:
        on_register = {a.membership_id for a in session.register}
        in_entry = set(
            db.session.scalars(
                select(Account.membership_id)
                .join(Posting, Posting.account_id == Account.id)
                .where(Posting.entry_id == session.entry_id, Account.membership_id.is_not(None))
            )
        )
        assert on_register == in_entry, session.title
        assert any(a.role == "facilitator" for a in session.register)
    assert any(s.payer == "organisation" and sum(a.role == "attendee" for a in s.register) >= 8 for s in sessions)
    assert any(s.payer == "attendees" and s.coproduction_step and s.ladder_rung for s in sessions)

    # Exchanges waiting, younger than the auto-confirm days unless they could not be posted
    # (one, for the dashboard); and a few declined and cancelled.
    exchanges = db.session.scalars(select(Exchange)).all()
    pending = [e for e in exchanges if e.status == "pending"]
    # posted: the one logged days after it happened and then confirmed (demo/logged_later.py).
    assert {e.status for e in exchanges} == {"pending", "declined", "cancelled", "posted"}
    cutoff = now - timedelta(days=community.auto_confirm_days)
    closed = closed_months(community.id)
    stuck = [e for e in pending if e.occurred_on.replace(day=1) in closed]
    assert all(e.created_at > cutoff or e.last_error for e in pending if e not in stuck)
    assert any(e.last_error for e in pending) and any(e.match_id for e in pending)
    # Stuck exchanges (pending in a closed month) still wait; another was recorded late by the
    # side that had to confirm it, booked in an open month with its true date (demo/stuck.py).
    assert stuck
    late = db.session.scalars(
        select(Entry).join(Exchange, Exchange.entry_id == Entry.id).where(Exchange.submission_id.like("demo-stuck-%"))
    ).one()
    assert late.occurred_on.replace(day=1) in closed and late.booked_on.replace(day=1) not in closed
    assert "exchange.record_late" in {a for a, in db.session.execute(select(AuditEvent.action))}

    # Safeguarding: three-yearly DBS checks, a few expiring, one expired; restrictions; notes.
    checks = db.session.scalars(select(SafeguardingCheck)).all()
    assert len(checks) >= 5
    assert all(c.issued_on <= today and c.expires_on.year == c.issued_on.year + 3 for c in checks)
    assert all(0 <= c.references_received <= 2 for c in checks)
    assert any(today <= c.expires_on <= today + timedelta(days=30) for c in checks)
    assert any(c.expires_on < today for c in checks)
    restrictions = db.session.scalars(select(Restriction)).all()
    assert len(restrictions) >= 3 and any(r.lifted_at for r in restrictions)
    assert count(model=MemberNote) > 0

    # Applications waiting (no account yet), an unused invitation, a suspension, a leaver.
    applications = db.session.scalars(select(Membership).where(Membership.status == "pending")).all()
    assert 2 <= len(applications) <= 3 and all(m.application_note for m in applications)
    assert not count(Account.membership_id.in_([m.id for m in applications]), model=Account)
    assert count(Invitation.used_at.is_(None), Invitation.expires_at > now, model=Invitation) == 1
    assert count(Membership.status == "suspended", model=Membership) == 1
    left = db.session.scalar(select(Membership).where(Membership.status == "left"))
    assert db.session.scalar(select(Account.closed_at).where(Account.membership_id == left.id)) is not None

    # The audit log: the coordinator's actions, in the order they happened, all in the past.
    events = db.session.execute(select(AuditEvent.action, AuditEvent.created_at).order_by(AuditEvent.id)).all()
    assert {
        "member.apply", "member.approve", "member.invite", "member.suspend", "member.leave", "safeguarding.check_add",
        "safeguarding.restrict", "safeguarding.lift", "note.add", "match.introduce", "match.status", "session.record",
        "exchange.record", "organisation.payment", "pot.grant", "entry.reverse", "period.close",
    } <= {action for action, _ in events}
    assert [at for _, at in events] == sorted(at for _, at in events)

    # Nothing dated in the future, nothing before its member joined.
    for model in (Listing, HelpOffer, Match, GroupSession, Exchange, SafeguardingCheck, Restriction, MemberNote,
                  AuditEvent, Notification, Invitation, User, Membership):
        assert db.session.scalar(select(func.max(model.created_at))) <= now, model.__name__
    assert db.session.scalar(select(func.max(Entry.recorded_at))) <= now
    assert db.session.scalar(select(func.min(AuditEvent.created_at))).date() >= history_start(community.today())
    for model, member in ((Listing, Listing.membership_id), (MemberNote, MemberNote.membership_id),
                          (HelpOffer, HelpOffer.membership_id), (SafeguardingCheck, SafeguardingCheck.membership_id)):
        rows = db.session.execute(
            select(model.created_at, Membership.joined_on).join(Membership, Membership.id == member)
        ).all()
        assert rows and all(created.date() >= joined for created, joined in rows), model.__name__

    # So the dashboard has something in each kind of alert the demo makes sure of.
    alerts = dashboard_alerts(community)
    for name in ("pending", "quiet", "near_limits", "checks", "unmatched"):
        assert getattr(alerts, name).total > 0, name

    assert auth.login("coordinator@demo.example", app.config["DEMO_PASSWORD"]).status_code == 302
    member = db.session.scalar(select(SafeguardingCheck.membership_id).order_by(SafeguardingCheck.id))
    for page in ("/coordinate/", "/coordinate/requests", "/coordinate/matches", "/coordinate/sessions",
                 f"/coordinate/sessions/{sessions[-1].id}", "/coordinate/applications", "/coordinate/audit",
                 f"/coordinate/members/{member}"):
        assert auth.client.get(page).status_code == 200, page
