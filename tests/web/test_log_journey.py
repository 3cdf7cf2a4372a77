"""The member's log journey (issue 13): Post/Redirect/Get for the check page, a confirmation
page, the GOV.UK date input, lengths typed as people type them, and phone numbers checked."""
import re
import uuid
from datetime import timedelta
from html import unescape

import pytest
from babel.dates import format_date
from coordinate_support import activity, count, sign_in
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Exchange, FormSubmission


@pytest.fixture
def pair(community, make_member):
    alice, _ = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="professional", name="Bola Okafor")
    return alice, bola, bola_account


def answers(community, partner_account, **overrides) -> dict:
    data = {
        "submission_id": uuid.uuid4().hex, "direction": "gave", "q": "", "partner": str(partner_account.id),
        "quick": "90", "occurred_on": "today", "activity": str(activity(community)), "note": "Weeded the beds",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def day(d) -> str:
    return format_date(d, "d MMMM yyyy", locale="en")


def text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def error_beside(response, field_id: str) -> str:
    found = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", found.group(1)))).strip() if found else ""


def csrf(response) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return found.group(1) if found else ""


def test_the_check_page_has_its_own_url_back_is_safe_and_one_exchange_is_recorded(client, auth, community, pair):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    data = answers(community, bola_account)
    submissions = count(FormSubmission)

    posted = client.post("/log", data={**data, "action": "check"})
    assert posted.status_code == 303, "Post/Redirect/Get: the check step is a page of its own"
    check_url = posted.headers["Location"]
    assert re.fullmatch(r"/log/check/[0-9a-f]{16}", check_url)
    assert (count(Exchange), count(FormSubmission)) == (0, submissions), "nothing is written before Send"

    check = client.get(check_url)
    assert check.status_code == 200 and "Check before you send" in text(check)
    for shown in ("gave time", "Bola Okafor", "1 h 30 min", day(community.today()), "Gardening", "Weeded the beds"):
        assert shown in text(check), shown
    reloaded = client.get(check_url)
    assert reloaded.status_code == 200 and "Weeded the beds" in text(reloaded), "reloading the check page is safe"
    assert count(Exchange) == 0

    # "Change something" is a link back to the form with every answer in place.
    change = client.get(f"/log?draft={check_url.rsplit('/', 1)[1]}").get_data(as_text=True)
    assert 'value="Weeded the beds"' not in change and "Weeded the beds</textarea>" in change
    assert f'name="submission_id" type="hidden" value="{data["submission_id"]}"' in change

    sent = client.post(check_url, data={"csrf_token": csrf(check)})
    (exchange,) = db.session.scalars(select(Exchange)).all()
    assert sent.status_code == 303 and sent.headers["Location"] == f"/log/done/{exchange.id}"
    done = client.get(sent.headers["Location"])
    page = text(done)
    assert done.status_code == 200 and "Sent" in page and "Bola Okafor has been asked to confirm it." in page
    assert 'href="/log">Log another</a>' in done.get_data(as_text=True) and ">Done</a>" in done.get_data(as_text=True)
    assert day(community.today()) in page and "Gardening" in page

    # Back from the confirmation page: the check page says it was sent, and offers no Send.
    back = client.get(check_url)
    assert back.status_code == 200 and "You have already sent this" in text(back)
    assert f'href="/log/done/{exchange.id}"' in back.get_data(as_text=True) and ">Send</button>" not in back.get_data(as_text=True)

    # A second Send (a double tap, or the form sent again) goes to the first result.
    again = client.post(check_url, data={"csrf_token": csrf(check)})
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    assert count(Exchange) == 1


def test_a_draft_nobody_holds_goes_back_to_the_form_and_others_see_nothing(client, auth, community, pair, make_member):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    check_url = client.post("/log", data={**answers(community, bola_account), "action": "check"}).headers["Location"]
    assert client.get("/log/check/0123456789abcdef").headers["Location"] == "/log"
    sign_in(auth, bola)  # another person's session holds no draft of Alice's
    assert client.get(check_url).headers["Location"] == "/log"
    assert client.post(check_url, data={}).status_code == 303 and count(Exchange) == 0


def test_the_done_page_is_only_for_the_people_of_the_exchange(client, auth, community, pair, make_member):
    alice, bola, bola_account = pair
    carol, _ = make_member(name="Carol Other")
    sign_in(auth, alice)
    check_url = client.post("/log", data={**answers(community, bola_account), "action": "check"}).headers["Location"]
    done_url = client.post(check_url, data={"csrf_token": csrf(client.get(check_url))}).headers["Location"]
    sign_in(auth, carol)
    assert client.get(done_url).status_code == 404


# -- the date input ---------------------------------------------------------------------------


def test_the_date_input_has_today_and_yesterday_and_day_month_year_boxes(client, auth, community, pair):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    form = client.get("/log").get_data(as_text=True)
    assert re.search(r'name="occurred_on" value="today" checked', form), "today is chosen to start with"
    for name in ("occurred_on-day", "occurred_on-month", "occurred_on-year"):
        assert f'name="{name}"' in form and 'inputmode="numeric"' in form
    assert 'value="yesterday"' in form and ">Yesterday</label>" in form and 'type="date"' not in form

    yesterday = community.today() - timedelta(days=1)
    for chosen, expected in ((answers(community, bola_account, occurred_on="yesterday"), yesterday),
                             (answers(community, bola_account, occurred_on="other", **{
                                 "occurred_on-day": str(yesterday.day), "occurred_on-month": str(yesterday.month),
                                 "occurred_on-year": str(yesterday.year)}), yesterday)):
        check_url = client.post("/log", data={**chosen, "action": "check"}).headers["Location"]
        assert day(expected) in text(client.get(check_url))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({"occurred_on": "other", "occurred_on-day": "31", "occurred_on-month": "2", "occurred_on-year": "2026"}, "Enter a real date"),
        ({"occurred_on": "other", "occurred_on-day": "3", "occurred_on-month": "", "occurred_on-year": "2026"}, "Enter the day, the month and the year"),
        ({"occurred_on": "other"}, "Enter the date, or choose Today or Yesterday"),
        ({"occurred_on": "next tuesday"}, "Enter a real date"),
        ({"occurred_on": None}, "Enter the date, or choose Today or Yesterday"),
    ],
)
def test_a_date_that_is_not_one_is_answered_beside_the_field_with_what_was_typed_kept(client, auth, community, pair, typed, message):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    response = client.post("/log", data={**answers(community, bola_account, **typed), "action": "check"})
    assert response.status_code == 422 and message in error_beside(response, "occurred_on")
    html = response.get_data(as_text=True)
    for name in ("occurred_on-day", "occurred_on-year"):
        if typed.get(name):
            assert f'name="{name}" value="{typed[name]}"' in html, "what was typed is kept"
    assert count(Exchange) == 0


