"""Issue 13, coordinators: each finding as a regression test, on SQLite and PostgreSQL.

Suggestions leave out anyone whose required check (per activity) is missing or expired, and say
why; each shows skills, availability and contact; at most 8 with "show more"; the month-close
page is a task list and a month cannot close while earlier months are open; a coordinator lands
on the dashboard with the alerts before the links; the timesheet is linked from the member page;
the audit log in plain words with names; the entries list searchable by member and date.
"""
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from coordinate_support import activity, count, give, hidden_value, last_month, sign_in, text
from sqlalchemy import select

from timebank.dates import add_months
from timebank.extensions import db
from timebank.formatting import format_day
from timebank.models import ActivityCheck, AuditEvent, Match, ReportingPeriod
from timebank.services.brokering.matches import introduce
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing
from timebank.services.periods import EarlierMonthsOpen, close_month
from timebank.services.safeguarding import add_check

LIFTS = "Lifts and accompanying"


@pytest.fixture
def people(community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(name="Bola Okafor")
    dan, _ = make_member(name="Dan Driver")
    eve, _ = make_member(name="Eve Nocheck")
    for who in (bola, dan, eve):
        who.skills, who.availability, who.phone = "Driving, I have a car", "Weekday mornings", "07700 900123"
    db.session.commit()
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account, dan=dan, eve=eve)


def lift_request(alice, community):
    item, _ = create_listing(alice, type_="request", title="A lift to the hospital", description="Driving to my scan",
                             category_id=activity(community, LIFTS), submission_id=uuid.uuid4().hex)
    db.session.commit()
    return item


def names_suggested(response) -> list[str]:
    return re.findall(r'<h3 class="card-title">(.*?)</h3>', response.get_data(as_text=True))


def test_a_lift_leaves_out_an_expired_or_missing_dbs_check_and_says_why(client, auth, community, people):
    today = community.today()
    add_check(people.cora, people.bola.id, check_type="Enhanced DBS check", issued_on=today - timedelta(days=1200),
              expires_on=today - timedelta(days=5))
    add_check(people.cora, people.dan.id, check_type="Enhanced DBS with barred lists", issued_on=today - timedelta(days=100),
              expires_on=today + timedelta(days=900))
    db.session.commit()
    request = lift_request(people.alice, community)
    sign_in(auth, people.cora)
    before = names_suggested(client.get(f"/coordinate/requests/{request.id}"))
    assert "Bola Okafor" in before, "no check is needed until the community says so"

    form = client.get("/coordinate/settings/checks")
    assert form.status_code == 200 and LIFTS in text(form)
    saved = client.post("/coordinate/settings/checks", data={
        "submission_id": hidden_value(form, "submission_id"), "activity": activity(community, LIFTS), "check_kind": "DBS"})
    assert saved.status_code == 303
    assert db.session.scalar(select(ActivityCheck.check_kind)) == "DBS"
    assert f"{LIFTS} DBS" in text(client.get("/coordinate/settings/checks"))

    page = client.get(f"/coordinate/requests/{request.id}")
    assert names_suggested(page) == ["Dan Driver"]
    words = text(page)
    assert f"Bola Okafor : their DBS check expired on {format_day(today - timedelta(days=5))}" in words
    assert "2 other members have no DBS check recorded." in words  # Eve and Cora; never the requester

    refused = client.post(f"/coordinate/requests/{request.id}/introduce", data={"helper": people.bola.id}, follow_redirects=True)
    assert "needs a current DBS check and theirs expired" in text(refused)
    assert count(Match) == 0
    with pytest.raises(Exception, match="none is recorded"):
        introduce(people.cora, request.id, people.eve.id)


def test_the_check_setting_keeps_what_was_typed_and_says_what_to_fix(client, auth, community, people):
    sign_in(auth, people.cora)
    form = client.get("/coordinate/settings/checks")
    long_kind = "D" * 101
    response = client.post("/coordinate/settings/checks", data={
        "submission_id": hidden_value(form, "submission_id"), "activity": activity(community, LIFTS), "check_kind": long_kind})
    assert response.status_code == 422
    # The form keeps what was typed, cut to the longest it takes (timebank/input_rules.py).
    assert f'value="{long_kind[:100]}"' in response.get_data(as_text=True) and "100 characters or fewer" in text(response)
    nothing = client.post("/coordinate/settings/checks", data={
        "submission_id": hidden_value(form, "submission_id"), "activity": -1, "check_kind": "DBS"})
    assert nothing.status_code == 422 and "Choose the activity" in text(nothing)
    assert count(ActivityCheck) == 0


def test_suggestions_show_skills_availability_and_contact_at_most_eight_with_show_more(client, auth, community, people, make_member):
    for n in range(8):
        make_member(name=f"Helper {n:02d}")
    request = lift_request(people.alice, community)
    sign_in(auth, people.cora)
    page = client.get(f"/coordinate/requests/{request.id}")
    assert len(names_suggested(page)) == 8
    words = text(page)
    assert "Skills: Driving, I have a car" in words and "Free: Weekday mornings" in words
    assert "07700 900123" in words and "prefers to be contacted through a coordinator" in words
    more = re.search(r'href="([^"]*more=1[^"]*)">Show more suggestions', page.get_data(as_text=True))
    assert more
    everyone = client.get(more.group(1).replace("&amp;", "&"))
    assert len(names_suggested(everyone)) == 12 and "Show more suggestions" not in text(everyone)


