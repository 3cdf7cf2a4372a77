"""Who may reach the coordinator pages, as a table over EVERY route of the `coordinate` blueprint.

The routes are found in `app.url_map`, so that a page added later is covered without touching
this file; each URL is built with real ids of this community. Then:

- a coordinator of ANOTHER community gets 404 from every route that takes an id of this one,
  and sees nothing of this community on the others;
- a member who is not a coordinator gets 404 everywhere;
- a visitor who is not signed in is sent to sign in;
- and no POST from any of them changes anything of this community.

As a check on the table itself, this community's own coordinator reaches every GET route with
those ids (so a 404 above is the guard at work, not a wrong id).

A route with a URL parameter this file does not know fails loudly: add how to supply it to
`ids_here`.
"""
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from coordinate_support import count, give, last_month, sign_in
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from timebank.extensions import db
from timebank.ledger import close_period, post_entry
from timebank.ledger.rules import EntrySpec, PostingSpec
from timebank.models import (
    Account,
    Attendance,
    AuditEvent,
    Entry,
    Exchange,
    GroupSession,
    Invitation,
    Listing,
    Match,
    MemberNote,
    Membership,
    ReportingPeriod,
    Restriction,
    SafeguardingCheck,
)
from timebank.services import audit
from timebank.services.communities import create_community, create_organisation_account
from timebank.services.exchanges.log import log_exchange
from timebank.services.messages import about_exchange
from timebank.services.messages import report as report_conversation
from timebank.services.messages import start as start_conversation

#: Every name and title of this community that could show on a page: none may show to another
#: community's coordinator.
SECRETS = (
    "Riverside Timebank",
    "Alice Zephyrine",
    "Bola Quillfeather",
    "Cora Riverside",
    "Marmalade rota",
    "Bicycle repairs",
    "Knitting circle at Quayside",
    "Quayside Surgery",
    "Dervla Invitee",
    "note-about-alice",
)
#: Month parameters (strings) take this community's last month.
MONTH_NAMES = {"month", "period"}


@pytest.fixture
def here(app, community, make_member, now):
    """One of everything in this community, and a coordinator and a member of another."""
    today = community.today()
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Riverside")
    alice, alice_account = make_member(kind="service_user", name="Alice Zephyrine")
    bola, bola_account = make_member(kind="volunteer", name="Bola Quillfeather")
    organisation = create_organisation_account(community.id, "Quayside Surgery", floor=None)
    db.session.commit()

    entry = give(community, alice_account, bola_account, 60, last_month(community) + timedelta(days=2))
    exchange, _ = log_exchange(
        alice, gave=True, partner_account_id=bola_account.id, minutes=30, occurred_on=today, activity_id=None,
        note="note-about-alice", submission_id=uuid.uuid4().hex,
    )
    request_ = Listing(community_id=community.id, membership_id=alice.id, type="request", title="Marmalade rota", submission_id=uuid.uuid4().hex)
    offer = Listing(community_id=community.id, membership_id=bola.id, type="offer", title="Bicycle repairs", submission_id=uuid.uuid4().hex)
    db.session.add_all([request_, offer])
    db.session.flush()
    match = Match(community_id=community.id, listing_id=request_.id, requester_membership_id=alice.id, helper_membership_id=bola.id)
    session_entry, _ = post_entry(
        EntrySpec(community.id, "group_session", today, (PostingSpec(bola_account.id, 45), PostingSpec(alice_account.id, -45)))
    )
    group = GroupSession(
        community_id=community.id, title="Knitting circle at Quayside", occurred_on=today, payer="attendees",
        minutes_each=45, entry_id=session_entry.id, created_by_id=cora.user_id, submission_id=uuid.uuid4().hex,
    )
    db.session.add_all([match, group])
    db.session.flush()
    db.session.add_all([
        Attendance(session_id=group.id, membership_id=bola.id, role="facilitator"),
        Attendance(session_id=group.id, membership_id=alice.id, role="attendee"),
    ])
    check = SafeguardingCheck(membership_id=alice.id, check_type="Enhanced DBS", expires_on=today + timedelta(days=10))
    restriction = Restriction(membership_id=alice.id, code="no_home_visits", created_by_id=cora.user_id)
    note = MemberNote(membership_id=alice.id, author_id=cora.user_id, body="note-about-alice")
    invitation = Invitation(
        community_id=community.id, email="dervla@riverside.example", name="Dervla Invitee", role="member",
        token_hash=uuid.uuid4().hex * 2, created_by_id=cora.user_id, expires_at=now + timedelta(days=7),
    )
    db.session.add_all([check, restriction, note, invitation])
    db.session.flush()
    event = audit.record(community.id, cora.user_id, "member.note", subject_membership_id=alice.id)
    conversation = start_conversation(alice, about_exchange(alice, exchange.id), "note-about-alice", now=now)
    report_conversation(bola, conversation.id, "note-about-alice", now=now)
    db.session.commit()
    period = close_period(community.id, last_month(community) - timedelta(days=40), closed_by_id=cora.user_id)
    db.session.commit()

    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    olly, _ = make_member(kind="professional", role="coordinator", name="Olly Elsewhere", target=elsewhere)
    make_member(name="Eve Elsewhere", target=elsewhere)

    membership = alice.id
    ids = {
        "membership_id": membership,
        "member_id": membership,
        # Members' accounts are reached through their membership; an account's own pages are
        # for organisations.
        "account_id": organisation.id,
        "member_account_id": alice_account.id,
        "entry_id": entry.id,
        "exchange_id": exchange.id,
        "listing_id": request_.id,
        "request_id": request_.id,
        "offer_id": offer.id,
        "match_id": match.id,
        "session_id": group.id,
        "group_session_id": group.id,
        "invitation_id": invitation.id,
        "check_id": check.id,
        "safeguarding_check_id": check.id,
        "restriction_id": restriction.id,
        "note_id": note.id,
        "event_id": event.id,
        "organisation_id": organisation.id,
        "conversation_id": conversation.id,
    }
    return SimpleNamespace(
        community=community, cora=cora, alice=alice, olly=olly, ids=ids,
        month=last_month(community).strftime("%Y-%m"), period_id=period.id,
    )


