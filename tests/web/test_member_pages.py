"""The member pages, through the test client, on SQLite and PostgreSQL.

The services have tests of their own (test_exchanges.py); these drive the pages as a member's
phone would: what each page shows, what each form refuses (the GOV.UK way: 422, an error
summary linking to the field, the message beside it, "Error:" in the title, the typed values
kept), that a repeated form records one thing, and that nobody sees what is not theirs.
"""
import csv
import io
import json
import re
import uuid
import zipfile
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from csv_support import spreadsheet_text
from sqlalchemy import event, func, select

from timebank.extensions import db
from timebank.ledger import close_period, post_entries
from timebank.ledger import exchange as exchange_spec
from timebank.mail import sent_messages
from timebank.models import (
    Account,
    ActivityCategory,
    Confirmation,
    Entry,
    Exchange,
    ExchangeStatus,
    HelpOffer,
    Listing,
    ListingStatus,
    Notification,
)
from timebank.services import notifications
from timebank.services.communities import create_community, create_organisation_account
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing
from timebank.tasks import run_periodic

# -- reading pages ---------------------------------------------------------------------------


class _Page(HTMLParser):
    """What a browser would send back from a page: each named control's current value (the last
    one wins, so read only names that occur once), every element id, and the title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values, self.ids, self.title = {}, set(), ""
        self._textarea = self._select = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            elif kind != "submit":
                self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "textarea":  # a browser drops the newline that starts a textarea's content
            value = self.values[self._textarea]
            self.values[self._textarea] = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        if self._in_title:
            self.title += data


def page(response) -> _Page:
    parsed = _Page()
    parsed.feed(response.get_data(as_text=True))
    parsed.text = unescape(response.get_data(as_text=True))
    return parsed


def assert_form_error(response, field_id: str, message: str) -> _Page:
    """The GOV.UK pattern: 422, "Error:" title, a summary link to the field (which exists), and
    the same message beside it."""
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    parsed = page(response)
    assert parsed.title.startswith("Error:"), parsed.title
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    links = dict((unescape(text), href) for href, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(0)))
    assert any(message in text and href == field_id for text, href in links.items()), links
    assert field_id in parsed.ids, f"the summary links to #{field_id}, which is not on the page"
    beside = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert beside and message in unescape(beside.group(1)), f"no message beside #{field_id}"
    return parsed


def partners_offered(response) -> dict[int, str]:
    """The people and organisations the log form offers to choose: {account id: label}."""
    html = response.get_data(as_text=True)
    found = re.findall(r'<input[^>]*name="partner"[^>]*value="(\d+)"[^>]*>\s*<label class="radio-label"[^>]*>(.*?)</label>', html)
    return {int(value): unescape(label) for value, label in found}


def rows_of(response) -> list[list[str]]:
    """The body rows of the page's tables (the statement has one a month), as cell texts."""
    bodies = re.findall(r"<tbody>(.*?)</tbody>", response.get_data(as_text=True), re.S)
    return [
        [re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cell))).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for body in bodies
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# -- people and things -----------------------------------------------------------------------


def sign_in(auth, membership):
    """Sign in as this member (signing out whoever was signed in first)."""
    auth.logout()
    response = auth.login(membership.user.email)
    assert response.status_code == 302, response.get_data(as_text=True)


def activity(community, name="Gardening") -> int:
    return db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community.id, ActivityCategory.name == name)
    )


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def log_via_service(logger, partner_account, minutes=60, gave=True, days_ago=1):
    exchange, _ = log_exchange(
        logger,
        gave=gave,
        partner_account_id=partner_account.id,
        minutes=minutes,
        occurred_on=logger.community.today() - timedelta(days=days_ago),
        activity_id=activity(logger.community),
        note="Dug the vegetable bed",
        submission_id=uuid.uuid4().hex,
    )
    db.session.commit()
    return exchange


@pytest.fixture
def people(community, make_member):
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="professional", name="Bola Okafor")
    return SimpleNamespace(alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account)


@pytest.fixture
def elsewhere(app):
    community = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    return community


