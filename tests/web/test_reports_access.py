"""Who may read a community's report: funders only where granted (and suppressed), coordinators
of the community (unsuppressed), nobody else (404, never 403). Granting and revoking funder
access, audited. And a funder never sees a member's name, email, reference or note anywhere."""
import uuid
from datetime import timedelta

import pytest
from coordinate_support import give, last_month, sign_in
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import AuditEvent, Invitation, MemberNote, Membership, MembershipStatus, Role
from timebank.reports import views
from timebank.reports.tables import TABLES
from timebank.services.communities import create_community
from timebank.services.exchanges.log import log_exchange
from timebank.services.people import add_membership, create_user
from timebank.services.periods import close_month

QUERY = "from={start}&to={end}"


@pytest.fixture
def world(app, community, make_member):
    """Riverside with a coordinator, a funder and members with names and notes nobody could miss;
    Elsewhere with its own funder."""
    today = community.today()
    month_start = today.replace(day=1)
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Quillfeather")
    people = []
    for n, kind in enumerate(["service_user", "volunteer", "carer", "professional", "service_user", "volunteer", "volunteer"]):
        membership, account = make_member(kind=kind, name=f"Zephyrine Marchbank{n}")
        people.append((membership, account))
    for i, (_giver, giver_account) in enumerate(people):
        for j in (1, 2, 3):
            receiver_account = people[(i + j) % len(people)][1]
            give(community, giver_account, receiver_account, 30 + 15 * j, month_start - timedelta(days=3 + i + j),
                 note=f"Private note about Zephyrine {i}-{j}")
    alice = people[0][0]
    log_exchange(alice, gave=True, partner_account_id=people[1][1].id, minutes=30, occurred_on=today, activity_id=None,
                 note="note-about-alice-xyzzy", submission_id=uuid.uuid4().hex)
    db.session.add(MemberNote(membership_id=alice.id, author_id=cora.user_id, body="safeguarding-note-plugh"))
    fiona, _ = make_member(role="funder", name="Fiona Funderson")
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    fred = add_membership(create_user("fred@elsewhere.example", "Fred Elsewhere", "correct horse battery"), elsewhere, role="funder")
    db.session.commit()
    # Funders read only closed months: last month (the exchanges above) is closed.
    closed = last_month(community)
    close_month(community, closed, actor_id=cora.user_id)
    db.session.commit()
    return {
        "cora": cora, "alice": alice, "fiona": fiona, "fred": fred, "people": [p for p, _ in people],
        "query": QUERY.format(start=closed.isoformat(), end=(month_start - timedelta(days=1)).isoformat()),
    }


def report_paths(slug: str, query: str) -> list[str]:
    return [f"/reports/{slug}/?{query}", f"/reports/{slug}/report.json?{query}"] + [
        f"/reports/{slug}/{name}.csv?{query}" for name in TABLES
    ]


def test_a_funder_of_another_community_finds_nothing(client, auth, world):
    sign_in(auth, world["fred"])
    for path in report_paths("riverside", world["query"]):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Riverside" not in response.get_data(as_text=True), path
    assert client.get("/reports/elsewhere/").status_code == 200
    assert "Riverside" not in client.get("/reports/").get_data(as_text=True)


def test_a_community_that_does_not_exist_looks_like_one_you_may_not_see(client, auth, world):
    sign_in(auth, world["fiona"])
    for path in report_paths("no-such-place", world["query"]):
        assert client.get(path).status_code == 404, path
    assert client.get("/reports/no-such-place/report.json").get_json()["error"]["code"] == "not_found"


