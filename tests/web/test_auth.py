"""Signing in and out, the session cookie, CSRF, the rate limit and the pages around them."""
import re
from html import unescape

import pytest
from conftest import PASSWORD, config_for
from sqlalchemy import select

import config
from timebank import create_app
from timebank.extensions import db
from timebank.ledger.core import post_entry
from timebank.ledger.rules import exchange
from timebank.models import User

WRONG_CREDENTIALS = "The email address or password is not right."


def title_of(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S)
    return unescape(match.group(1)).strip()


def error_summary_links(response) -> list[str]:
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    return re.findall(r'href="#([^"]+)"', summary.group(0))


def assert_ids_exist(response, ids) -> None:
    html = response.get_data(as_text=True)
    for id_ in ids:
        assert f'id="{id_}"' in html, f"the error summary links to #{id_}, which is not on the page"


def csrf_token_of(response) -> str:
    return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)


def set_cookie_headers(response, name="session") -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


# --- the sign-in page ---------------------------------------------------------------------------


def test_login_page_renders_a_labelled_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert title_of(response).startswith("Sign in")
    assert '<form method="post" action="/login" novalidate>' in html
    for field, autocomplete in (("email", "email"), ("password", "current-password")):
        assert f'<label for="{field}">' in html
        tag = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', html).group(0)
        assert f'autocomplete="{autocomplete}"' in tag
    assert 'type="email"' in html and 'type="password"' in html
    assert "error-summary" not in html