def log_form(community, partner_account, **overrides) -> dict:
    data = {
        "submission_id": uuid.uuid4().hex,
        "direction": "gave",
        "q": "",
        "partner": str(partner_account.id),
        "quick": "90",
        "occurred_on": community.today().isoformat(),
        "activity": str(activity(community)),
        "note": "Dug the vegetable bed",
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return {**data, **date_fields(data.pop("occurred_on"))} if "occurred_on" in data else data


def date_fields(day, name="occurred_on") -> dict:
    """The GOV.UK date input's fields for a date (or an ISO-like text: "31/02/2026" too)."""
    text = day.isoformat() if hasattr(day, "isoformat") else str(day)
    parts = re.split(r"[-/]", text)
    year, month, dd = parts if len(parts[0]) == 4 else parts[::-1]
    return {name: "other", f"{name}-day": dd.lstrip("0"), f"{name}-month": month.lstrip("0"), f"{name}-year": year}


# -- signing in ------------------------------------------------------------------------------

#: Every page a member reaches by GET, with something it must show. `{x}` is a pending exchange
#: between the member and someone else; `{l}` is the member's own listing.
GET_PAGES = [
    ("/log", "Log time"),
    ("/exchanges", "Exchanges waiting"),
    ("/exchanges/{x}", "Dug the vegetable bed"),
    ("/statement", "Your statement"),
    ("/statement.csv", "date,entry,kind,with,activity,minutes,balance_after_minutes"),
    ("/listings", "Offers and requests"),
    ("/listings/mine", "Lessons in Yoruba"),
    ("/listings/new", "Post an offer or request"),
    ("/listings/{l}", "Lessons in Yoruba"),
    ("/listings/{l}/edit", "Change your listing"),
    ("/profile", "Your profile"),
    ("/notifications", "Messages"),
    ("/my-data", "Your data"),
    ("/my-data.json", '"email": "person1@riverside.example"'),
    ("/my-data.zip", "PK"),
]
POST_PAGES = [
    "/log",
    "/exchanges/{x}/confirm",
    "/exchanges/{x}/decline",
    "/exchanges/{x}/cancel",
    "/listings/new",
    "/listings/{l}/edit",
    "/listings/{l}/close",
    "/listings/{l}/help",
    "/profile",
    "/notifications/read",
]


@pytest.fixture
def some_of_everything(people):
    exchange = log_via_service(people.alice, people.bola_account)
    listing, _ = create_listing(
        people.alice, type_="offer", title="Lessons in Yoruba", description="", category_id=None, submission_id="l1"
    )
    db.session.commit()
    return {"x": exchange.id, "l": listing.id}


# The tables are walked with subtests rather than parametrized: one database per test, not per row.


def test_every_member_page_answers_a_signed_in_member(client, auth, people, some_of_everything, subtests):
    sign_in(auth, people.alice)
    for path, shows in GET_PAGES:
        with subtests.test(path=path):
            response = client.get(path.format(**some_of_everything))
            assert response.status_code == 200
            body = response.data if path == "/my-data.zip" else response.get_data(as_text=True)
            assert body.startswith(b"PK") if path == "/my-data.zip" else shows in body
            assert response.headers["Cache-Control"] == "no-store"


def test_every_member_page_sends_a_signed_out_visitor_to_sign_in(client, people, some_of_everything, subtests):
    for path, _shows in GET_PAGES:
        with subtests.test(method="GET", path=path):
            path = path.format(**some_of_everything)
            response = client.get(path)
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/login?next=")
    for path in POST_PAGES:
        with subtests.test(method="POST", path=path):
            response = client.post(path.format(**some_of_everything), data={})
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(Exchange, Exchange.status != ExchangeStatus.PENDING) == 0
    assert count(Listing, Listing.status != ListingStatus.OPEN) == 0


def test_someone_without_a_time_account_is_told_so(client, auth, make_member):
    funder, _ = make_member(role="funder")
    sign_in(auth, funder)
    for path in ("/log", "/statement", "/listings", "/profile"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "You do not have a time account here" in response.get_data(as_text=True)


# -- logging time ----------------------------------------------------------------------------


def test_log_time_search_check_send_and_a_repeat_records_one_exchange(app, client, auth, community, people):
    sign_in(auth, people.alice)
    form = page(client.get("/log"))
    assert re.fullmatch(r"[0-9a-f]{32}", form.values["submission_id"])
    assert form.values["occurred_on"] == "today", "today is chosen to start with"
    assert page(client.get("/log")).values["submission_id"] != form.values["submission_id"], "one id per drawing"

    typed = {
        "submission_id": form.values["submission_id"],
        "direction": "gave",
        "q": "oka",
        "quick": "other",
        "hours": "1",
        "minutes": "15",
        **date_fields(community.today() - timedelta(days=2)),
        "activity": str(activity(community)),
        "note": "Dug the vegetable bed",
    }
    found = client.post("/log", data={**typed, "action": "search"})
    assert found.status_code == 200
    found = page(found)
    assert f'value="{people.bola_account.id}"' in found.text and "Bola Okafor" in found.text
    assert {k: found.values.get(k) for k in typed} == typed, "what was typed is kept"

    checked = client.post("/log", data={**typed, "partner": str(people.bola_account.id), "action": "check"})
    assert checked.status_code == 303 and checked.headers["Location"].startswith("/log/check/")
    check = page(client.get(checked.headers["Location"]))
    assert check.title.startswith("Check before you send")
    when = format_date(community.today() - timedelta(days=2), "d MMMM yyyy", locale="en")
    for answer in ("gave time", "Bola Okafor", "1 h 15 min", when, "Gardening", "Dug the vegetable bed"):
        assert answer in check.text, answer
    assert "Bola Okafor will be asked to confirm it." in check.text
    assert count(Exchange) == 0, "nothing is recorded before Send"

    # "Change something" goes back to the form with every answer in place.
    changed = page(client.get(f"/log?draft={checked.headers['Location'].rsplit('/', 1)[1]}"))
    assert changed.values["partner"] == str(people.bola_account.id) and changed.values["hours"] == "1"
    assert changed.values["submission_id"] == typed["submission_id"]

    sent = client.post(checked.headers["Location"], data={"csrf_token": check.values.get("csrf_token", "")})
    assert sent.status_code == 303
    (exchange,) = db.session.scalars(select(Exchange)).all()
    assert sent.headers["Location"] == f"/log/done/{exchange.id}"
    assert (exchange.status, exchange.minutes, exchange.giver_account_id, exchange.receiver_account_id) == (
        ExchangeStatus.PENDING,
        75,
        people.alice_account.id,
        people.bola_account.id,
    )
    assert (exchange.occurred_on, exchange.note) == (community.today() - timedelta(days=2), "Dug the vegetable bed")
    assert count(Entry) == 0, "pending: nothing posted yet"
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Sent" in done and "Bola Okafor has been asked to confirm it." in done

    again = client.post(checked.headers["Location"], data={"csrf_token": check.values.get("csrf_token", "")})
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    assert count(Exchange) == 1
    assert count(Notification, Notification.user_id == people.bola.user_id) == 1, "told once"


def test_time_received_makes_the_partner_the_giver(client, auth, community, people):
    sign_in(auth, people.alice)
    response = client.post("/log", data={**log_form(community, people.bola_account, direction="received"), "action": "send"})
    assert response.status_code == 303
    exchange = db.session.scalar(select(Exchange))
    assert (exchange.giver_account_id, exchange.receiver_account_id) == (people.bola_account.id, people.alice_account.id)
    note = db.session.scalar(select(Notification).where(Notification.user_id == people.bola.user_id))
    assert note.kind == "exchange_logged_received"


def test_a_community_that_auto_confirms_records_at_once(client, auth, community, people):
    community.auto_confirm_days = 0
    db.session.commit()
    sign_in(auth, people.alice)
    data = log_form(community, people.bola_account, quick="120")
    checked = client.post("/log", data={**data, "action": "check"})
    check = client.get(checked.headers["Location"]).get_data(as_text=True)
    assert "It will be recorded straight away." in check
    sent = client.post("/log", data={**data, "action": "send"})
    assert sent.status_code == 303
    exchange = db.session.scalar(select(Exchange))
    assert exchange.status == ExchangeStatus.POSTED and count(Entry) == 1
    assert fresh(people.alice_account).balance == 120 and fresh(people.bola_account).balance == -120
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Recorded" in done and "Your balance is now 2 h." in done


def test_search_offers_directory_members_of_this_community_recent_partners_first(
    client, auth, community, people, make_member, elsewhere
):
    hidden, hidden_account = make_member(name="Olu Hidden")
    hidden.in_directory = False
    zed, zed_account = make_member(name="Zed Olawale")
    abe, abe_account = make_member(name="Abe Olawale")
    make_member(name="Ola Stranger", target=elsewhere)
    clinic = create_organisation_account(community.id, "Olive Tree Clinic")
    db.session.commit()
    # Zed is a recent partner: he comes first, though Abe comes first in the alphabet.
    post_entries([exchange_spec(community.id, people.alice_account.id, zed_account.id, 30, community.today())])
    db.session.commit()

    sign_in(auth, people.alice)
    start = partners_offered(client.get("/log"))
    assert list(start.values()) == ["Zed Olawale", "Olive Tree Clinic (organisation)"], "recent partners, organisations"

    found = client.post("/log", data={"q": "OLA", "action": "search"})
    assert list(partners_offered(found)) == [zed_account.id, abe_account.id, people.bola_account.id]
    assert "Olu Hidden" not in found.get_data(as_text=True) and "Ola Stranger" not in found.get_data(as_text=True)
    assert list(partners_offered(client.post("/log", data={"q": "olive", "action": "search"}))) == [clinic.id]
    assert partners_offered(client.post("/log", data={"q": "alice", "action": "search"})) == {}, "never oneself"

    nobody = client.post("/log", data={"q": "Hidden", "action": "search"}).get_data(as_text=True)
    assert "Nobody in the member list matches that name" in nobody and "Olu Hidden" not in nobody


def test_time_with_an_organisation_can_be_logged(client, auth, community, people, make_member):
    coordinator, _ = make_member(role="coordinator", name="Cora Ordinator")
    clinic = create_organisation_account(community.id, "Olive Tree Clinic")
    db.session.commit()
    sign_in(auth, people.alice)
    response = client.post("/log", data={**log_form(community, clinic), "action": "send"})
    assert response.status_code == 303
    exchange = db.session.scalar(select(Exchange))
    assert exchange.receiver_account_id == clinic.id and exchange.status == ExchangeStatus.PENDING
    asked = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.user_id))
    assert asked.kind == "exchange_needs_coordinator"


