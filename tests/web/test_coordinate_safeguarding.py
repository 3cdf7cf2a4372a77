"""Safeguarding checks, restrictions and private notes, through the test client and the services
other pages use, on SQLite and PostgreSQL: only the coordinators of the member's community ever
see them; expiry is warned 30 days ahead; restrictions are lifted, never deleted."""
import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import AuditEvent, MemberNote, MembershipStatus, Restriction, RestrictionCode, SafeguardingCheck
from timebank.services.communities import create_community
from timebank.services.listings import create_listing
from timebank.services.safeguarding import (
    add_check,
    add_restriction,
    expiring_checks,
    lift_restriction,
    restricted_membership_ids,
    restrictions_for,
)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def assert_form_error(response, field_id: str, message: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert re.search(r"<title>\s*Error:", html)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert f'href="#{field_id}"' in summary and message in unescape(summary), summary
    assert f'id="{field_id}"' in html
    beside = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert beside and message in unescape(beside.group(1))
    return unescape(html)


def sign_in(auth, membership):
    auth.logout()
    assert auth.login(membership.user.email).status_code == 302


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_of(action: str) -> AuditEvent:
    (event_,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    return event_


@pytest.fixture
def elsewhere(app):
    community = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    return community


@pytest.fixture
def team(community, make_member, auth):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, _ = make_member(kind="volunteer", name="Alice Adeyemi")
    bola, _ = make_member(kind="service_user", name="Bola Okafor")
    sign_in(auth, cora)
    return SimpleNamespace(cora=cora, alice=alice, bola=bola)


# -- checks ----------------------------------------------------------------------------------


def test_a_check_is_recorded_and_shown_to_coordinators_with_its_dates(client, community, team):
    alice = team.alice
    form = client.get(f"/coordinate/members/{alice.id}/checks/new")
    assert form.status_code == 200 and "Record a safeguarding check for Alice Adeyemi" in text(form)
    today = community.today()
    response = client.post(
        f"/coordinate/members/{alice.id}/checks/new",
        data={
            "check_type": "Enhanced DBS check",
            "reference": "001234567890",
            "issued_on": (today - timedelta(days=700)).isoformat(),
            "expires_on": (today + timedelta(days=400)).isoformat(),
            "references_received": "2",
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/coordinate/members/{alice.id}"
    check = db.session.scalar(select(SafeguardingCheck))
    assert (check.check_type, check.reference, check.references_received, check.recorded_by_id) == (
        "Enhanced DBS check", "001234567890", 2, team.cora.user_id,
    )
    page = text(client.get(response.headers["Location"]))
    assert "Enhanced DBS check" in page and "001234567890" in page and format_date(today + timedelta(days=400), "d MMMM yyyy", locale="en") in page
    assert "needs attention" not in page
    event_ = audit_of("safeguarding.check_add")
    assert (event_.actor_id, event_.subject_membership_id, event_.target_id) == (team.cora.user_id, alice.id, check.id)
    assert "001234567890" not in str(event_.details) and "Enhanced" not in str(event_.details), "no detail in the audit log"


def test_a_check_with_wrong_dates_or_no_type_is_refused_with_the_answers_kept(client, community, team):
    today = community.today()
    path = f"/coordinate/members/{team.alice.id}/checks/new"
    data = {"check_type": "Enhanced DBS check", "issued_on": today.isoformat(), "expires_on": (today - timedelta(days=1)).isoformat()}
    html = assert_form_error(client.post(path, data=data), "expires_on", "must be after the date it was issued")
    assert 'value="Enhanced DBS check"' in html
    assert_form_error(client.post(path, data={"check_type": ""}), "check_type", "Enter the type of check")
    assert_form_error(client.post(path, data={"check_type": "DBS", "issued_on": "31/02/2026"}), "issued_on", "Not a valid date")
    assert_form_error(client.post(path, data={"check_type": "DBS", "references_received": "50"}), "references_received", "between 0 and 20")
    assert count(SafeguardingCheck) == 0 and count(AuditEvent) == 0


def test_checks_running_out_are_warned_30_days_ahead(client, community, make_member, team, elsewhere):
    today = community.today()
    cora = team.cora
    expired = add_check(cora, team.alice.id, check_type="Enhanced DBS check", expires_on=today - timedelta(days=3))
    soon = add_check(cora, team.bola.id, check_type="Enhanced DBS check", expires_on=today + timedelta(days=30))
    add_check(cora, team.bola.id, check_type="References", expires_on=today + timedelta(days=31))
    renewed_old = add_check(cora, team.cora.id, check_type="Enhanced DBS check", expires_on=today + timedelta(days=5))
    add_check(cora, team.cora.id, check_type="enhanced dbs check", expires_on=today + timedelta(days=1100))
    gone, _ = make_member(name="Gone Member")
    add_check(cora, gone.id, check_type="Enhanced DBS check", expires_on=today - timedelta(days=1))
    gone.status = MembershipStatus.LEFT
    stranger, _ = make_member(name="Sam Stranger", target=elsewhere)
    add_check(stranger, stranger.id, check_type="Enhanced DBS check", expires_on=today)
    db.session.commit()

    found = expiring_checks(community.id, today)
    assert [(c.check_id, c.name, c.expired, c.days_left) for c in found] == [
        (expired.id, "Alice Adeyemi", True, -3),
        (soon.id, "Bola Okafor", False, 30),
    ]
    assert renewed_old.id not in {c.check_id for c in found}, "a renewed check no longer warns"
    assert [c.check_id for c in expiring_checks(community.id, today, within_days=0)] == [expired.id]

    page = text(client.get(f"/coordinate/members/{team.alice.id}"))
    assert "Safeguarding check needs attention" in page and "Enhanced DBS check expired on" in page
    assert "Enhanced DBS check expires on" in text(client.get(f"/coordinate/members/{team.bola.id}"))
    cora_page = text(client.get(f"/coordinate/members/{team.cora.id}"))
    assert "needs attention" not in cora_page and "(renewed since)" in cora_page
    listed = text(client.get("/coordinate/safeguarding/expiring"))
    assert "Alice Adeyemi" in listed and "Bola Okafor" in listed and "in 30 days" in listed
    assert "Sam Stranger" not in listed and "Gone Member" not in listed and "Cora Coordinator" not in listed


# -- restrictions ----------------------------------------------------------------------------


def test_a_restriction_is_added_then_lifted_and_never_deleted(client, community, team):
    path = f"/coordinate/members/{team.alice.id}/restrictions/new"
    assert "Add a restriction for Alice Adeyemi" in text(client.get(path))
    assert_form_error(client.post(path, data={"code": "other", "detail": ""}), "detail", "Say what the restriction is")
    assert_form_error(client.post(path, data={}), "code", "Choose the restriction")
    response = client.post(path, data={"code": "no_home_visits", "detail": "Only meets people at the community centre."})
    assert response.status_code == 303
    restriction = db.session.scalar(select(Restriction))
    assert (restriction.code, restriction.created_by_id, restriction.lifted_at) == ("no_home_visits", team.cora.user_id, None)
    page = text(client.get(f"/coordinate/members/{team.alice.id}"))
    assert "No home visits" in page and "Only meets people at the community centre." in page and "Lift this restriction" in page
    event_ = audit_of("safeguarding.restrict")
    assert (event_.actor_id, event_.subject_membership_id) == (team.cora.user_id, team.alice.id)
    assert "community centre" not in str(event_.details)

    lift = f"/coordinate/members/{team.alice.id}/restrictions/{restriction.id}/lift"
    assert client.post(lift, data={"submission_id": "c" * 32}).status_code == 303
    db.session.expire_all()
    restriction = db.session.get(Restriction, restriction.id)
    assert restriction.lifted_at is not None and restriction.lifted_by_id == team.cora.user_id
    assert count(Restriction) == 1, "lifted, not deleted"
    page = text(client.get(f"/coordinate/members/{team.alice.id}"))
    assert "No home visits" in page and "lifted on" in page and "Lift this restriction" not in page
    assert client.post(lift, data={"submission_id": "c" * 32}).status_code == 303, "a repeat does nothing"
    again = client.post(lift, data={"submission_id": "d" * 32})
    assert "already been lifted" in text(client.get(again.headers["Location"]))
    assert audit_of("safeguarding.lift").subject_membership_id == team.alice.id
    assert client.post(f"/coordinate/members/{team.bola.id}/restrictions/{restriction.id}/lift").status_code == 404


def test_brokering_can_ask_who_is_restricted(community, make_member, team, elsewhere):
    cora = team.cora
    no_children = add_restriction(cora, team.alice.id, code=RestrictionCode.NOT_WITH_CHILDREN)
    lone = add_restriction(cora, team.bola.id, code=RestrictionCode.NO_LONE_WORKING)
    lifted = add_restriction(cora, team.cora.id, code=RestrictionCode.NOT_WITH_CHILDREN)
    lift_restriction(cora, team.cora.id, lifted.id)
    stranger, _ = make_member(target=elsewhere)
    add_restriction(stranger, stranger.id, code=RestrictionCode.NOT_WITH_CHILDREN)
    db.session.commit()

    assert restricted_membership_ids(community.id, [RestrictionCode.NOT_WITH_CHILDREN]) == {team.alice.id}
    assert restricted_membership_ids(community.id) == {team.alice.id, team.bola.id}
    assert restricted_membership_ids(community.id, []) == set()
    in_force = restrictions_for([team.alice.id, team.bola.id, team.cora.id])
    assert {k: [r.id for r in v] for k, v in in_force.items()} == {team.alice.id: [no_children.id], team.bola.id: [lone.id], team.cora.id: []}
    assert [r.id for r in restrictions_for([team.cora.id], include_lifted=True)[team.cora.id]] == [lifted.id]


# -- private notes ---------------------------------------------------------------------------


def test_private_notes_are_shown_newest_first_with_their_author(client, team):
    path = f"/coordinate/members/{team.alice.id}/notes"
    first = client.post(path, data={"body": "Prefers a phone call to email.", "submission_id": "e" * 32})
    assert first.status_code == 303 and first.headers["Location"] == f"/coordinate/members/{team.alice.id}#notes"
    assert client.post(path, data={"body": "Prefers a phone call to email.", "submission_id": "e" * 32}).status_code == 303
    assert client.post(path, data={"body": "Has a new phone number since March."}).status_code == 303
    assert count(MemberNote) == 2, "a repeated form saves one note"
    page = text(client.get(f"/coordinate/members/{team.alice.id}"))
    assert page.index("Has a new phone number") < page.index("Prefers a phone call"), "newest first"
    assert "Cora Coordinator," in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "note.add")).all()
    assert len(events) == 2 and all(e.actor_id == team.cora.user_id and e.subject_membership_id == team.alice.id for e in events)
    assert "phone" not in str([e.details for e in events])

    html = assert_form_error(client.post(path, data={"body": "   "}), "body", "Write the note")
    assert "Alice Adeyemi" in html and "Has a new phone number" in html, "the member page, with the problem"


# -- only coordinators of the community see any of it ----------------------------------------

MEMBER_PAGES = ["/", "/log", "/exchanges", "/statement", "/listings", "/listings/mine", "/profile", "/notifications", "/my-data", "/my-data.json"]
SECRETS = ["Enhanced DBS check", "DBS-SECRET-REF", "Not with children", "RESTRICTION-DETAIL", "PRIVATE-NOTE-BODY"]


@pytest.fixture
def recorded(community, team):
    add_check(team.cora, team.alice.id, check_type="Enhanced DBS check", reference="DBS-SECRET-REF", expires_on=community.today())
    add_restriction(team.cora, team.alice.id, code=RestrictionCode.NOT_WITH_CHILDREN, detail="RESTRICTION-DETAIL")
    from timebank.services.notes import add_note

    add_note(team.cora, team.alice.id, "PRIVATE-NOTE-BODY")
    create_listing(team.alice, type_="offer", title="Gardening help", description="", category_id=None, submission_id="s1")
    db.session.commit()


def test_safeguarding_and_notes_never_appear_on_member_pages(client, auth, team, recorded, subtests):
    for who in (team.alice, team.bola):
        sign_in(auth, who)
        for path in MEMBER_PAGES:
            with subtests.test(who=who.name, path=path):
                response = client.get(path)
                assert response.status_code == 200
                body = response.get_data(as_text=True)
                assert not [s for s in SECRETS if s in body]


def _ids(team):
    restriction_id = db.session.scalar(select(Restriction.id))
    return {"m": team.alice.id, "r": restriction_id}


GET_ROUTES = ["/coordinate/members/{m}", "/coordinate/members/{m}/checks/new", "/coordinate/members/{m}/restrictions/new"]
POST_ROUTES = [
    ("/coordinate/members/{m}/checks/new", {"check_type": "Basic DBS"}),
    ("/coordinate/members/{m}/restrictions/new", {"code": "no_home_visits"}),
    ("/coordinate/members/{m}/restrictions/{r}/lift", {}),
    ("/coordinate/members/{m}/notes", {"body": "A note"}),
]


def _unchanged():
    db.session.expire_all()
    assert count(SafeguardingCheck) == 1 and count(Restriction) == 1 and count(MemberNote) == 1
    assert count(Restriction, Restriction.lifted_at.is_not(None)) == 0


@pytest.mark.parametrize("who", ["signed_out", "member", "other_coordinator"])
def test_nobody_but_this_communitys_coordinators_reaches_safeguarding(client, auth, make_member, elsewhere, team, recorded, who, subtests):
    ids = _ids(team)
    if who == "signed_out":
        auth.logout()
    elif who == "member":
        sign_in(auth, team.bola)
    else:
        outsider, _ = make_member(role="coordinator", target=elsewhere)
        sign_in(auth, outsider)
    for path in GET_ROUTES:
        with subtests.test(method="GET", path=path):
            response = client.get(path.format(**ids))
            if who == "signed_out":
                assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
            else:
                assert response.status_code == 404
    for path, data in POST_ROUTES:
        with subtests.test(method="POST", path=path):
            response = client.post(path.format(**ids), data=data)
            assert response.status_code == (302 if who == "signed_out" else 404)
    with subtests.test(path="/coordinate/safeguarding/expiring"):
        response = client.get("/coordinate/safeguarding/expiring")
        if who == "other_coordinator":
            assert response.status_code == 200 and "Alice Adeyemi" not in text(response)
        else:
            assert response.status_code == (302 if who == "signed_out" else 404)
    _unchanged()