def routes(app):
    """Every route of the blueprint, as (endpoint, rule, methods) with GET and POST only."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("coordinate."):
            methods = sorted(m for m in rule.methods if m in ("GET", "POST"))
            found.append((rule.endpoint, rule, methods))
    assert found, "the coordinate blueprint has no routes"
    return sorted(found, key=lambda r: r[1].rule)


def url(rule, here) -> tuple[str, bool]:
    """The route's URL with this community's ids, and whether it names anything of this community."""
    values, names_an_id = {}, False
    for name in rule.arguments:
        integer = isinstance(rule._converters.get(name), IntegerConverter)
        if name in MONTH_NAMES:
            values[name] = here.period_id if integer else here.month
            names_an_id = names_an_id or integer
        else:
            values[name] = here.ids[name]
            names_an_id = True
    return rule.build(values, append_unknown=False)[1], names_an_id


def test_every_route_parameter_is_known(app, here):
    unknown = {
        name: endpoint
        for endpoint, rule, _ in routes(app)
        for name in rule.arguments
        if name not in here.ids and name not in MONTH_NAMES
    }
    assert not unknown, (
        "The access table cannot build these routes, so it cannot check who may reach them. "
        f"Unknown URL parameters (parameter: endpoint): {unknown}. Add an id of that type to `here.ids`."
    )


def payload(here) -> dict:
    """A POST that would do something if it got through: a reason, a note, a confirmation, and
    ids of this community wherever a form might take one."""
    data = {
        "submission_id": uuid.uuid4().hex,
        "reason": "Access table",
        "note": "Access table",
        "body": "Access table",
        "confirmation": "phone",
        "status": "accepted",
        "role": "coordinator",
        "kind": "carer",
        "override": "y",
        "minutes": "30",
        "quick": "30",
        "occurred_on": here.community.today().isoformat(),
        "check_type": "Enhanced DBS",
        "code": "other",
        "detail": "Access table",
        "action": "send",
    }
    alice_account = here.ids["member_account_id"]
    data.update({
        "giver": alice_account, "receiver": alice_account, "partner": alice_account, "account": alice_account,
        "helper": here.ids["membership_id"], "member": here.ids["membership_id"], "membership": here.ids["membership_id"],
        "match": here.ids["match_id"], "entry": here.ids["entry_id"],
    })
    return {k: str(v) for k, v in data.items()}


def state(community_id: int) -> dict:
    """What a POST could change in this community."""
    members = select(Membership.id).where(Membership.community_id == community_id)
    return {
        "audit events": count(AuditEvent, AuditEvent.community_id == community_id),
        "entries": count(Entry, Entry.community_id == community_id),
        "periods": count(ReportingPeriod, ReportingPeriod.community_id == community_id),
        "exchanges": sorted(db.session.execute(select(Exchange.id, Exchange.status).where(Exchange.community_id == community_id)).tuples()),
        "members": sorted(db.session.execute(select(Membership.id, Membership.status, Membership.role, Membership.kind_id).where(Membership.community_id == community_id)).tuples()),
        "listings": sorted(db.session.execute(select(Listing.id, Listing.status).where(Listing.community_id == community_id)).tuples()),
        "matches": sorted(db.session.execute(select(Match.id, Match.status).where(Match.community_id == community_id)).tuples()),
        "accounts": sorted(db.session.execute(select(Account.id, Account.balance, Account.floor, Account.ceiling, Account.closed_at).where(Account.community_id == community_id)).tuples()),
        "checks": count(SafeguardingCheck, SafeguardingCheck.membership_id.in_(members)),
        "restrictions": count(Restriction, Restriction.membership_id.in_(members), Restriction.lifted_at.is_(None)),
        "notes": count(MemberNote, MemberNote.membership_id.in_(members)),
        "invitations": count(Invitation, Invitation.community_id == community_id),
        "sessions": db.session.scalar(select(func.count(GroupSession.id)).where(GroupSession.community_id == community_id)),
    }


def walk(client, app, here, subtests, expect_get, expect_post):
    before = state(here.community.id)
    for endpoint, rule, methods in routes(app):
        if any(name not in here.ids and name not in MONTH_NAMES for name in rule.arguments):
            continue  # reported by test_every_route_parameter_is_known
        path, names_an_id = url(rule, here)
        for method in methods:
            with subtests.test(endpoint=endpoint, method=method, path=path):
                if method == "GET":
                    expect_get(client.get(path), names_an_id)
                else:
                    expect_post(client.post(path, data=payload(here)), names_an_id)
    db.session.expire_all()
    assert state(here.community.id) == before, "a POST changed something"


def test_a_coordinator_of_another_community_finds_nothing_of_this_one(app, client, auth, here, subtests):
    sign_in(auth, here.olly)

    def get(response, names_an_id):
        body = response.get_data(as_text=True)
        if names_an_id:
            assert response.status_code == 404, body[:500]
        else:
            assert response.status_code < 500, body[:500]
            leaked = [s for s in SECRETS if s in body]
            assert not leaked, f"shows {leaked} of another community"

    def post(response, names_an_id):
        if names_an_id:
            assert response.status_code == 404, response.get_data(as_text=True)[:500]
        else:
            assert response.status_code < 500, response.get_data(as_text=True)[:500]
            leaked = [s for s in SECRETS if s in response.get_data(as_text=True)]
            assert not leaked, f"shows {leaked} of another community"

    walk(client, app, here, subtests, get, post)


def test_a_member_who_is_not_a_coordinator_is_not_found_anywhere(app, client, auth, here, subtests):
    sign_in(auth, here.alice)

    def not_found(response, _names_an_id):
        assert response.status_code == 404, response.get_data(as_text=True)[:500]
        assert not [s for s in SECRETS[1:] if s in response.get_data(as_text=True)]

    walk(client, app, here, subtests, not_found, not_found)


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(app, client, here, subtests):
    def to_login(response, _names_an_id):
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert response.headers["Location"].startswith("/login")

    walk(client, app, here, subtests, to_login, to_login)


def test_this_communitys_coordinator_reaches_every_page_with_these_ids(app, client, auth, here, subtests):
    sign_in(auth, here.cora)
    for endpoint, rule, methods in routes(app):
        if "GET" not in methods or any(n not in here.ids and n not in MONTH_NAMES for n in rule.arguments):
            continue
        path, _ = url(rule, here)
        with subtests.test(endpoint=endpoint, path=path):
            response = client.get(path)
            assert response.status_code in (200, 302, 303), f"{path}: {response.status_code}"
