"""Erasing a member (UK GDPR): who they were appears nowhere afterwards (not in any text column
of any table, not in the exports or the logs), while the ledger verifies and every monthly
report is exactly what it was; only someone who has left can be erased, once; the command
line. (Entry notes, deleted beside the immutable entries: test_ledger_note_erasure.py; retention:
test_retention.py.)"""
import logging
from datetime import date

import pytest
from conftest import utc_now
from sqlalchemy import JSON, String, Text, cast, func, select

from timebank.dates import next_month
from timebank.extensions import db
from timebank.ledger import verify
from timebank.metrics import compute, get_report
from timebank.models import (
    Account,
    ApiToken,
    AuditEvent,
    Community,
    Entry,
    Exchange,
    HelpOffer,
    Invitation,
    Listing,
    MemberNote,
    Membership,
    MembershipStatus,
    Notification,
    OutboxMessage,
    Posting,
    Restriction,
    Role,
    SafeguardingCheck,
    User,
)
from timebank.services.people import leaving
from timebank.services.people.erasure import ERASED_NAME, erase_member, scrub

SMALL = ["--members", "30", "--exchanges", "400", "--seed", "5"]


def text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON):
                yield table, column


def found_in_database(needle: str) -> list[str]:
    """Every table.column whose text holds `needle` (case-insensitive)."""
    hits = []
    for table, column in text_columns():
        value = cast(column, Text) if isinstance(column.type, JSON) else column
        n = db.session.scalar(select(func.count()).select_from(table).where(func.lower(value).contains(needle.lower())))
        if n:
            hits.append(f"{table.name}.{column.name} ({n})")
    return hits


def months_of_data(community_id: int) -> list[date]:
    first, last = db.session.execute(
        select(func.min(Entry.occurred_on), func.max(Entry.occurred_on)).where(Entry.community_id == community_id)
    ).one()
    month, months = first.replace(day=1), []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def reports(community: Community) -> dict:
    """Every month's report, unsuppressed and as a funder sees it, without when it was made."""
    out = {}
    for month in months_of_data(community.id):
        end = next_month(month).replace(day=1)
        end = date.fromordinal(end.toordinal() - 1)
        live = compute(community, month, end)
        live.pop("status")
        out[(month, "live")] = live
        served = get_report(community, month, end, suppress=True)
        served["status"].pop("computed_at", None)
        if served.get("restated"):
            served["restated"].pop("as_of")  # when the restatement was worked out
        out[(month, "funder")] = served
    return out


