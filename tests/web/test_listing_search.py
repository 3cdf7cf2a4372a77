"""Finding offers and requests (issue 13): the search looks, in any case, at the title, the
description, the activity's name and the holder's skills; what people type matches itself
(`%` and `_` are not wildcards); it is cut to 100 characters before any query; an expired
listing leaves the list and the search but its owner still sees it, with "Renew" (a POST)."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import ActivityCategory, Listing, ListingStatus
from timebank.services.listings import create_listing

PASSWORD = "correct horse battery"
TITLES = {"Help with the hedge", "Soup on Sundays", "100% cotton scarves", "file_name fixing", "filename lessons"}


def sign_in(client, membership):
    client.post("/logout")
    response = client.post("/login", data={"email": membership.user.email, "password": PASSWORD})
    assert response.status_code == 302


def post(membership, title, *, type_="request", description="", category=None, n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    listing, _ = create_listing(
        membership, type_=type_, title=title, description=description, category_id=category, submission_id=f"s{n[0]}"
    )
    return listing


@pytest.fixture
def world(client, community, make_member):
    alice, _ = make_member(name="Alice Adeyemi")
    bola, _ = make_member(name="Bola Okafor")
    bola.skills = "Knitting and baking"
    gardening = db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community.id, ActivityCategory.name == "Gardening")
    )
    listings = SimpleNamespace(
        hedge=post(bola, "Help with the hedge", category=gardening),
        soup=post(bola, "Soup on Sundays", type_="offer", description="I make LEEK soup"),
        percent=post(bola, "100% cotton scarves", type_="offer"),
        under=post(bola, "file_name fixing", type_="offer"),
        plain=post(bola, "filename lessons", type_="offer"),
    )
    db.session.commit()
    sign_in(client, alice)
    return SimpleNamespace(alice=alice, bola=bola, listings=listings)


def found(client, query: str) -> set[str]:
    response = client.get("/listings", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return {title for title in TITLES if title in body}


def test_search_looks_at_title_description_activity_and_skills_in_any_case(client, world):
    assert found(client, "gardening") == {"Help with the hedge"}  # the activity's name
    assert found(client, "HEDGE") == {"Help with the hedge"}
    assert found(client, "leek") == {"Soup on Sundays"}  # the description
    # Bola's skills: every one of Bola's listings (the holder knits).
    assert found(client, "knitting") == TITLES
    assert found(client, "gardening hedge") == {"Help with the hedge"}  # every word must match
    assert found(client, "gardening soup") == set()


def test_wildcards_typed_match_only_themselves(client, world):
    assert found(client, "%") == {"100% cotton scarves"}
    assert found(client, "file_name") == {"file_name fixing"}
    assert found(client, "_") == {"file_name fixing"}


def test_a_long_search_is_cut_before_the_query_and_never_fails(client, world):
    response = client.get("/listings", query_string={"q": "hedge" + " x" * 500})
    assert response.status_code == 200
    # Words past the 100th character are not searched for: only "hedge" is.
    assert found(client, "hedge" + " " * 95 + "nowhere") == {"Help with the hedge"}
    assert found(client, "hedge\x00") == {"Help with the hedge"}


def test_an_expired_listing_leaves_the_list_and_its_owner_can_renew_it(app, client, world, today):
    hedge = world.listings.hedge
    hedge.expires_on = today - timedelta(days=1)
    db.session.commit()
    assert "Help with the hedge" not in found(client, "hedge")
    assert client.get(f"/listings/{hedge.id}").status_code == 404

    sign_in(client, world.bola)
    mine = client.get("/listings/mine").get_data(as_text=True)
    assert "Expired" in mine and "Renew" in mine
    page = client.get(f"/listings/{hedge.id}").get_data(as_text=True)
    assert "Expired" in page and f'action="/listings/{hedge.id}/keep"' in page
    assert client.get(f"/listings/{hedge.id}/keep").status_code == 405  # never a GET that writes

    response = client.post(f"/listings/{hedge.id}/keep")
    assert response.status_code == 303
    db.session.expire_all()
    renewed = db.session.get(Listing, hedge.id)
    assert renewed.status == ListingStatus.OPEN and renewed.expires_on > today
    assert renewed.expires_on <= today + timedelta(days=91)
    sign_in(client, world.alice)
    assert "Help with the hedge" in found(client, "hedge")


def test_the_coordinator_sets_how_long_listings_last_on_the_settings_page(client, community, make_member):
    coordinator, _ = make_member(role="coordinator")
    sign_in(client, coordinator)
    assert "Days an offer or request stays listed" in client.get("/coordinate/settings").get_data(as_text=True)
    refused = client.post("/coordinate/settings", data={"retention_days": "365", "listing_days": "400"})
    assert refused.status_code == 422 and "Enter a whole number from 7 to 365" in refused.get_data(as_text=True)
    assert client.post("/coordinate/settings", data={"retention_days": "365", "listing_days": "30"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(community), community.id).listing_days == 30