def _last_month_day(community):
    return (community.today().replace(day=1) - timedelta(days=1)).replace(day=1)


#: (what is wrong, the form's values, the field the error belongs to, the message)
REJECTIONS = [
    ("zero time", {"quick": "other", "hours": "0", "minutes": "0"}, "minutes", "Enter a time of at least 1 minute"),
    ("no time at all", {"quick": "other"}, "minutes", "Enter a time of at least 1 minute"),
    ("over 24 hours", {"quick": "other", "hours": "24", "minutes": "1"}, "minutes", "Enter a time of 24 hours or less"),
    ("25 hours", {"quick": "other", "hours": "25"}, "hours", "Hours must be between 0 and 24"),
    ("no length", {"quick": None}, "quick", "Choose how long"),
    ("future", {"occurred_on": lambda c: (c.today() + timedelta(days=1)).isoformat()}, "occurred_on", "The date cannot be in the future."),
    ("too old", {"occurred_on": lambda c: (c.today() - timedelta(days=c.backdate_days + 1)).isoformat()}, "occurred_on", "too long ago"),
    ("not a date", {"occurred_on": "31/02/2026"}, "occurred_on", "Enter a real date"),
    ("no direction", {"direction": None}, "direction", "Choose whether you gave time or received it"),
    ("no partner", {"partner": None}, "partner", "Choose who you exchanged time with"),
    ("no activity", {"activity": "-1"}, "activity", "Choose what the time was for"),
]


@pytest.mark.parametrize("action", ["check", "send"])
def test_log_time_refusals_say_what_is_wrong_and_keep_the_answers(client, auth, community, people, action, subtests):
    community.backdate_days = 30
    db.session.commit()
    sign_in(auth, people.alice)
    for what, overrides, field, message in REJECTIONS:
        with subtests.test(what):
            overrides = {k: v(community) if callable(v) else v for k, v in overrides.items()}
            data = log_form(community, people.bola_account, **overrides)
            response = client.post("/log", data={**data, "action": action})
            kept = assert_form_error(response, field, message).values
            assert {name: kept.get(name) for name in data} == data, "every answer is kept, the wrong one too"
    assert count(Exchange) == 0


def test_a_date_in_a_closed_month_is_refused_with_advice(client, auth, community, people):
    month = _last_month_day(community)
    close_period(community.id, month, closed_by_id=None)
    db.session.commit()
    sign_in(auth, people.alice)
    data = log_form(community, people.bola_account, occurred_on=month.isoformat())
    response = client.post("/log", data={**data, "action": "check"})
    kept = assert_form_error(response, "occurred_on", "record it as a late entry").values
    assert kept["occurred_on-day"] == "1" and kept["occurred_on-month"] == str(month.month) and kept["note"] == data["note"]
    assert count(Exchange) == 0