def exports(runner) -> str:
    outputs = []
    for args in (["ledger", "export", "--format", "csv"], ["ledger", "export", "--format", "ledger"], ["ledger", "balances"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    return "\n".join(outputs)


def richest_member(community_id: int) -> Membership:
    """The demo member with the most about them: offers, notes, checks, notifications."""
    def count(model, column):
        return select(func.count()).where(column == Membership.id).scalar_subquery()

    score = (
        count(Listing, Listing.membership_id)
        + count(HelpOffer, HelpOffer.membership_id)
        + count(MemberNote, MemberNote.membership_id)
        + count(SafeguardingCheck, SafeguardingCheck.membership_id)
    )
    noted = (  # with notes on their ledger entries, which the erasure must take too
        select(Posting.entry_id)
        .join(Account, Account.id == Posting.account_id)
        .join(Entry, Entry.id == Posting.entry_id)
        .where(Account.membership_id == Membership.id, Entry.note.is_not(None))
        .exists()
    )
    return db.session.scalar(
        select(Membership)
        .where(Membership.community_id == community_id, Membership.role == Role.MEMBER, Membership.status == "active", noted)
        .order_by(score.desc(), Membership.id)
        .limit(1)
    )


def about_them(coordinator: Membership, member: Membership) -> None:
    """Something of every kind the erasure must remove, beside what the demo made."""
    user, other = member.user, coordinator.user
    member.display_name, member.phone, member.skills = "Elfie S", "07700 900123", "Gardening, with Elfie"
    member.application_note = f"I am {user.name}"
    db.session.add_all([
        SafeguardingCheck(membership_id=member.id, check_type="Enhanced DBS", reference="DBS-0042", recorded_by_id=other.id),
        Restriction(membership_id=member.id, code="other", detail=f"{user.name} only in the day", created_by_id=other.id),
        MemberNote(membership_id=member.id, author_id=other.id, body=f"Spoke to {user.name} on the phone"),
        Invitation(community_id=member.community_id, email=user.email, name=user.name, role="member",
                   token_hash="0" * 64, expires_at=utc_now()),
        ApiToken(user_id=user.id, name=f"{user.name}'s spreadsheet", token_hash="1" * 64, hint="tb_x", scopes="read"),
        OutboxMessage(from_address="timebank@example.org", to_address=user.email, subject="Hello", body=f"Dear {user.name}"),
        OutboxMessage(from_address="timebank@example.org", to_address=other.email, subject=f"{user.name} logged time",
                      body=f"{user.name} says they gave you an hour."),
    ])
    # A declined exchange of theirs (workflow rows keep the note; the ledger never saw it).
    mine, theirs = (db.session.scalar(select(Account.id).where(Account.membership_id == m.id)) for m in (member, coordinator))
    db.session.add(Exchange(
        community_id=member.community_id, giver_account_id=mine, receiver_account_id=theirs, logged_by_account_id=mine,
        logged_by_id=user.id, minutes=30, occurred_on=member.joined_on, note=f"{user.name} helped with the shopping",
        status="declined", decline_reason=f"Not {user.name}", submission_id=f"erasure-test-{member.id}",
    ))
    listing = db.session.scalar(select(Listing).where(Listing.membership_id != member.id).limit(1))
    db.session.add(HelpOffer(listing_id=listing.id, membership_id=member.id, message=f"{user.name} can help"))
    db.session.flush()


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo", "seed", *SMALL])
    assert result.exit_code == 0, result.output
    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    coordinator = db.session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.role == Role.COORDINATOR)
    )
    return community, coordinator


def test_an_erased_member_appears_nowhere_and_the_books_and_reports_stay(demo, runner, caplog, now):
    caplog.set_level(logging.DEBUG)
    community, coordinator = demo
    member = richest_member(community.id)
    account = db.session.scalar(select(Account).where(Account.membership_id == member.id))
    entry_ids = db.session.scalars(select(Posting.entry_id).where(Posting.account_id == account.id)).all()
    assert db.session.scalar(select(func.count()).where(Entry.id.in_(entry_ids), Entry.note.is_not(None))), (
        "the test needs notes of their ledger entries"
    )
    leaving.leave(coordinator, member.id, leaving.FREEZE, now=now)
    about_them(coordinator, member)
    db.session.commit()

    user = member.user
    identity = [user.name, user.email, member.ref, member.display_name, member.phone, "DBS-0042"]
    found_before = {needle: found_in_database(needle) for needle in identity}
    assert all(found_before.values()), f"the test needs each of them somewhere first: {found_before}"
    assert any(needle in exports(runner) for needle in identity)
    before = reports(community)
    assert len(before) >= 2 * 6, "six months of history or more"
    balances = dict(db.session.execute(select(Account.id, Account.balance)).all())
    postings = db.session.execute(select(Posting.id, Posting.account_id, Posting.minutes, Posting.balance_after)).all()
    caplog.clear()

    erased = erase_member(coordinator, member.id, f"{user.name} asked us to, by email", now=now)
    db.session.commit()
    output = exports(runner)
    db.session.expire_all()

    for needle in identity:
        assert found_in_database(needle) == [], needle
        assert needle.lower() not in output.lower(), needle
        assert needle.lower() not in caplog.text.lower(), needle
    assert not [check for check in verify() if not check.ok]
    assert reports(community) == before
    assert dict(db.session.execute(select(Account.id, Account.balance)).all()) == balances
    assert db.session.execute(select(Posting.id, Posting.account_id, Posting.minutes, Posting.balance_after)).all() == postings

    member = db.session.get(Membership, member.id)
    assert member.ref != identity[2] and member.ref.startswith("m-")
    assert member.user.name == ERASED_NAME and member.user.email.endswith("@invalid") and member.user.password_hash is None
    assert member.user.disabled_at is not None
    assert member.status == MembershipStatus.LEFT
    assert db.session.scalar(
        select(func.count()).select_from(Entry).where(Entry.id.in_(entry_ids), Entry.note.is_not(None))
    ) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.erase"))
    assert event.subject_membership_id == member.id and event.actor_id == coordinator.user_id
    assert event.details["reason"] == f"{ERASED_NAME} asked us to, by email"
    assert erased.counts["listings"] == event.details["listings"]
    assert all(erased.counts[k] for k in ("safeguarding_checks", "restrictions", "private_notes", "invitations", "listings",
                                          "help_messages", "exchange_notes", "entry_notes", "notifications", "emails")), erased