def test_a_quick_date_and_a_typed_one_that_disagree_are_answered(client, auth, community, pair):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    other = community.today() - timedelta(days=3)
    response = client.post("/log", data={**answers(
        community, bola_account, occurred_on="today",
        **{"occurred_on-day": str(other.day), "occurred_on-month": str(other.month), "occurred_on-year": str(other.year)},
    ), "action": "check"})
    assert response.status_code == 422
    assert error_beside(response, "occurred_on").startswith(f"Error: You chose Today and typed {day(other)}:")


# -- the length of time -----------------------------------------------------------------------


def test_one_and_a_half_hours_is_ninety_minutes(client, auth, community, pair):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    data = answers(community, bola_account, quick="other", hours="1.5 hours")
    sent = client.post("/log", data={**data, "action": "send"})
    assert sent.status_code == 303
    assert db.session.scalar(select(Exchange.minutes)) == 90


def test_hours_that_are_not_a_number_get_one_clear_message(client, auth, community, pair):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    response = client.post("/log", data={**answers(community, bola_account, quick="other", hours="an hour and a bit"), "action": "check"})
    assert response.status_code == 422
    assert error_beside(response, "hours") == "Error: Enter the hours as a number, like 2 or 1.5"
    assert error_beside(response, "minutes") == "", "no second, wrong error"
    assert 'value="an hour and a bit"' in response.get_data(as_text=True)


def test_a_ticked_length_and_a_typed_one_that_disagree_are_answered_not_chosen(client, auth, community, pair):
    alice, bola, bola_account = pair
    sign_in(auth, alice)
    response = client.post("/log", data={**answers(community, bola_account, quick="90", hours="2"), "action": "send"})
    assert response.status_code == 422
    assert "You chose 1 h 30 min but typed 2 h" in error_beside(response, "quick")
    assert count(Exchange) == 0
    # The same length twice, or typed with nothing ticked, is simply that length.
    assert client.post("/log", data={**answers(community, bola_account, quick="120", hours="2"), "action": "send"}).status_code == 303
    assert client.post("/log", data={**answers(community, bola_account, quick=None, minutes="45"), "action": "send"}).status_code == 303
    assert sorted(db.session.scalars(select(Exchange.minutes))) == [45, 120]


# -- phone numbers ----------------------------------------------------------------------------


def profile(**overrides) -> dict:
    return {"display_name": "", "skills": "", "availability": "", "phone": "", "contact_by": "phone", **overrides}


@pytest.mark.parametrize("phone", ["020 7946 0018", "07911 123456", "+44 7911 123456", "07700 900123", "+1 202 555 0143"])
def test_a_real_phone_number_is_kept_as_typed(client, auth, pair, phone):
    alice, _bola, _ = pair
    sign_in(auth, alice)
    assert client.post("/profile", data=profile(phone=phone)).status_code == 303
    db.session.expire_all()
    assert alice.phone == phone


@pytest.mark.parametrize("phone", ["12345", "call me", "0770090012345", "999"])
def test_a_phone_number_that_is_not_one_is_answered_beside_the_field(client, auth, pair, phone):
    alice, _bola, _ = pair
    sign_in(auth, alice)
    response = client.post("/profile", data=profile(phone=phone))
    assert response.status_code == 422 and "Enter a phone number, like 020 7946 0018" in error_beside(response, "phone")
    assert f'value="{phone}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert alice.phone is None