def test_a_member_who_is_not_a_funder_finds_nothing(client, auth, world):
    sign_in(auth, world["alice"])
    for path in [*report_paths("riverside", world["query"]), "/reports/"]:
        assert client.get(path).status_code == 404, path
    assert 'href="/reports/"' not in client.get("/").get_data(as_text=True)


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, world):
    for path in [*report_paths("riverside", world["query"]), "/reports/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_coordinators_read_unsuppressed_and_funders_suppressed(client, auth, world, monkeypatch):
    calls = []
    real = views.compute_report

    def spy(community, period, unsuppressed):
        calls.append((community.slug, unsuppressed))
        return real(community, period, unsuppressed)

    monkeypatch.setattr(views, "compute_report", spy)
    query = world["query"]
    sign_in(auth, world["cora"])
    for path in report_paths("riverside", query):
        assert client.get(path).status_code == 200, path
    assert calls and all(call == ("riverside", True) for call in calls)
    coordinator_json = client.get(f"/reports/riverside/report.json?{query}").get_json()
    assert coordinator_json["suppressed"] == {}

    calls.clear()
    sign_in(auth, world["fiona"])
    for path in [*report_paths("riverside", query), f"/reports/?{query}"]:
        assert client.get(path).status_code == 200, path
    assert calls and all(call == ("riverside", False) for call in calls)
    funder_json = client.get(f"/reports/riverside/report.json?{query}").get_json()
    # Seven members: cells of the role-flow matrix are built from fewer than five people.
    assert funder_json["suppressed"], "nothing hidden for a funder of a community of seven"
    assert "fewer than 5 people" in client.get(f"/reports/riverside/?{query}").get_data(as_text=True)


def test_a_funder_never_sees_a_name_email_reference_or_note(client, auth, world):
    sign_in(auth, world["fiona"])
    members = [world["cora"], *world["people"]]
    forbidden = {"note-about-alice-xyzzy", "safeguarding-note-plugh", "Private note about", "Zephyrine", "Marchbank",
                 "Quillfeather"}
    for membership in members:
        forbidden |= {membership.user.name, membership.user.email, membership.ref}
    paths = [*report_paths("riverside", world["query"]), f"/reports/?{world['query']}", "/reports/", "/reports/riverside/"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        leaked = sorted(s for s in forbidden if s.lower() in body.lower())
        assert not leaked, f"{path} shows {leaked}"
    data = client.get(f"/reports/riverside/report.json?{world['query']}").get_json()

    def keys(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from keys(value)
        elif isinstance(node, list):
            for item in node:
                yield from keys(item)

    assert data.pop("community") == {"slug": "riverside", "name": "Riverside Timebank"}
    assert not [k for k in keys(data) if k in {"id", "membership_id", "account_id", "user_id", "ref", "member_ref", "name", "email", "note"}]


def test_a_funder_starts_on_the_reports_and_sees_the_link(client, auth, world):
    sign_in(auth, world["fiona"])
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/reports/")
    page = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/">Reports</a>' in page


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_coordinator_grants_and_revokes_access(client, auth, world):
    fred = world["fred"]
    sign_in(auth, world["cora"])
    page = client.get("/coordinate/report-access")
    assert page.status_code == 200
    assert "Fiona Funderson" in page.get_data(as_text=True)
    assert "/coordinate/report-access" in client.get("/coordinate/").get_data(as_text=True)

    response = client.post("/coordinate/report-access", data={"email": " FRED@elsewhere.example ", "submission_id": uuid.uuid4().hex})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    grant = db.session.scalar(select(Membership).where(Membership.user_id == fred.user_id, Membership.community_id == world["cora"].community_id))
    assert (grant.role, grant.status, grant.kind_id) == (Role.FUNDER, MembershipStatus.ACTIVE, None)
    assert [e.subject_membership_id for e in events("report.grant")] == [grant.id]
    assert events("report.grant")[0].actor_id == world["cora"].user_id

    sign_in(auth, fred)
    assert client.get("/reports/riverside/").status_code == 200

    sign_in(auth, world["cora"])
    response = client.post(f"/coordinate/report-access/{grant.id}/revoke")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Membership, grant.id).status == MembershipStatus.LEFT
    assert [e.subject_membership_id for e in events("report.revoke")] == [grant.id]
    # Only an active funder's access can be revoked: a member's is not a grant.
    assert client.post(f"/coordinate/report-access/{world['alice'].id}/revoke").status_code == 404
    assert client.post(f"/coordinate/report-access/{grant.id}/revoke").status_code == 404

    sign_in(auth, fred)
    assert client.get("/reports/riverside/").status_code == 404

    # Granted again, the same membership comes back.
    sign_in(auth, world["cora"])
    client.post("/coordinate/report-access", data={"email": "fred@elsewhere.example", "submission_id": uuid.uuid4().hex})
    db.session.expire_all()
    assert db.session.get(Membership, grant.id).status == MembershipStatus.ACTIVE


def test_access_is_for_people_without_an_account_here(client, auth, world):
    sign_in(auth, world["cora"])
    alice = world["alice"]
    response = client.post("/coordinate/report-access", data={"email": alice.user.email, "submission_id": uuid.uuid4().hex})
    assert response.status_code == 422
    assert "already takes part in this community" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Membership, alice.id).role == Role.MEMBER
    assert events("report.grant") == []


def test_a_new_address_gets_a_funder_invitation(client, auth, world):
    sign_in(auth, world["cora"])
    response = client.post("/coordinate/report-access", data={"email": "newfunder@trust.example", "submission_id": uuid.uuid4().hex})
    assert response.status_code == 422  # a name is needed to invite someone new
    response = client.post("/coordinate/report-access", data={
        "email": "newfunder@trust.example", "name": "Nia Trustee", "submission_id": uuid.uuid4().hex,
    })
    assert response.status_code == 200
    assert "/invitation/" in response.get_data(as_text=True) or "invitation" in response.get_data(as_text=True).lower()
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "newfunder@trust.example"))
    assert (invitation.role, invitation.kind_id, invitation.community_id) == (Role.FUNDER, None, world["cora"].community_id)
    assert [e.target_id for e in events("report.invite")] == [invitation.id]
    assert "Nia Trustee" in client.get("/coordinate/report-access").get_data(as_text=True)