def test_only_someone_who_has_left_can_be_erased_and_a_reason_is_needed(app, community, make_member, now):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    with pytest.raises(Exception, match="left"):
        erase_member(coordinator, member.id, "they asked", now=now)
    leaving.leave(coordinator, member.id, leaving.FREEZE, now=now)
    with pytest.raises(Exception, match="why"):
        erase_member(coordinator, member.id, "  ", now=now)
    with pytest.raises(Exception, match="yourself"):
        erase_member(coordinator, coordinator.id, "they asked", now=now)
    erase_member(coordinator, member.id, "they asked", now=now)
    with pytest.raises(Exception, match="already"):
        erase_member(coordinator, member.id, "again", now=now)


def test_their_name_is_taken_out_of_other_peoples_messages(app, community, make_member, now):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    other, _ = make_member(name="Robina Other")
    db.session.add(Notification(user_id=other.user_id, community_id=community.id, kind="exchange_posted",
                                params={"name": "Robin Example", "minutes": 60}))
    db.session.add(Notification(user_id=other.user_id, community_id=community.id, kind="exchange_posted",
                                params={"name": "Robina Other", "minutes": 30}))
    leaving.leave(coordinator, member.id, leaving.FREEZE, now=now)
    erase_member(coordinator, member.id, "they asked", now=now)
    db.session.commit()
    names = sorted(n.params["name"] for n in db.session.scalars(select(Notification)))
    assert names == [ERASED_NAME, "Robina Other"]


def test_scrub_replaces_whole_words_only():
    assert scrub("Sam and Samuel; sam@x.org", ["Sam"], "sam@x.org") == f"{ERASED_NAME} and Samuel; {ERASED_NAME}"


def test_no_user_row_keeps_a_password_or_a_reachable_address_after_erasure(app, community, make_member, now):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    leaving.leave(coordinator, member.id, leaving.FREEZE, now=now)
    erase_member(coordinator, member.id, "they asked", now=now)
    db.session.commit()
    user = db.session.get(User, member.user_id)
    assert user.password_hash is None and user.email.startswith("erased-")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "Robin Example")) == 0


def test_the_command_line_erases_someone_who_has_left(app, runner, community, make_member, now):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    email = member.user.email
    still_here = runner.invoke(args=["users", "erase", "--email", email, "--reason", "asked by letter"])
    assert still_here.exit_code == 1 and "left first" in still_here.output
    leaving.leave(coordinator, member.id, leaving.FREEZE, now=now)
    db.session.commit()

    result = runner.invoke(args=["users", "erase", "--email", email.upper(), "--reason", "asked by letter"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Erased membership {member.id}: ") and "Robin" not in result.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.erase"))
    assert event.actor_id is None and event.remote_addr == "cli" and event.details["reason"] == "asked by letter"
    unknown = runner.invoke(args=["users", "erase", "--email", email, "--reason", "again"])
    assert unknown.exit_code == 1 and unknown.output.strip() == "Error: Nobody uses that email address."


def test_someone_in_two_communities_keeps_their_sign_in_until_the_last_erases_them(app, community, make_member, now):
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership

    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    member.phone = "07700 900123"
    elsewhere = create_community("hillside", "Hillside Timebank")
    there = add_membership(member.user, elsewhere, joined_on=date(2026, 1, 1))
    leaving.leave(coordinator, member.id, leaving.FREEZE, now=now)
    erase_member(coordinator, member.id, "they asked", now=now)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Membership, member.id).phone is None
    assert db.session.get(User, member.user_id).name == "Robin Example", "Hillside still knows them"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.erase"))
    assert event.details["kept_sign_in"] is True and "sign_in" not in event.details
    assert db.session.get(Membership, there.id).status == MembershipStatus.ACTIVE
