"""Group sessions through the test client, on SQLite and PostgreSQL: one ledger entry holding
every posting, the register, who pays, the split among facilitators, a limit that stops the
whole session, and a form sent twice."""
import re
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.coordinate_support import activity, assert_form_error, count, hidden_value, queries_for, sign_in, text
from timebank.extensions import db
from timebank.ledger import verify
from timebank.models import Account, Attendance, AuditEvent, Entry, GroupSession, Posting
from timebank.services.communities import create_community, create_organisation_account, pot_account
from timebank.services.sessions.record import split_evenly


@pytest.fixture
def world(community, make_member):
    coordinator, _ = make_member(role="coordinator", name="Cora Coordinator")
    people = [make_member(name=f"Member {letter}") for letter in "ABCDEFGH"]
    clinic = create_organisation_account(community.id, "Riverside Clinic", floor=-6000)
    db.session.commit()
    return SimpleNamespace(community=community, coordinator=coordinator, people=people, clinic=clinic)


def session_form(world, facilitators, attendees, **overrides) -> dict:
    data = {
        "submission_id": uuid.uuid4().hex,
        "action": "save",
        "title": "Co-design workshop: the new clinic waiting room",
        "occurred_on": world.community.today().isoformat(),
        "activity": activity(world.community, "Co-design and planning"),
        "coproduction_step": "ideas",
        "ladder_rung": "co_design",
        "hours": "2",
        "minutes": "0",
        "payer": "organisation",
        "payer_account": world.clinic.id,
        "facilitators": [m.id for m in facilitators],
        "attendees": [m.id for m in attendees],
        "q": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def balance(account) -> int:
    db.session.expire_all()
    return db.session.get(Account, account.id).balance


def test_split_evenly_gives_the_remainder_to_the_first():
    assert split_evenly(100, 3) == [34, 33, 33]
    assert split_evenly(120, 2) == [60, 60]
    assert split_evenly(5, 1) == [5]


def test_an_organisation_pays_everyone_in_one_entry(client, auth, world):
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    sid = hidden_value(client.get("/coordinate/sessions/new"), "submission_id")
    response = client.post("/coordinate/sessions/new", data=session_form(world, members[:1], members[1:], submission_id=sid))
    assert response.status_code == 303, response.get_data(as_text=True)

    session = db.session.scalars(select(GroupSession)).one()
    assert response.headers["Location"] == f"/coordinate/sessions/{session.id}"
    entry = db.session.scalars(select(Entry)).one()
    assert session.entry_id == entry.id and entry.kind == "group_session"
    assert (entry.coproduction_step, entry.ladder_rung, entry.confirmed_by_id) == ("ideas", "co_design", world.coordinator.user_id)
    postings = db.session.scalars(select(Posting).where(Posting.entry_id == entry.id)).all()
    assert len(postings) == 9  # 8 participants (1 facilitator, 7 attendees) and the payer
    assert balance(world.clinic) == -8 * 120
    assert all(balance(account) == 120 for _, account in world.people)
    register = db.session.scalars(select(Attendance).order_by(Attendance.id)).all()
    assert [(a.membership_id, a.role) for a in register] == [(members[0].id, "facilitator")] + [(m.id, "attendee") for m in members[1:]]
    assert db.session.scalars(select(AuditEvent.action)).all() == ["session.record"]
    assert all(check.ok for check in verify())

    page = text(client.get(f"/coordinate/sessions/{session.id}"))
    assert "Co-design workshop" in page and "Riverside Clinic paid −16 h" in page and "Member A facilitator +2 h" in page
    assert "Ideas for change" in page and "Co-design" in page
    listing = text(client.get("/coordinate/sessions"))
    assert "Co-design workshop" in listing and " 8 2 h" in listing


def test_the_pot_pays_everyone_facilitators_included(client, auth, world):
    members = [m for m, _ in world.people]
    pot = pot_account(world.community.id)
    sign_in(auth, world.coordinator)
    data = session_form(world, members[:2], members[2:4], payer="pot", payer_account=None, hours="1")
    assert client.post("/coordinate/sessions/new", data=data).status_code == 303
    assert balance(pot) == -4 * 60
    assert [balance(a) for _, a in world.people[:4]] == [60, 60, 60, 60]


def test_attendees_pay_the_facilitators_split_as_evenly_as_whole_minutes_allow(client, auth, world):
    members = [m for m, _ in world.people]
    accounts = [a for _, a in world.people]
    sign_in(auth, world.coordinator)
    data = session_form(world, members[:3], members[3:5], payer="attendees", payer_account=None, hours="0", minutes="50")
    assert client.post("/coordinate/sessions/new", data=data).status_code == 303
    assert [balance(a) for a in accounts[:5]] == [34, 33, 33, -50, -50]  # 100 minutes in three
    assert len(db.session.scalars(select(Posting)).all()) == 5
    assert all(check.ok for check in verify())


def test_a_session_that_would_take_someone_past_a_limit_posts_nothing_and_says_who(client, auth, world):
    members = [m for m, _ in world.people]
    debtor = world.people[4][1]
    debtor.floor = -30
    db.session.commit()
    sign_in(auth, world.coordinator)
    data = session_form(world, members[:1], members[1:6], payer="attendees", payer_account=None, hours="1")
    response = client.post("/coordinate/sessions/new", data=data)
    assert_form_error(response, "attendees", "Member E would go 30 min below the lowest balance allowed")
    assert "Nothing was recorded" in text(response)
    assert count(Entry) == 0 and count(GroupSession) == 0 and count(Attendance) == 0 and count(AuditEvent) == 0
    html = response.get_data(as_text=True)
    ticked = re.findall(r'name="attendees" value="(\d+)" checked', html)
    assert sorted(map(int, ticked)) == sorted(m.id for m in members[1:6]), "the register is kept"


def test_a_session_sent_twice_is_recorded_once(client, auth, world):
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    data = session_form(world, members[:1], members[1:3])
    first = client.post("/coordinate/sessions/new", data=data)
    second = client.post("/coordinate/sessions/new", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(GroupSession) == 1 and count(Entry) == 1 and count(AuditEvent) == 1
    assert balance(world.clinic) == -3 * 120


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"facilitators": []}, "facilitators", "Tick at least one facilitator"),
        ({"title": ""}, "title", "Enter the session's title"),
        ({"payer": None}, "payer", "Choose who pays for the session"),
        ({"payer_account": "0"}, "payer_account", "Choose the organisation that pays"),
        ({"payer": "attendees", "attendees": []}, "attendees", "Tick at least one attendee"),
        ({"hours": "0", "minutes": "0"}, "minutes", "Enter a time of at least 1 minute"),
        ({"activity": "-1"}, "activity", "Choose what the session was for"),
        ({"ladder_rung": "the_top"}, "ladder_rung", "Not a valid choice"),
    ],
)
def test_session_refusals_say_what_is_wrong_and_keep_the_answers(client, auth, world, change, field, message):
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    data = session_form(world, members[:1], members[1:3])
    data.update(change)
    response = client.post("/coordinate/sessions/new", data={k: v for k, v in data.items() if v is not None})
    assert_form_error(response, field, message)
    if field != "title":
        assert 'value="Co-design workshop: the new clinic waiting room"' in response.get_data(as_text=True)
    assert count(GroupSession) == 0 and count(Entry) == 0


