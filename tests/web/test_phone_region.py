"""The phone region as a community setting (issue 13): set on /coordinate/settings, checked
against the regions `phonenumbers` knows, and used to read the phone numbers of that community's
members, on their profile and in the member CSV import (with the line number)."""
import io
from types import SimpleNamespace

import pytest
from coordinate_support import assert_form_error, sign_in, text
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import AuditEvent, Community, Membership, User

IRISH_MOBILE = "087 123 4567"


@pytest.fixture
def team(community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, _ = make_member(kind="service_user", name="Alice Adeyemi")
    return SimpleNamespace(cora=cora, alice=alice)


def settings(**overrides) -> dict:
    return {"retention_days": "365", "staff_two_factor_required": "y", **overrides}


def profile(phone: str) -> dict:
    return {"display_name": "", "skills": "", "availability": "", "phone": phone, "contact_by": "phone"}


def saved(community) -> Community:
    db.session.expire_all()
    return db.session.get(Community, community.id)


def test_the_settings_page_sets_the_phone_region_audited_and_empty_means_the_default(client, auth, community, team):
    sign_in(auth, team.cora)
    page = text(client.get("/coordinate/settings"))
    assert "Country or region of phone numbers typed without a country code" in page
    assert "Leave empty for the default, GB." in page
    assert client.post("/coordinate/settings", data=settings(phone_region=" ie ")).status_code == 303
    assert saved(community).phone_region == "IE"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "community.settings")).one()
    assert event.details["changed"] == {"phone_region": [None, "IE"]}
    assert 'value="IE"' in client.get("/coordinate/settings").get_data(as_text=True)
    assert client.post("/coordinate/settings", data=settings(phone_region="")).status_code == 303
    assert saved(community).phone_region is None


@pytest.mark.parametrize("typed", ["XX", "GBR"])
def test_a_region_phonenumbers_does_not_know_is_refused_beside_the_field_and_kept(client, auth, community, team, typed):
    message = "Enter the two letters of a country or region, like GB for the United Kingdom"
    sign_in(auth, team.cora)
    response = client.post("/coordinate/settings", data=settings(phone_region=typed))
    assert_form_error(response, "phone_region", message)
    assert f'value="{typed}"' in response.get_data(as_text=True)
    assert saved(community).phone_region is None


def test_a_members_phone_is_read_in_their_communitys_region(client, auth, community, team):
    sign_in(auth, team.alice)
    refused = client.post("/profile", data=profile(IRISH_MOBILE))
    assert refused.status_code == 422 and "Enter a phone number, like 020 7946 0018" in text(refused)
    community.phone_region = "IE"
    db.session.commit()
    assert client.post("/profile", data=profile(IRISH_MOBILE)).status_code == 303
    db.session.expire_all()
    assert db.session.get(Membership, team.alice.id).phone == IRISH_MOBILE
    uk_local = client.post("/profile", data=profile("07911 123456"))
    assert uk_local.status_code == 422 and "Enter a phone number, like 085 012 3456 or +353 85 012 3456" in text(uk_local)
    assert client.post("/profile", data=profile("+44 7911 123456")).status_code == 303, "a country code still works"


def upload(client, content: str):
    data = {"file": (io.BytesIO(content.encode()), "members.csv")}
    return client.post("/coordinate/members/import", data=data, content_type="multipart/form-data")


def test_the_member_import_checks_phones_in_the_communitys_region_with_the_line(client, auth, community, team):
    sign_in(auth, team.cora)
    content = (
        "name,email,kind,role,phone\n"
        "Gina Good,gina@example.org,carer,,01234 567890\n"
        f"Hal Irish,hal@example.org,volunteer,,{IRISH_MOBILE}\n"
        "Ike Words,ike@example.org,carer,,call me\n"
    )
    response = upload(client, content)
    assert response.status_code == 422
    page = text(response)
    assert f"Line 3: \u201c{IRISH_MOBILE}\u201d is not a phone number" in page
    assert "Line 4: \u201ccall me\u201d is not a phone number" in page
    assert "Line 2" not in page
    assert db.session.scalar(select(User).where(User.email == "gina@example.org")) is None, "all or nothing"
    community.phone_region = "IE"
    db.session.commit()
    irish = upload(client, "name,email,kind,role,phone\n" f"Hal Irish,hal@example.org,volunteer,,{IRISH_MOBILE}\n")
    assert irish.status_code in (200, 303), text(irish)
    assert db.session.scalar(select(User).where(User.email == "hal@example.org")) is not None