def test_the_month_close_page_is_a_task_list_and_earlier_open_months_block_closing(client, auth, community, people):
    last = last_month(community)
    earlier = add_months(last, -1)
    give(community, people.alice_account, people.bola_account, 30, earlier + timedelta(days=2))
    give(community, people.alice_account, people.bola_account, 45, last + timedelta(days=3))
    log_exchange(people.alice, gave=True, partner_account_id=people.bola_account.id, minutes=20, occurred_on=last + timedelta(days=4),
                 activity_id=None, note=None, submission_id=uuid.uuid4().hex)
    db.session.commit()
    sign_in(auth, people.cora)

    page = client.get(f"/coordinate/periods/{last:%Y-%m}")
    words = text(page)
    assert "1. Close the earlier months Not done" in words and f"Check and close {earlier:%B %Y}" in words
    assert "2. Settle the exchanges waiting for confirmation 1 waiting" in words
    assert f"Alice Adeyemi gave 20 min to Bola Okafor on {format_day(last + timedelta(days=4))}" in words
    assert f'href="/coordinate/members/{people.bola.id}"' in page.get_data(as_text=True) or "/coordinate/exchanges/" in page.get_data(as_text=True)
    assert "Cannot start yet" in words and f"/periods/{last:%Y-%m}/close" not in page.get_data(as_text=True)

    form = client.get(f"/coordinate/periods/{earlier:%Y-%m}")
    refused = client.post(f"/coordinate/periods/{last:%Y-%m}/close", data={"submission_id": hidden_value(form, "submission_id")},
                          follow_redirects=True)
    assert f"Close the earlier months first: {earlier:%B %Y} still open." in text(refused)
    assert count(ReportingPeriod) == 0

    with pytest.raises(EarlierMonthsOpen) as refusal:
        close_month(community, last, actor_id=people.cora.user_id)
    assert refusal.value.code == "earlier_months_open" and refusal.value.details["months"] == [earlier.isoformat()]
    db.session.rollback()
    close_month(community, earlier, actor_id=people.cora.user_id)
    close_month(community, last, actor_id=people.cora.user_id)
    db.session.commit()
    assert count(ReportingPeriod) == 2


def test_a_coordinator_lands_on_the_dashboard_with_alerts_before_the_links(client, auth, community, people):
    sign_in(auth, people.cora)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/coordinate/")
    html = client.get("/coordinate/").get_data(as_text=True)
    assert html.index("What needs attention") < html.index("What you can do")
    main = html[html.index("<main"):]
    assert main.index("What needs attention") < main.index("<a "), "no link before the alerts"
    assert client.get("/me").status_code == 200, "their own account is still at /me"
    sign_in(auth, people.alice)
    assert client.get("/").status_code == 200, "a member still lands on their home"


def test_the_member_page_links_the_paper_timesheet(client, auth, community, people):
    sign_in(auth, people.cora)
    page = client.get(f"/coordinate/members/{people.alice.id}").get_data(as_text=True)
    assert f'href="/coordinate/members/{people.alice.id}/timesheet"' in page
    assert client.get(f"/coordinate/members/{people.alice.id}/timesheet").status_code == 200


def test_the_audit_log_speaks_in_plain_words_with_names(client, auth, community, people):
    entry = give(community, people.alice_account, people.bola_account, 30)
    sign_in(auth, people.cora)
    form = client.get(f"/coordinate/entries/{entry.id}/reverse")
    client.post(f"/coordinate/entries/{entry.id}/reverse", data={"submission_id": hidden_value(form, "submission_id"),
                                                                 "reason": "Logged twice"})
    form = client.get("/coordinate/settings/checks")
    client.post("/coordinate/settings/checks", data={"submission_id": hidden_value(form, "submission_id"),
                                                     "activity": activity(community, LIFTS), "check_kind": "DBS"})
    assert count(AuditEvent) == 2
    html = client.get("/coordinate/audit").get_data(as_text=True)
    shown = re.sub(r"<details.*?</details>", " ", html, flags=re.S)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", shown))
    assert f"Cora Coordinator changed the check {LIFTS} needs" in words
    assert "Cora Coordinator reversed an entry of" in words
    assert f'href="/coordinate/entries/{entry.id}"' in shown
    for code in ("entry.reverse", "activity.check", "activity_category", f"entry {entry.id}"):
        assert code not in words, f"{code} is shown outside the technical record"


def test_the_entries_list_is_searchable_by_member_and_date(client, auth, community, people):
    today = community.today()
    give(community, people.alice_account, people.bola_account, 30, today - timedelta(days=1), )
    dan_account = db.session.scalar(select(type(people.alice_account)).where(type(people.alice_account).membership_id == people.dan.id))
    give(community, dan_account, people.bola_account, 40, today, )
    sign_in(auth, people.cora)
    alice_gave, dan_gave = "Alice Adeyemi gave 30 min to Bola Okafor", "Dan Driver gave 40 min to Bola Okafor"
    by_member = text(client.get("/coordinate/entries?member=alice"))
    assert alice_gave in by_member and dan_gave not in by_member
    by_date = text(client.get(f"/coordinate/entries?since={today.isoformat()}&until={today.isoformat()}"))
    assert dan_gave in by_date and alice_gave not in by_date
    both = text(client.get("/coordinate/entries?member=BOLA"))
    assert alice_gave in both and dan_gave in both
    bad = client.get("/coordinate/entries?since=2026-13-40")
    assert bad.status_code == 422 and "Enter a date like 2026-11-26" in text(bad)
    assert 'value="2026-13-40"' in bad.get_data(as_text=True)
