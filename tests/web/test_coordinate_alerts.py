"""The dashboard's alerts: each kind found by a set query, worded as an invitation, and linking to
what resolves it; nothing from another community; the same queries for 5 members or 30."""
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from conftest import utc_now
from coordinate_support import activity, give, links, queries_for, section, sign_in, text

from timebank.extensions import db
from timebank.models import Listing, Match, SafeguardingCheck
from timebank.services.communities import create_community, create_organisation_account
from timebank.services.exchanges.log import log_exchange
from timebank.services.people import add_membership, create_user, member_account


def quick_member(community, **limits):
    """A member with no password (hashing one is slow), here for 200 days."""
    user = create_user(f"{uuid.uuid4().hex[:12]}@crowd.example", "Crowd Member")
    membership = add_membership(user, community, joined_on=community.today() - timedelta(days=200))
    account = member_account(membership.id)
    for key, value in limits.items():
        setattr(account, key, value)
    db.session.commit()
    return membership, account


def long_ago(membership, days=200):
    membership.joined_on = membership.community.today() - timedelta(days=days)
    db.session.commit()
    return membership


def pending(logger, partner_account, minutes, days_ago):
    now = utc_now() - timedelta(days=days_ago)
    exchange, _ = log_exchange(
        logger, gave=True, partner_account_id=partner_account.id, minutes=minutes,
        occurred_on=logger.community.today(now) - timedelta(days=1), activity_id=activity(logger.community),
        note=None, submission_id=uuid.uuid4().hex, now=now,
    )
    db.session.commit()
    return exchange


def listing(membership, title, *, days_ago, type_="request", status="open"):
    item = Listing(
        community_id=membership.community_id, membership_id=membership.id, type=type_, title=title, description="",
        status=status, created_at=utc_now() - timedelta(days=days_ago), submission_id=uuid.uuid4().hex,
    )
    db.session.add(item)
    db.session.commit()
    return item