def test_a_partner_from_another_community_or_hidden_cannot_be_chosen_by_id(
    client, auth, community, people, make_member, elsewhere
):
    stranger, stranger_account = make_member(name="Sam Stranger", target=elsewhere)
    hidden, hidden_account = make_member(name="Hana Hidden")
    hidden.in_directory = False
    db.session.commit()
    sign_in(auth, people.alice)
    for account, name in ((stranger_account, "Sam Stranger"), (hidden_account, "Hana Hidden"), (people.alice_account, None)):
        for action in ("check", "send"):
            data = log_form(community, account)
            response = client.post("/log", data={**data, "action": action})
            parsed = assert_form_error(response, "partner", "Choose who you exchanged time with")
            assert account.id not in partners_offered(response)
            if name:
                assert name not in parsed.text, "the name of someone not offered is never shown"
            assert parsed.values["note"] == data["note"]
    assert count(Exchange) == 0


def test_a_hidden_member_who_is_a_recent_partner_can_be_chosen(client, auth, community, people, make_member):
    hidden, hidden_account = make_member(name="Hana Hidden")
    hidden.in_directory = False
    db.session.commit()
    post_entries([exchange_spec(community.id, hidden_account.id, people.alice_account.id, 30, community.today())])
    db.session.commit()
    sign_in(auth, people.alice)
    assert partners_offered(client.get("/log")) == {hidden_account.id: "Hana Hidden"}
    checked = client.post("/log", data={**log_form(community, hidden_account), "action": "check"})
    check = client.get(checked.headers["Location"])
    assert check.status_code == 200 and "Hana Hidden" in check.get_data(as_text=True)


# -- confirming, declining, cancelling -------------------------------------------------------


def test_the_other_member_confirms_and_both_are_told(app, client, auth, people):
    exchange = log_via_service(people.alice, people.bola_account, minutes=90)
    assert [m["To"] for m in sent_messages(app)] == [people.bola.user.email]
    assert "Alice Adeyemi says they gave you 1 h 30 min" in sent_messages(app)[0].get_content()

    sign_in(auth, people.bola)
    listed = client.get("/exchanges").get_data(as_text=True)
    assert "Alice Adeyemi gave to you" in listed and f"/exchanges/{exchange.id}" in listed
    detail = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Yes, confirm it" in detail and "No, decline it" in detail and "Cancel this exchange" not in detail

    response = client.post(f"/exchanges/{exchange.id}/confirm")
    assert response.status_code == 303 and response.headers["Location"] == f"/exchanges/{exchange.id}"
    assert "the exchange is recorded" in client.get(response.headers["Location"]).get_data(as_text=True)
    exchange = fresh(exchange)
    assert exchange.status == ExchangeStatus.POSTED and exchange.confirmation == Confirmation.MEMBER
    assert (fresh(people.alice_account).balance, fresh(people.bola_account).balance) == (90, -90)
    told = db.session.scalars(select(Notification).where(Notification.kind == "exchange_posted")).all()
    assert {n.user_id for n in told} == {people.alice.user_id, people.bola.user_id}
    emails = {m["To"]: m.get_content() for m in sent_messages(app)[1:]}
    assert "balance is now 1 h 30 min" in emails[people.alice.user.email]
    assert "balance is now \u22121 h 30 min" in emails[people.bola.user.email]

    messages = client.get("/notifications").get_data(as_text=True)
    assert "Your balance is now \u22121 h 30 min." in messages
    assert "Your balance is now 1 h 30 min." not in messages, "never another member's balance"

    again = client.post(f"/exchanges/{exchange.id}/confirm")
    assert again.status_code == 303
    assert "already been confirmed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count(Entry) == 1 and fresh(people.alice_account).balance == 90


def test_confirming_past_a_limit_is_refused_kindly_and_stays_pending(client, auth, people, make_member):
    poor, poor_account = make_member(name="Pat Floor", floor=-60)
    exchange = log_via_service(people.alice, poor_account, minutes=90)
    sign_in(auth, poor)
    response = client.post(f"/exchanges/{exchange.id}/confirm")
    assert "past its limit" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh(exchange).status == ExchangeStatus.PENDING and count(Entry) == 0


def test_decline_with_a_reason_tells_the_logger(client, auth, people):
    exchange = log_via_service(people.alice, people.bola_account)
    sign_in(auth, people.bola)
    response = client.post(f"/exchanges/{exchange.id}/decline", data={"reason": "That was someone else"})
    assert response.status_code == 303
    assert "You declined the exchange." in client.get(response.headers["Location"]).get_data(as_text=True)
    exchange = fresh(exchange)
    assert (exchange.status, exchange.decline_reason) == (ExchangeStatus.DECLINED, "That was someone else")
    told = db.session.scalar(select(Notification).where(Notification.user_id == people.alice.user_id))
    assert told.kind == "exchange_declined" and told.params["name"] == "Bola Okafor"
    assert count(Entry) == 0
    sign_in(auth, people.alice)
    assert "Nothing waiting." in client.get("/exchanges").get_data(as_text=True)


def test_the_logger_cancels_and_only_the_right_side_may_act(client, auth, people):
    exchange = log_via_service(people.alice, people.bola_account)
    sign_in(auth, people.alice)
    detail = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Cancel this exchange" in detail and "Yes, confirm it" not in detail
    assert "waiting for Bola Okafor to confirm" in detail
    # The logger cannot confirm or decline their own; the other side cannot cancel it.
    assert client.post(f"/exchanges/{exchange.id}/confirm").status_code == 404
    assert client.post(f"/exchanges/{exchange.id}/decline").status_code == 404
    sign_in(auth, people.bola)
    assert client.post(f"/exchanges/{exchange.id}/cancel").status_code == 404
    assert fresh(exchange).status == ExchangeStatus.PENDING

    sign_in(auth, people.alice)
    response = client.post(f"/exchanges/{exchange.id}/cancel")
    assert response.status_code == 303
    assert "You cancelled the exchange." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh(exchange).status == ExchangeStatus.CANCELLED
    told = db.session.scalar(select(Notification).where(Notification.kind == "exchange_cancelled"))
    assert told.user_id == people.bola.user_id


