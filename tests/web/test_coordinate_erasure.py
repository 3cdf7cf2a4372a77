"""The coordinator's erasure page: the reason and the "cannot be undone" check, only for someone
who has left, once however often the form is sent, and nobody else's to reach."""
from coordinate_support import sign_in
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import AuditEvent, Membership
from timebank.services.communities import create_community
from timebank.services.people import leaving
from timebank.services.people.erasure import ERASED_NAME


def page(client, membership_id):
    return client.get(f"/coordinate/members/{membership_id}/erase")


def send(client, membership_id, submission_id="e" * 32, **data):
    return client.post(f"/coordinate/members/{membership_id}/erase", data={"submission_id": submission_id, **data})


def erasures() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "member.erase"))


def test_a_coordinator_erases_someone_who_has_left(client, auth, community, make_member):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    leaving.leave(coordinator, member.id, leaving.FREEZE)
    db.session.commit()
    sign_in(auth, coordinator)

    member_page = client.get(f"/coordinate/members/{member.id}").get_data(as_text=True)
    assert f"/coordinate/members/{member.id}/erase" in member_page
    shown = page(client, member.id).get_data(as_text=True)
    assert "This cannot be undone." in shown and 'name="understood"' in shown

    unchecked = send(client, member.id, reason="They asked, by email")
    assert unchecked.status_code == 422
    assert "Confirm that you understand this cannot be undone" in unchecked.get_data(as_text=True)
    no_reason = send(client, member.id, understood="y")
    assert no_reason.status_code == 422 and "Say why their details are being erased" in no_reason.get_data(as_text=True)
    assert erasures() == 0

    done = send(client, member.id, reason="They asked, by email", understood="y")
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/coordinate/members/{member.id}")
    again = send(client, member.id, reason="They asked, by email", understood="y")
    assert again.status_code == 303 and erasures() == 1, "a repeated form erases once"

    after = client.get(f"/coordinate/members/{member.id}").get_data(as_text=True)
    assert ERASED_NAME in after and "Robin Example" not in after
    assert f"/coordinate/members/{member.id}/erase" not in after
    assert "already erased" in page(client, member.id).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, member.id).user.name == ERASED_NAME


def test_someone_still_a_member_cannot_be_erased(client, auth, community, make_member):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member(name="Robin Example")
    sign_in(auth, coordinator)
    shown = page(client, member.id).get_data(as_text=True)
    assert "Record that they have left first" in shown and 'name="understood"' not in shown
    refused = send(client, member.id, reason="They asked", understood="y")
    assert refused.status_code == 422 and erasures() == 0
    assert "Robin Example" in client.get(f"/coordinate/members/{member.id}").get_data(as_text=True)


def test_nobody_else_reaches_the_page(client, auth, community, make_member):
    coordinator, _ = make_member(role="coordinator")
    member, _ = make_member()
    leaving.leave(coordinator, member.id, leaving.FREEZE)
    elsewhere = create_community("hillside", "Hillside Timebank")
    other_coordinator, _ = make_member(role="coordinator", target=elsewhere)
    db.session.commit()

    assert page(client, member.id).status_code == 302  # signed out: to sign in
    for person in (member, other_coordinator):
        sign_in(auth, person)
        assert page(client, member.id).status_code == 404
        assert send(client, member.id, reason="x", understood="y").status_code == 404
    assert erasures() == 0