def check(membership, expires_in_days, check_type="Enhanced DBS"):
    row = SafeguardingCheck(
        membership_id=membership.id, check_type=check_type,
        expires_on=membership.community.today() + timedelta(days=expires_in_days),
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def scene(community, make_member):
    community.auto_confirm_days = None  # chased after 7 days
    db.session.commit()
    today = community.today()
    org = create_organisation_account(community.id, "Riverside Clinic", floor=None)
    db.session.commit()
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    long_ago(cora)
    people = {}
    for name, extra in [
        ("Pat Logger", {}), ("Quinn Confirmer", {}), ("Olga Oldtimer", {}), ("Otto Olden", {}), ("Gina Giver", {}), ("Rita Receiver", {}),
        ("Bea Both", {}), ("Lena Low", {"floor": -600}), ("Cec High", {"ceiling": 600}), ("Mo Middle", {"floor": -600}),
        ("Sam Expired", {}), ("Sue Soon", {}), ("Sid Later", {}), ("Ray Renewed", {}),
    ]:
        membership, account = make_member(name=name, **extra)
        people[name.split()[0].lower()] = SimpleNamespace(m=long_ago(membership), a=account)
    nina, _ = make_member(name="Nina Newcomer")
    long_ago(nina, days=10)
    p = SimpleNamespace(**people)

    pending(p.pat.m, p.quinn.a, 45, days_ago=10)
    pending(p.pat.m, p.quinn.a, 15, days_ago=3)
    give(community, p.olga.a, org, 30, today - timedelta(days=70))
    give(community, p.otto.a, org, 30, today - timedelta(days=150))
    give(community, org, p.otto.a, 30, today - timedelta(days=120))
    give(community, p.gina.a, org, 60, today - timedelta(days=30))
    give(community, p.gina.a, org, 60, today - timedelta(days=5))
    give(community, org, p.rita.a, 90, today - timedelta(days=5))
    give(community, p.bea.a, org, 30, today - timedelta(days=5))
    give(community, org, p.bea.a, 30, today - timedelta(days=4))
    trust = create_organisation_account(community.id, "Harbour Trust", floor=0)
    give(community, trust, p.bea.a, 100, today - timedelta(days=4))
    give(community, p.bea.a, trust, 60, today - timedelta(days=3))
    give(community, org, p.lena.a, 560, today - timedelta(days=3))
    give(community, p.cec.a, org, 580, today - timedelta(days=3))
    give(community, org, p.mo.a, 300, today - timedelta(days=3))
    check(p.sam.m, -10)
    check(p.sue.m, 20)
    check(p.sid.m, 100)
    check(p.ray.m, -400)
    check(p.ray.m, 700)
    shopping = listing(p.rita.m, "Help with shopping", days_ago=20)
    lift = listing(p.rita.m, "Lift to clinic", days_ago=20)
    db.session.add(Match(community_id=community.id, listing_id=lift.id, requester_membership_id=p.rita.m.id, helper_membership_id=p.gina.m.id))
    db.session.commit()
    listing(p.rita.m, "Fresh request", days_ago=3)
    listing(p.gina.m, "Old offer", days_ago=20, type_="offer")
    listing(p.rita.m, "Closed request", days_ago=20, status="closed")

    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    xavier, _ = make_member(name="Xavier Elsewhere", target=elsewhere)
    long_ago(xavier)
    check(xavier, -5)
    listing(xavier, "Elsewhere request", days_ago=30)
    return SimpleNamespace(cora=cora, p=p, nina=nina, org=org, shopping=shopping)


def test_each_alert_finds_whom_it_should_and_links_to_what_resolves_it(client, auth, community, scene):
    p = scene.p
    sign_in(auth, scene.cora)
    response = client.get("/coordinate/")
    assert response.status_code == 200
    hrefs = links(response)

    waiting = section(response, "alert-pending")
    assert "1 exchange waiting more than 7 days" in waiting
    assert "Pat Logger gave 45 min to Quinn Confirmer" in waiting and "15 min" not in waiting
    exchange_links = {f"/coordinate/members/{p.quinn.m.id}"} | {h for h in hrefs if h.startswith("/coordinate/exchanges/")}
    assert exchange_links & set(hrefs), "the alert links to confirming it, or to the member who has to"

    quiet = section(response, "alert-quiet")
    for name in ("Pat Logger", "Quinn Confirmer", "Olga Oldtimer", "Otto Olden", "Sam Expired"):
        assert name in quiet, name
    for name in ("Gina Giver", "Rita Receiver", "Bea Both", "Nina Newcomer", "Cora Coordinator"):
        assert name not in quiet, name
    olga_on = format_date(community.today() - timedelta(days=70), "d MMMM yyyy", locale="en")
    otto_on = format_date(community.today() - timedelta(days=120), "d MMMM yyyy", locale="en")
    assert f"Olga Oldtimer last exchange {olga_on}" in quiet and "Pat Logger no exchange yet" in quiet
    assert f"Otto Olden last exchange {otto_on}" in quiet
    assert quiet.index("Pat Logger") < quiet.index("Olga Oldtimer"), "the longest quiet first"
    assert quiet.index("Otto Olden") < quiet.index("Olga Oldtimer"), "the longest quiet first"

    gave = section(response, "alert-gave")
    assert gave.startswith("Could ask for help with something")
    assert "Gina Giver gave 2 h" in gave and "Cec High" in gave and "Olga Oldtimer" in gave
    assert "Bea Both" not in gave and "Rita Receiver" not in gave
    received = section(response, "alert-received")
    assert received.startswith("Might enjoy offering something")
    assert "Rita Receiver received 1 h 30 min" in received and "Lena Low" in received
    assert "Bea Both" not in received and "Gina Giver" not in received

    limits = section(response, "alert-limits")
    assert "Lena Low : balance \u22129 h 20 min, lowest allowed \u221210 h" in limits
    assert "Cec High : balance 9 h 40 min, highest allowed 10 h" in limits
    assert "Harbour Trust : balance 40 min, lowest allowed 0 min" in limits
    assert "Mo Middle" not in limits and "Riverside Clinic" not in limits
    trust_link = re.search(r'<a href="([^"]+)">Harbour Trust</a>', response.get_data(as_text=True)).group(1)
    assert client.get(trust_link).status_code == 200, f"{trust_link} is where an organisation's account is managed"
    assert f"/coordinate/members/{p.lena.m.id}" in hrefs

    checks = section(response, "alert-checks")
    expired_on = format_date(community.today() - timedelta(days=10), "d MMMM yyyy", locale="en")
    assert f"Sam Expired : Enhanced DBS expired on {expired_on}" in checks
    assert "Sue Soon : Enhanced DBS expires on" in checks
    assert "Sid Later" not in checks and "Ray Renewed" not in checks
    assert f"/coordinate/members/{p.sam.m.id}" in hrefs

    requests = section(response, "alert-requests")
    assert "Help with shopping from Rita Receiver" in requests
    for title in ("Lift to clinic", "Fresh request", "Old offer", "Closed request"):
        assert title not in requests, title
    assert f"/coordinate/requests/{scene.shopping.id}" in hrefs

    month = (community.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert f"{month:%B %Y} has ended and is still open for reporting." in section(response, "alert-period")
    assert f"/coordinate/periods/{month:%Y-%m}" in hrefs

    page = text(response)
    assert "Xavier" not in page and "Elsewhere" not in page
    for label in ("giver", "taker", "inactive", "low engagement"):
        assert label not in page.lower().replace("gina giver", ""), label


def test_pending_days_follow_the_communitys_auto_confirm_days(client, auth, community, make_member):
    community.auto_confirm_days = 3
    db.session.commit()
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    pat, _ = make_member(name="Pat Logger")
    _, quinn = make_member(name="Quinn Confirmer")
    pending(pat, quinn, 40, days_ago=5)
    sign_in(auth, cora)
    assert "1 exchange waiting more than 3 days" in section(client.get("/coordinate/"), "alert-pending")


def test_a_quiet_dashboard_says_so(client, auth, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    sign_in(auth, cora)
    response = client.get("/coordinate/")
    assert "Nothing needs your attention just now." in text(response)
    assert {"/coordinate/entries", "/coordinate/corrections", "/coordinate/periods", "/coordinate/audit"} <= set(links(response))


def test_more_than_shown_says_how_many_more(client, auth, community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    for i in range(13):
        long_ago(make_member(name=f"Quiet Person {i}")[0])
    sign_in(auth, cora)
    quiet = section(client.get("/coordinate/"), "alert-quiet")
    assert "13 members might welcome a call" in quiet and "and 3 more" in quiet


def test_the_dashboard_runs_as_many_queries_for_30_members_as_for_5(client, auth, community, make_member):
    community.auto_confirm_days = None
    db.session.commit()
    today = community.today()
    org = create_organisation_account(community.id, "Riverside Clinic", floor=None)
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")

    def crowd(n):
        """`n` members, each in every kind of alert a member can be in at once."""
        for _ in range(n):
            membership, account = quick_member(community, ceiling=100)
            give(community, account, org, 60, today - timedelta(days=5))  # only gave, near the ceiling
            pending(membership, org, 30, days_ago=10)
            check(membership, 5)
            listing(membership, "A request", days_ago=20)
        for _ in range(n):
            quick_member(community)  # quiet
        for _ in range(n):
            membership, account = quick_member(community)
            give(community, org, account, 60, today - timedelta(days=5))  # only received

    sign_in(auth, cora)
    crowd(5)
    client.get("/coordinate/")
    few = queries_for(client, "/coordinate/")
    crowd(25)
    more = queries_for(client, "/coordinate/")
    assert len(few) == len(more), (len(few), len(more))
    page = client.get("/coordinate/")
    for element in ("alert-pending", "alert-quiet", "alert-gave", "alert-received", "alert-limits", "alert-checks", "alert-requests"):
        assert "and 20 more" in section(page, element), element