def test_correct_credentials_sign_in_and_show_name_and_balance(app, client, auth, make_member, community):
    giver, giver_account = make_member(name="Ada Lovelace")
    _, receiver_account = make_member()
    post_entry(exchange(community.id, giver_account.id, receiver_account.id, 90, community.today()))
    db.session.commit()

    response = auth.login(giver.user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "Ada Lovelace" in html
    assert "Riverside Timebank" in html
    assert "1 h 30 min" in html
    assert 'href="/log"' in html, "the start page leads to logging time"


def test_email_is_case_insensitive(auth, make_member):
    make_member()
    response = auth.login("  PERSON1@Riverside.Example ")
    assert response.status_code == 302


@pytest.mark.parametrize("email", ["person1@riverside.example", "nobody@riverside.example"])
def test_wrong_password_or_unknown_email_give_the_same_error(client, make_member, email):
    make_member()
    typed_password = "not-the-password-x7"
    response = client.post("/login", data={"email": email, "password": typed_password})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert title_of(response).startswith("Error:")
    assert WRONG_CREDENTIALS in html
    links = error_summary_links(response)
    assert links == ["password"]
    assert_ids_exist(response, links)
    assert 'aria-invalid="true"' in html
    assert f'value="{email}"' in html
    assert typed_password not in html
    assert re.search(r'<input[^>]*id="password"[^>]*value="[^"]', html) is None


def test_a_wrong_password_and_an_unknown_email_are_indistinguishable(client, make_member):
    make_member()
    pages = []
    for email in ("person1@riverside.example", "person9@riverside.example"):
        response = client.post("/login", data={"email": email, "password": "nope-nope-1"})
        pages.append((response.status_code, response.get_data(as_text=True).replace(email, "EMAIL")))
    assert pages[0] == pages[1]


def test_empty_fields_give_a_message_for_each(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert title_of(response).startswith("Error:")
    links = error_summary_links(response)
    assert links == ["email", "password"]
    assert_ids_exist(response, links)
    for message in ("Enter your email address", "Enter your password"):
        assert html.count(message) == 2, f"{message!r} should be in the summary and beside the field"
    assert html.count('aria-invalid="true"') == 2


def test_a_disabled_person_cannot_sign_in(auth, make_member, now):
    membership, _ = make_member()
    user = db.session.get(User, membership.user_id)
    user.disabled_at = now
    db.session.commit()
    response = auth.login(user.email)
    assert response.status_code == 422
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)


def test_passwords_are_stored_as_argon2id(make_member):
    make_member()
    stored = db.session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# --- where sign-in leads --------------------------------------------------------------------------


def test_home_redirects_to_login_with_next_when_signed_out(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2F"


def test_next_is_honoured_for_a_local_path(client, make_member):
    make_member()
    page = client.get("/login?next=/healthz")
    assert 'name="next" type="hidden" value="/healthz"' in page.get_data(as_text=True)
    response = client.post(
        "/login", data={"email": "person1@riverside.example", "password": PASSWORD, "next": "/healthz"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/healthz"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)"]
)
def test_next_is_ignored_for_another_site(client, make_member, target):
    make_member()
    response = client.post("/login", data={"email": "person1@riverside.example", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_signed_in_person_visiting_login_goes_home(client, auth, make_member):
    make_member()
    auth.login("person1@riverside.example")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- signing out ----------------------------------------------------------------------------------


def test_sign_out_needs_post_and_ends_the_session(client, auth, make_member):
    make_member()
    auth.login("person1@riverside.example")
    assert client.get("/").status_code == 200
    assert "Sign out" in client.get("/").get_data(as_text=True)

    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200, "a GET must not sign anyone out"

    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You have signed out." in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_signing_in_starts_a_new_session(client, auth, make_member):
    make_member()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    auth.login("person1@riverside.example")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


def test_signed_in_pages_are_not_cached(client, auth, make_member):
    make_member()
    auth.login("person1@riverside.example")
    assert client.get("/").headers["Cache-Control"] == "no-store"


# --- CSRF, cookies, the rate limit and headers ----------------------------------------------------


def test_csrf_token_is_required_to_sign_in(make_app, make_member):
    make_member()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    credentials = {"email": "person1@riverside.example", "password": PASSWORD}

    refused = client.post("/login", data=credentials)
    assert refused.status_code == 400
    assert "Please try again" in refused.get_data(as_text=True)

    token = csrf_token_of(client.get("/login"))
    accepted = client.post("/login", data={**credentials, "csrf_token": token})
    assert accepted.status_code == 302


def test_csrf_token_is_required_to_sign_out(make_app, make_member):
    make_member()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    token = csrf_token_of(client.get("/login"))
    client.post("/login", data={"email": "person1@riverside.example", "password": PASSWORD, "csrf_token": token})
    home = client.get("/")

    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_token_of(home)}).status_code == 302
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(auth, make_member):
    make_member()
    response = auth.login("person1@riverside.example")
    (cookie,) = set_cookie_headers(response)
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_production_session_cookie_is_secure(database_url):
    production = type(
        "ProductionTest",
        (config.Production,),
        {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False},
    )
    app = create_app(production)
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        (cookie,) = set_cookie_headers(app.test_client().get("/login"))
        assert "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}
    finally:
        with app.app_context():
            db.engine.dispose()


def test_failed_sign_ins_are_rate_limited(make_app):
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    wrong = {"email": "person1@riverside.example", "password": "wrong password"}
    for _ in range(3):
        assert client.post("/login", data=wrong).status_code == 422
    response = client.post("/login", data=wrong)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert title_of(response).startswith("Too many attempts")
    assert "Please wait a minute, then try again." in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    assert client.get("/login").status_code == 200, "reading the page is not limited"


def test_sign_ins_that_succeed_or_are_incomplete_do_not_count_towards_the_limit(make_app, make_member):
    make_member()
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    for _ in range(4):
        assert client.post("/login", data={"email": "person1@riverside.example", "password": PASSWORD}).status_code == 302
        client.post("/logout")
    for _ in range(4):
        assert client.post("/login", data={"email": "person1@riverside.example", "password": ""}).status_code == 422


def test_one_account_is_never_locked_as_a_whole(make_app, make_member):
    """Issue 11: a limit per account (whatever the address) let anyone lock the owner out, so
    it is gone; wrong passwords are slowed per address and per account and address instead
    (tests/web/test_login_throttle.py)."""
    make_member()
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()

    def attempt(email, address, password="wrong password"):
        data = {"email": email, "password": password}
        return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address}).status_code

    assert [attempt("person1@riverside.example", f"10.0.0.{n}") for n in range(1, 5)] == [422, 422, 422, 422]
    assert attempt("PERSON1@riverside.example", "10.0.0.9", PASSWORD) == 302
    client.post("/logout")
    assert attempt("person2@riverside.example", "10.0.0.9") == 422


def test_healthz_is_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json()["status"] == "ok"


def test_unknown_url_gives_the_not_found_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert title_of(response).startswith("Page not found")
    assert "<h1>Page not found</h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/healthz"])
def test_security_headers_are_sent(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_pages_need_no_inline_script_or_style(client, auth, make_member):
    """The CSP forbids inline script and style, so the pages must not rely on them (a script
    file of this site's own, such as the passkeys' progressive enhancement, is allowed)."""
    make_member()
    pages = [client.get("/login"), client.post("/login", data={}), client.get("/no-such-page")]
    auth.login("person1@riverside.example")
    pages.append(client.get("/"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=\"/static/)[^>]*>", html) == []
        assert "<style" not in html and " style=" not in html


@pytest.fixture
def app_without_database():
    app = create_app(config_for("sqlite:////nonexistent-dir/timebank.sqlite", PROPAGATE_EXCEPTIONS=False))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_reports_an_unreachable_database(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_the_error_page_shows_when_the_database_is_down(app_without_database):
    """errors/500.html asks nothing of the database (it leaves out the sign-out button)."""
    client = app_without_database.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    response = client.get("/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)


def test_a_get_to_a_post_only_address_gets_a_readable_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "cannot be opened this way" in response.get_data(as_text=True)