def test_nobody_else_sees_or_acts_on_an_exchange(client, auth, people, make_member, elsewhere):
    exchange = log_via_service(people.alice, people.bola_account)
    cara, _ = make_member(name="Cara Third")
    stranger, _ = make_member(name="Sam Stranger", target=elsewhere)
    for outsider in (cara, stranger):
        sign_in(auth, outsider)
        assert client.get(f"/exchanges/{exchange.id}").status_code == 404
        assert "Alice" not in client.get("/exchanges").get_data(as_text=True)
        for action in ("confirm", "decline", "cancel"):
            assert client.post(f"/exchanges/{exchange.id}/{action}").status_code == 404, action
    assert client.get("/exchanges/999999").status_code == 404
    assert fresh(exchange).status == ExchangeStatus.PENDING and count(Entry) == 0


@pytest.mark.parametrize("viewer", ["logger", "other side"])
def test_exchanges_past_the_auto_confirm_days_post_by_the_periodic_job(client, auth, community, people, viewer, now):
    """Viewing a page posts nothing (tests/web/test_get_writes_nothing.py); the job does."""
    old = log_via_service(people.alice, people.bola_account, minutes=60)
    recent = log_via_service(people.alice, people.bola_account, minutes=15)
    old.created_at = now - timedelta(days=community.auto_confirm_days, minutes=5)
    recent.created_at = now - timedelta(days=1)
    db.session.commit()
    sign_in(auth, people.alice if viewer == "logger" else people.bola)
    assert client.get("/exchanges").status_code == 200
    assert fresh(old).status == ExchangeStatus.PENDING, "a GET shows it, never posts it"
    db.session.commit()
    run_periodic("auto_confirm")
    listed = client.get("/exchanges")
    assert listed.status_code == 200
    old, recent = fresh(old), fresh(recent)
    assert old.status == ExchangeStatus.POSTED and old.confirmation == Confirmation.AUTO_TIMEOUT
    assert db.session.get(Entry, old.entry_id).confirmation == Confirmation.AUTO_TIMEOUT
    assert recent.status == ExchangeStatus.PENDING
    assert (fresh(people.alice_account).balance, fresh(people.bola_account).balance) == (60, -60)
    html = listed.get_data(as_text=True)
    assert f"/exchanges/{recent.id}" in html and f"/exchanges/{old.id}\"" not in html


# -- the statement ---------------------------------------------------------------------------


@pytest.fixture
def history(community, people, make_member):
    """27 entries for Alice (the first four last month, so 2 pages of 25), and one between two
    other members that must never show in her statement."""
    cara, cara_account = make_member(name="Cara Secret")
    gardening = activity(community)
    last_month = _last_month_day(community)
    specs = []
    for i in range(1, 28):
        on = last_month + timedelta(days=i - 1) if i <= 4 else community.today()
        if i % 3 == 0:  # Bola gives Alice 5 minutes
            specs.append(exchange_spec(community.id, people.bola_account.id, people.alice_account.id, 5, on, activity_id=gardening))
        else:  # Alice gives Bola 10 minutes
            specs.append(exchange_spec(community.id, people.alice_account.id, people.bola_account.id, 10, on, activity_id=gardening))
    specs.append(exchange_spec(community.id, people.bola_account.id, cara_account.id, 45, community.today()))
    post_entries(specs)
    db.session.commit()
    return SimpleNamespace(last_month=last_month, cara=cara)


def test_statement_lists_newest_first_a_page_at_a_time_by_key(app, client, auth, people, history):
    sign_in(auth, people.alice)
    statements = []

    def record(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    first = client.get("/statement")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    balance = fresh(people.alice_account).balance
    assert balance == 18 * 10 - 9 * 5
    lines = rows_of(first)
    assert len(lines) == 25
    # Newest first: the last entry (27, Bola gave 5 min) with the balance after it.
    assert lines[0][1:] == ["You received from Bola Okafor Gardening", "\u22125 min", "2 h 15 min"]
    assert lines[1][1:] == ["You gave to Bola Okafor Gardening", "+10 min", "2 h 20 min"]
    assert "Cara Secret" not in html
    older = re.search(r'href="(/statement\?before=([0-9-]+\.\d+))">Older</a>', html)
    assert older and older.group(2) == f"{(history.last_month + timedelta(days=2)).isoformat()}.3", "the key: the last line's date and sequence"

    second = client.get(older.group(1))
    event.remove(db.engine, "before_cursor_execute", record)
    page_queries = [(sql, params) for sql, params in statements if "posting.sequence <" in sql]
    assert page_queries, "the page is keyed by the service date and the posting sequence"
    for sql, params in page_queries:  # SQLite writes "LIMIT ? OFFSET ?" with 0; nothing may skip rows
        assert "OFFSET" not in sql.upper() or (isinstance(params, tuple) and params[-1] == 0), sql
    assert [line[3] for line in rows_of(second)] == ["20 min", "10 min"]
    assert "Older</a>" not in second.get_data(as_text=True) and "Newest</a>" in second.get_data(as_text=True)


def test_statement_by_month_and_as_csv(client, auth, people, history):
    sign_in(auth, people.alice)
    month = history.last_month.strftime("%Y-%m")
    shown = client.get(f"/statement?month={month}")
    assert [line[0].partition(" recorded ")[0] for line in rows_of(shown)] == [
        format_date(history.last_month + timedelta(days=d), "d MMMM yyyy", locale="en") for d in (3, 2, 1, 0)
    ]
    assert client.get("/statement?month=2001-01").get_data(as_text=True).count("Nothing recorded in that month.") == 1
    assert client.get("/statement?month=2026-13").status_code == 404

    response = client.get("/statement.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="statement.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(spreadsheet_text(response))))
    assert len(rows) == 27, "one row per posting of hers, none of anyone else's"
    assert rows[0]["balance_after_minutes"] == str(fresh(people.alice_account).balance)
    assert [int(r["entry"]) for r in rows] == sorted((int(r["entry"]) for r in rows), reverse=True)
    assert {r["with"] for r in rows} == {"Bola Okafor"} and {r["activity"] for r in rows} == {"Gardening"}
    assert sum(int(r["minutes"]) for r in rows) == fresh(people.alice_account).balance
    assert "Cara" not in response.get_data(as_text=True)

    by_month = client.get(f"/statement.csv?month={month}")
    assert f'filename="statement-{month}.csv"' in by_month.headers["Content-Disposition"]
    assert len(list(csv.DictReader(io.StringIO(spreadsheet_text(by_month))))) == 4


