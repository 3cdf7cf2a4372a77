"""Dates everywhere (issue 13): the group session form and the organisation transfer, donation
and grant forms take the GOV.UK date input (day, month and year, with Today and Yesterday),
keeping what was typed beside an error; and pages show dates as "3 December 2026" (with the time
of day in the community's time zone), never ISO."""
import re
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from coordinate_support import activity, assert_form_error, sign_in, text
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Entry, GroupSession, Passkey
from timebank.services.communities import create_organisation_account
from timebank.services.tokens import create_token

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def world(community, make_member):
    cora, _ = make_member(role="coordinator", kind="professional", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="volunteer", name="Bola Okafor")
    clinic = create_organisation_account(community.id, "Riverside Clinic", floor=-6000)
    db.session.commit()
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account, clinic=clinic)


def boxes(day) -> dict:
    return {"occurred_on": "other", "occurred_on-day": str(day.day), "occurred_on-month": str(day.month), "occurred_on-year": str(day.year)}


def session_form(community, world, **dates) -> dict:
    return {
        "submission_id": uuid.uuid4().hex, "action": "save", "title": "Coffee morning",
        "activity": activity(community), "hours": "1", "minutes": "0", "payer": "organisation",
        "payer_account": world.clinic.id, "facilitators": [world.alice.id], "attendees": [world.bola.id], "q": "", **dates,
    }


def transfer_form(world, reason="", **dates) -> dict:
    return {"submission_id": uuid.uuid4().hex, "action": "save", "member": world.alice_account.id, "hours": "1",
            "minutes": "0", "reason": reason, **dates}


def test_the_session_form_takes_the_date_input_and_keeps_what_was_typed(client, auth, community, world):
    sign_in(auth, world.cora)
    html = client.get("/coordinate/sessions/new").get_data(as_text=True)
    assert 'type="date"' not in html
    assert 'name="occurred_on-day"' in html and re.search(r'value="today"\s+checked', html)
    wrong = client.post("/coordinate/sessions/new", data=session_form(community, world, **{
        "occurred_on": "other", "occurred_on-day": "31", "occurred_on-month": "2", "occurred_on-year": "2026"}))
    assert_form_error(wrong, "occurred_on", "Enter a real date, for example 27 3 2026")
    kept = wrong.get_data(as_text=True)
    assert 'name="occurred_on-day" value="31"' in kept and 'name="occurred_on-month" value="2"' in kept
    day = community.today() - timedelta(days=3)
    done = client.post("/coordinate/sessions/new", data=session_form(community, world, **boxes(day)))
    assert done.status_code == 303, text(done)
    assert db.session.scalars(select(GroupSession)).one().occurred_on == day
    yesterday = client.post("/coordinate/sessions/new", data=session_form(community, world, occurred_on="yesterday"))
    assert yesterday.status_code == 303
    dates = sorted(s.occurred_on for s in db.session.scalars(select(GroupSession)))
    assert dates == sorted([day, community.today() - timedelta(days=1)])


@pytest.mark.parametrize("path", ["/coordinate/accounts/donate", "/coordinate/accounts/grant", "pay"])
def test_the_transfer_forms_take_the_date_input_and_keep_what_was_typed(client, auth, community, world, path):
    sign_in(auth, world.cora)
    path = f"/coordinate/accounts/{world.clinic.id}/pay" if path == "pay" else path
    html = client.get(path).get_data(as_text=True)
    assert 'type="date"' not in html and 'name="occurred_on-year"' in html
    incomplete = client.post(path, data=transfer_form(world, "Winter help", **{
        "occurred_on": "other", "occurred_on-day": "3", "occurred_on-month": "", "occurred_on-year": "2026"}))
    assert_form_error(incomplete, "occurred_on", "Enter the day, the month and the year")
    assert 'name="occurred_on-day" value="3"' in incomplete.get_data(as_text=True)
    day = community.today() - timedelta(days=2)
    done = client.post(path, data=transfer_form(world, "Winter help", **boxes(day)))
    assert done.status_code == 303, text(done)
    entry = db.session.scalars(select(Entry).order_by(Entry.id.desc())).first()
    assert entry.occurred_on == day


def shown(moment, community) -> str:
    local = moment.astimezone(ZoneInfo(community.timezone))
    return f"{local.day} {local:%B %Y}, {local:%H:%M}"


def test_the_tokens_and_passkeys_pages_show_dates_as_people_read_them(client, auth, community, world, now):
    made, used = now - timedelta(days=40, hours=3), now - timedelta(days=2, minutes=17)
    token, _secret = create_token(world.alice.user, name="Spreadsheet", scopes=["read"])
    token.created_at, token.last_used_at = made, used
    db.session.add(Passkey(
        user_id=world.alice.user_id, credential_id="cred-1", public_key=b"k", user_handle="h", name="Kitchen tablet",
        created_at=made, last_used_at=used,
    ))
    db.session.commit()
    sign_in(auth, world.alice)
    for path in ("/account/tokens", "/account/passkeys"):
        response = client.get(path)
        assert response.status_code == 200
        page = text(response)
        assert shown(made, community) in page and shown(used, community) in page, path
        assert not re.search(r"\d{4}-\d{2}-\d{2}", page), f"an ISO date on {path}"


def test_no_template_shows_a_person_an_iso_date():
    """Dates a person reads go through |day, |month_name or |moment; strftime stays only for
    URLs ('%Y-%m') and the date input's example ('%-d %-m %Y')."""
    allowed = {"'%Y-%m'", '"%-d %-m %Y"'}
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "isoformat()" in line or "local_time(" in line and "[:10]" in line:
                found.append(f"{path.relative_to(TEMPLATES)}:{number}")
            found += [f"{path.relative_to(TEMPLATES)}:{number}" for fmt in re.findall(r"strftime\(([^)]*)\)", line) if fmt not in allowed]
    assert not found, found