def test_someone_ticked_twice_or_from_elsewhere_is_refused(client, auth, world, make_member):
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    response = client.post("/coordinate/sessions/new", data=session_form(world, members[:1], members[:2]))
    assert_form_error(response, "attendees", "Someone is ticked as both facilitator and attendee: Member A.")
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    stranger, _ = make_member(target=elsewhere)
    response = client.post("/coordinate/sessions/new", data=session_form(world, members[:1], [members[1], stranger]))
    assert_form_error(response, "attendees", "Everyone on the register must be an active member of this timebank.")
    assert count(GroupSession) == 0 and count(Entry) == 0


def test_the_register_finds_people_by_name_and_keeps_who_is_ticked(client, auth, world, make_member):
    for n in range(25):
        make_member(name=f"Zed {n:02d}")
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    form = client.get("/coordinate/sessions/new").get_data(as_text=True)
    assert f'name="attendees" value="{members[0].id}"' in form
    data = session_form(world, members[:1], members[1:2], action="search", q="zed 0")
    response = client.post("/coordinate/sessions/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = re.findall(r'<label class="checkbox-label" for="attendees-\d+">(.*?)</label>', html)
    assert shown[:2] == ["Member A", "Member B"], "the ticked come first"
    assert shown[2:] == [f"Zed {n:02d}" for n in range(25) if "0" in f"{n:02d}"]  # every word matches
    assert f'name="facilitators" value="{members[0].id}" checked' in html
    assert f'name="attendees" value="{members[1].id}" checked' in html

    page_one = client.post("/coordinate/sessions/new", data=session_form(world, [], [], action="search", q="zed"))
    more = re.search(r'name="action" value="(more-\d+)"', page_one.get_data(as_text=True)).group(1)
    page_two = client.post("/coordinate/sessions/new", data=session_form(world, [], [], action=more, q="zed"))
    names = re.findall(r'for="attendees-\d+">(.*?)</label>', page_two.get_data(as_text=True))
    assert names == [f"Zed {n:02d}" for n in range(20, 25)]
    assert count(GroupSession) == 0


def test_the_session_pages_ask_the_same_number_of_queries_however_many_rows(client, auth, world):
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    client.post("/coordinate/sessions/new", data=session_form(world, members[:1], members[1:2]))
    first = db.session.scalars(select(GroupSession)).one()
    paths = ["/coordinate/sessions", "/coordinate/sessions/new"]
    before = [len(queries_for(client, p)) for p in paths] + [len(queries_for(client, f"/coordinate/sessions/{first.id}"))]
    for _ in range(3):
        client.post("/coordinate/sessions/new", data=session_form(world, members[:1], members[1:2], hours="0", minutes="5"))
    big = client.post("/coordinate/sessions/new", data=session_form(world, members[:2], members[2:], minutes="5", hours="0"))
    big_id = int(big.headers["Location"].rsplit("/", 1)[1])
    after = [len(queries_for(client, p)) for p in paths] + [len(queries_for(client, f"/coordinate/sessions/{big_id}"))]
    assert after == before


# -- who may see these pages -----------------------------------------------------------------


@pytest.fixture
def recorded(client, auth, world):
    members = [m for m, _ in world.people]
    sign_in(auth, world.coordinator)
    client.post("/coordinate/sessions/new", data=session_form(world, members[:1], members[1:3]))
    auth.logout()
    return db.session.scalars(select(GroupSession)).one()


def test_a_coordinator_elsewhere_cannot_see_or_use_this_communitys_sessions(client, auth, world, recorded, make_member):
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    other, _ = make_member(role="coordinator", target=elsewhere)
    sign_in(auth, other)
    assert client.get(f"/coordinate/sessions/{recorded.id}").status_code == 404
    assert "Co-design workshop" not in text(client.get("/coordinate/sessions"))
    members = [m for m, _ in world.people]
    response = client.post("/coordinate/sessions/new", data=session_form(world, members[:1], members[1:3]))
    assert response.status_code == 422 and count(GroupSession) == 1 and count(AuditEvent) == 1


def test_members_get_404_and_the_signed_out_are_sent_to_sign_in(client, auth, world, recorded, subtests):
    routes = [("GET", "/coordinate/sessions"), ("GET", "/coordinate/sessions/new"), ("POST", "/coordinate/sessions/new"),
              ("GET", f"/coordinate/sessions/{recorded.id}")]
    members = [m for m, _ in world.people]
    sign_in(auth, members[0])
    for method, path in routes:
        with subtests.test(who="member", path=path):
            response = client.get(path) if method == "GET" else client.post(path, data=session_form(world, members[:1], members[1:3]))
            assert response.status_code == 404
    auth.logout()
    for method, path in routes:
        with subtests.test(who="signed out", path=path):
            response = client.get(path) if method == "GET" else client.post(path, data={})
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(GroupSession) == 1