def test_the_statement_shows_only_the_members_own_account(client, auth, people, history):
    sign_in(auth, history.cara)
    html = client.get(f"/statement?account={people.alice_account.id}").get_data(as_text=True)
    assert [line[2] for line in rows_of(client.get("/statement"))] == ["\u221245 min"]
    assert "Alice" not in html
    assert "Alice" not in client.get(f"/statement.csv?account={people.alice_account.id}").get_data(as_text=True)


# -- offers and requests ---------------------------------------------------------------------


def test_post_an_offer_once_however_often_the_form_is_sent(client, auth, community, people):
    sign_in(auth, people.alice)
    form = page(client.get("/listings/new?type=offer"))
    assert form.values["type"] == "offer" and re.fullmatch(r"[0-9a-f]{32}", form.values["submission_id"])
    data = {
        "submission_id": form.values["submission_id"],
        "type": "offer",
        "title": "Help with gardening",
        "description": "Weekends, with my own tools",
        "category": str(activity(community)),
    }
    first = client.post("/listings/new", data=data)
    assert first.status_code == 303
    listing = db.session.scalar(select(Listing))
    assert first.headers["Location"] == f"/listings/{listing.id}"
    assert (listing.type, listing.title, listing.category_id, listing.membership_id) == (
        "offer", "Help with gardening", activity(community), people.alice.id
    )
    shown = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Your offer is listed." in shown and "Weekends, with my own tools" in shown and "Gardening" in shown
    again = client.post("/listings/new", data=data)
    assert again.headers["Location"] == first.headers["Location"] and count(Listing) == 1


def test_a_listing_without_a_title_or_type_is_refused(client, auth, community, people):
    sign_in(auth, people.alice)
    data = {"submission_id": "s1", "type": "request", "title": "  ", "description": "A lift on Tuesdays", "category": "0"}
    kept = assert_form_error(client.post("/listings/new", data=data), "title", "Enter a short title").values
    assert (kept["type"], kept["description"], kept["submission_id"]) == ("request", "A lift on Tuesdays", "s1")
    data = {"submission_id": "s2", "title": "Lift to the clinic"}
    kept = assert_form_error(client.post("/listings/new", data=data), "type", "Choose offer or request").values
    assert kept["title"] == "Lift to the clinic"
    long = {"submission_id": "s3", "type": "offer", "title": "x" * 121}
    assert_form_error(client.post("/listings/new", data=long), "title", "120 characters or fewer")
    assert count(Listing) == 0


def test_edit_and_close_your_own_listing_and_nobody_else_can(client, auth, community, people):
    listing, _ = create_listing(people.alice, type_="request", title="Lift", description="", category_id=None, submission_id="l1")
    db.session.commit()
    sign_in(auth, people.bola)
    assert client.get(f"/listings/{listing.id}/edit").status_code == 404
    assert client.post(f"/listings/{listing.id}/edit", data={"type": "request", "title": "Mine now"}).status_code == 404
    assert client.post(f"/listings/{listing.id}/close").status_code == 404
    assert fresh(listing).title == "Lift" and fresh(listing).status == ListingStatus.OPEN

    sign_in(auth, people.alice)
    form = page(client.get(f"/listings/{listing.id}/edit"))
    assert (form.values["title"], form.values["category"]) == ("Lift", "0")
    refused = client.post(f"/listings/{listing.id}/edit", data={"type": "request", "title": "", "description": "Tuesdays"})
    assert assert_form_error(refused, "title", "Enter a short title").values["description"] == "Tuesdays"
    lifts = activity(community, "Lifts and accompanying")
    saved = client.post(
        f"/listings/{listing.id}/edit",
        data={"type": "offer", "title": "A lift to the clinic", "description": "Tuesdays", "category": str(lifts)},
    )
    assert saved.status_code == 303
    listing = fresh(listing)
    assert (listing.title, listing.description, listing.category_id) == ("A lift to the clinic", "Tuesdays", lifts)
    assert listing.type == "request", "the type is not changed by editing"

    closed = client.post(f"/listings/{listing.id}/close")
    assert closed.status_code == 303 and closed.headers["Location"] == "/listings/mine"
    assert fresh(listing).status == ListingStatus.CLOSED
    assert "closed" in client.get("/listings/mine").get_data(as_text=True)
    sign_in(auth, people.bola)
    assert "A lift to the clinic" not in client.get("/listings").get_data(as_text=True)
    assert client.get(f"/listings/{listing.id}").status_code == 404


def test_browse_and_search_listings_in_the_directory_of_this_community(
    client, auth, community, people, make_member, elsewhere
):
    hidden, _ = make_member(name="Hana Hidden")
    hidden.in_directory = False
    stranger, _ = make_member(name="Sam Stranger", target=elsewhere)
    cara, _ = make_member(name="Cara Browser")
    gardening, lifts = activity(community), activity(community, "Lifts and accompanying")

    def listing(who, type_, title, category_id=None, description=""):
        item, _ = create_listing(who, type_=type_, title=title, description=description, category_id=category_id, submission_id=uuid.uuid4().hex)
        return item

    garden = listing(people.alice, "offer", "Help with the garden", gardening, "Weeding and digging")
    lift = listing(people.bola, "request", "A lift to the clinic", lifts)
    knit = listing(hidden, "offer", "Secret knitting")
    bake = listing(stranger, "offer", "Baking elsewhere", activity(elsewhere))
    db.session.commit()

    sign_in(auth, cara)

    def titles(query=""):
        html = client.get(f"/listings{query}").get_data(as_text=True)
        return [unescape(t) for t in re.findall(r'<h2 class="card-title"><a href="/listings/\d+">(.*?)</a>', html)]

    assert titles() == ["A lift to the clinic", "Help with the garden"]
    assert titles("?q=GARDEN") == ["Help with the garden"]
    assert titles("?q=digging") == ["Help with the garden"], "the description is searched too"
    assert titles("?q=knitting") == [] and titles("?q=baking") == []
    assert titles(f"?category={lifts}") == ["A lift to the clinic"]
    assert titles("?type=request") == ["A lift to the clinic"]
    assert titles(f"?type=offer&category={lifts}") == []
    assert client.get(f"/listings/{garden.id}").status_code == 200
    assert "Bola Okafor" in client.get(f"/listings/{lift.id}").get_data(as_text=True)
    assert client.get(f"/listings/{knit.id}").status_code == 404, "hidden from the directory"
    assert client.get(f"/listings/{bake.id}").status_code == 404, "another community"
    assert client.post(f"/listings/{bake.id}/help").status_code == 404

    sign_in(auth, hidden)
    assert client.get(f"/listings/{knit.id}").status_code == 200, "one's own is always there"


def test_i_can_help_tells_the_requester_and_the_coordinator_once(app, client, auth, community, people, make_member):
    coordinator, _ = make_member(role="coordinator", name="Cora Ordinator")
    people.alice.phone = "07700 900123"
    db.session.commit()
    request_, _ = create_listing(people.bola, type_="request", title="Help with forms", description="", category_id=None, submission_id="r")
    offer, _ = create_listing(people.bola, type_="offer", title="Bread baking", description="", category_id=None, submission_id="o")
    db.session.commit()
    sent_before = len(sent_messages(app))

    sign_in(auth, people.alice)
    shown = client.get(f"/listings/{request_.id}").get_data(as_text=True)
    assert "I can help" in shown and people.bola.user.email not in shown, "no contact details unless shared"
    response = client.post(f"/listings/{request_.id}/help", data={"message": "I did my own last year"})
    assert response.status_code == 303 and response.headers["Location"] == f"/listings/{request_.id}"
    assert "We have told them and the coordinator" in client.get(response.headers["Location"]).get_data(as_text=True)
    told = db.session.scalars(select(Notification).where(Notification.kind == "help_offered")).all()
    assert {n.user_id for n in told} == {people.bola.user_id, coordinator.user_id}
    assert all(n.params == {"name": "Alice Adeyemi", "title": "Help with forms"} for n in told)
    mail = sent_messages(app)[sent_before:]
    assert {m["To"] for m in mail} == {people.bola.user.email, coordinator.user.email}
    assert not any(people.alice.user.email in m.get_content() or "07700" in m.get_content() for m in mail)

    again = client.post(f"/listings/{request_.id}/help", data={"message": "Really"})
    assert again.status_code == 303
    assert count(HelpOffer) == 1 and count(Notification, Notification.kind == "help_offered") == 2
    assert client.post(f"/listings/{offer.id}/help").status_code == 404, "only requests take help"

    sign_in(auth, people.bola)
    own = client.get(f"/listings/{request_.id}").get_data(as_text=True)
    assert "Alice Adeyemi: I did my own last year" in own and "07700" not in own
    assert client.post(f"/listings/{request_.id}/help").status_code == 404, "not on one's own request"


def test_contact_details_show_only_when_the_member_shares_them(client, auth, people):
    people.bola.phone = "07700 900456"
    people.bola.contact_by = "phone"
    db.session.commit()
    offer, _ = create_listing(people.bola, type_="offer", title="Bread baking", description="", category_id=None, submission_id="o")
    db.session.commit()
    sign_in(auth, people.alice)
    assert "07700 900456" not in client.get(f"/listings/{offer.id}").get_data(as_text=True)
    people.bola.share_contact = True
    db.session.commit()
    assert "07700 900456" in client.get(f"/listings/{offer.id}").get_data(as_text=True)


# -- profile, data, notifications ------------------------------------------------------------


def test_profile_saves_and_the_kind_is_shown_but_not_changed(client, auth, community, people):
    sign_in(auth, people.alice)
    form = page(client.get("/profile"))
    assert "You are here as: Service user" in form.text
    assert form.values["contact_by"] == "coordinator" and form.values["in_directory"] == "y"
    professional = people.bola.kind_id
    data = {
        "display_name": "Ally",
        "skills": "Gardening, cooking",
        "availability": "Weekday mornings",
        "phone": "07700 900123",
        "contact_by": "phone",
        "share_contact": "y",
        "email_notifications": "y",
        # not in_directory: leaving the box unticked takes her out of the member list
        "kind": "professional",
        "kind_id": str(professional),
        "role": "coordinator",
    }
    response = client.post("/profile", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/profile"
    alice = fresh(people.alice)
    assert (alice.display_name, alice.skills, alice.availability, alice.phone, alice.contact_by) == (
        "Ally", "Gardening, cooking", "Weekday mornings", "07700 900123", "phone"
    )
    assert (alice.share_contact, alice.in_directory, alice.email_notifications) == (True, False, True)
    assert alice.kind.code == "service_user" and alice.role == "member"
    shown = page(client.get("/profile"))
    assert "Your profile is saved." in shown.text and shown.values["skills"] == "Gardening, cooking"
    assert "in_directory" not in shown.values

    sign_in(auth, people.bola)
    assert partners_offered(client.post("/log", data={"q": "Ally", "action": "search"})) == {}


def test_profile_refusal_keeps_what_was_typed(client, auth, people):
    sign_in(auth, people.alice)
    data = {"display_name": "Ally", "skills": "Knitting", "phone": "", "contact_by": "phone", "in_directory": "y"}
    kept = assert_form_error(client.post("/profile", data=data), "phone", "Enter a phone number").values
    assert (kept["display_name"], kept["skills"], kept["contact_by"]) == ("Ally", "Knitting", "phone")
    alice = fresh(people.alice)
    assert (alice.display_name, alice.skills, alice.contact_by) == (None, None, "coordinator"), "nothing saved"
    too_long = {"display_name": "x" * 101, "contact_by": "email"}
    assert_form_error(client.post("/profile", data=too_long), "display_name", "100")


def test_my_data_holds_my_things_and_nobody_elses_contact_details(client, auth, people, history):
    log_via_service(people.bola, people.alice_account, minutes=20)
    sign_in(auth, people.alice)
    response = client.get("/my-data.json")
    assert response.mimetype == "application/json" and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == people.alice.user.email
    assert data["account"]["balance_minutes"] == fresh(people.alice_account).balance
    assert len(data["statement"]) == 27 and data["statement"][0]["balance_after"] == fresh(people.alice_account).balance
    assert [(e["minutes"], e["you"], e["status"]) for e in data["exchanges"]] == [(20, "received", "pending")]
    body = response.get_data(as_text=True)
    for other in (people.bola, history.cara):
        assert other.user.email not in body
    assert "Cara" not in body

    archive = zipfile.ZipFile(io.BytesIO(client.get("/my-data.zip").data))
    names = set(archive.namelist())
    assert {"person.csv", "profile.csv", "statement.csv", "exchanges.csv", "notifications.csv"} <= names
    statement = list(csv.DictReader(io.StringIO(spreadsheet_text(archive.read("statement.csv")))))
    assert len(statement) == 27 and statement[0]["minutes"] == "-5"
    assert next(csv.DictReader(io.StringIO(spreadsheet_text(archive.read("person.csv")))))["email"] == people.alice.user.email
    everything = b"".join(archive.read(name) for name in names).decode()
    assert people.bola.user.email not in everything and history.cara.user.email not in everything


def test_notifications_are_listed_and_can_be_marked_read(client, auth, people):
    log_via_service(people.alice, people.bola_account, minutes=90, days_ago=0)
    log_via_service(people.alice, people.bola_account, minutes=30, days_ago=0)
    sign_in(auth, people.bola)
    assert notifications.unread_count(people.bola.user_id) == 2
    html = client.get("/notifications").get_data(as_text=True)
    assert "Alice Adeyemi says they gave you 1 h 30 min on" in html and "Alice Adeyemi says they gave you 30 min" in html
    assert html.count('<p class="tag">New</p>') == 2 and 'href="/exchanges"' in html
    response = client.post("/notifications/read")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"
    assert notifications.unread_count(people.bola.user_id) == 0
    assert "New</p>" not in client.get("/notifications").get_data(as_text=True)
    assert notifications.unread_count(people.alice.user_id) == 0, "nobody else's are touched"


def test_email_goes_only_to_those_who_want_it(app, client, auth, community, people, make_member):
    quiet, quiet_account = make_member(name="Quinn Quiet")
    quiet.email_notifications = False
    db.session.commit()
    sign_in(auth, people.alice)
    client.post("/log", data={**log_form(community, quiet_account), "action": "send"})
    client.post("/log", data={**log_form(community, people.bola_account), "action": "send"})
    assert [m["To"] for m in sent_messages(app)] == [people.bola.user.email]
    assert count(Notification, Notification.user_id == quiet.user_id) == 1, "still told in the app"

    quiet_exchange = db.session.scalar(select(Exchange).where(Exchange.giver_account_id == people.alice_account.id, Exchange.receiver_account_id == quiet_account.id))
    sign_in(auth, quiet)
    client.post(f"/exchanges/{quiet_exchange.id}/confirm")
    assert fresh(quiet_exchange).status == ExchangeStatus.POSTED
    emails = sent_messages(app)[1:]
    assert [m["To"] for m in emails] == [people.alice.user.email]
    assert "Your balance is now 1 h 30 min." in emails[0].get_content()
    assert db.session.get(Account, quiet_account.id).balance == -90


def test_start_page_shows_balance_month_totals_waiting_and_a_kind_nudge(app, client, auth, make_member):
    from timebank.ledger import exchange, post_entry

    giver, giver_account = make_member(name="Gita")
    other, other_account = make_member(name="Omar")
    today = giver.community.today()
    post_entry(exchange(giver.community_id, giver_account.id, other_account.id, 150, today))
    db.session.commit()
    auth.login(giver.user.email)
    html = client.get("/").get_data(as_text=True)
    assert "Gita" in html and "Riverside Timebank" in html
    assert "2 h 30 min" in html  # balance, given this month and in total
    assert "Is there something you would like help with?" in html  # gave only: an invitation
    auth.logout()
    auth.login(other.user.email)
    html = client.get("/").get_data(as_text=True)
    assert "\u22122 h 30 min" in html
    assert "You could offer something you enjoy" in html  # received only, nothing offered


def test_a_member_of_two_timebanks_can_switch(app, client, auth, make_member, community):
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership

    member, _ = make_member(name="Two Places")
    second = create_community("hillside", "Hillside Timebank")
    add_membership(member.user, second, kind_code="carer")
    db.session.commit()
    auth.login(member.user.email)
    assert "Riverside Timebank" in client.get("/").get_data(as_text=True)
    response = client.post(f"/community/{second.id}")
    assert response.status_code == 302
    assert "Hillside Timebank" in client.get("/").get_data(as_text=True)
    elsewhere = create_community("faraway", "Faraway")
    db.session.commit()
    assert client.post(f"/community/{elsewhere.id}").status_code == 404
