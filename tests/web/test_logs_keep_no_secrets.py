"""No password, token, code or note reaches a log.

A whole journey runs with every logger at DEBUG (the app's own, Huey's, the security events,
and an access log in gunicorn's default format, as `make run` configures one; SQLAlchemy logs
statements only with SQLALCHEMY_ECHO, which no configuration sets): someone joins with a
known password and a note, gets the wrong password once, is approved (a mail through the outbox),
signs in, makes an API token and uses it to log an exchange with a note, their partner confirms
it, a coordinator writes a private note, they change their password and ask for a reset link,
and download their data. Then every record is searched for each secret: the passwords, the
token, the reset link's secret, the notes and the session cookie.
"""
import json
import logging
import re
import uuid

from coordinate_support import activity, hidden_value
from sqlalchemy import select

from timebank.extensions import db
from timebank.mail import sent_messages
from timebank.models import Membership, MembershipStatus, User

PASSWORD = "Quartz-Lantern-Umbrella-4471"
WRONG_PASSWORD = "Wrong-Marigold-Obelisk-5532"
NEW_PASSWORD = "Saffron-Tundra-Kettle-8809"
JOIN_NOTE = "join-note-Periwinkle-6620"
EXCHANGE_NOTE = "exchange-note-Xylophone-3318"
PRIVATE_NOTE = "private-note-Obsidian-2207"
ACCESS = logging.getLogger("gunicorn.access")


class AccessLog:
    """WSGI middleware writing one line per request in gunicorn's default access log format
    (`%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        answered = {}

        def respond(status, headers, exc_info=None):
            answered["status"] = status.split()[0]
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, respond)
        query = environ.get("QUERY_STRING")
        ACCESS.info(
            '%s - %s [-] "%s %s%s %s" %s - "%s" "%s"',
            environ.get("REMOTE_ADDR", "-"), environ.get("REMOTE_USER") or "-", environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""), f"?{query}" if query else "", environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            answered.get("status", "-"), environ.get("HTTP_REFERER", "-"), environ.get("HTTP_USER_AGENT", "-"),
        )
        return result


def logged_text(records) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in records)


def journey(app, community, make_member) -> dict[str, str]:
    """The whole journey; returns every secret it handled, by name."""
    coordinator, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    partner, partner_account = make_member(name="Pat Partner")
    kind_id = partner.kind_id
    joiner = app.test_client()

    # Joining, with a password and a note for the coordinator.
    page = joiner.get(f"/join/{community.slug}")
    joined = joiner.post(f"/join/{community.slug}", data={
        "submission_id": hidden_value(page, "submission_id"), "name": "Jo Joiner", "email": "jo@riverside.example",
        "password": PASSWORD, "kind": kind_id, "note": JOIN_NOTE,
    })
    assert joined.status_code in (302, 303), joined.get_data(as_text=True)[:500]
    membership = db.session.scalar(select(Membership).join(User).where(User.email == "jo@riverside.example"))
    assert membership.status == MembershipStatus.PENDING

    coordinating = app.test_client()
    assert coordinating.post("/login", data={"email": coordinator.user.email, "password": "correct horse battery"}).status_code == 302
    approved = coordinating.post(f"/coordinate/applications/{membership.id}/approve", data={"submission_id": uuid.uuid4().hex})
    assert approved.status_code == 303, approved.get_data(as_text=True)[:500]

    # Signing in: once wrong, then right.
    assert joiner.post("/login", data={"email": "jo@riverside.example", "password": WRONG_PASSWORD}).status_code in (200, 422)
    assert joiner.post("/login", data={"email": "jo@riverside.example", "password": PASSWORD}).status_code == 302
    cookie = joiner.get_cookie(app.config["SESSION_COOKIE_NAME"]).value

    # An API token, shown once, used to log an exchange with a note.
    made = joiner.post("/account/tokens", data={"submission_id": uuid.uuid4().hex, "name": "My phone", "read": "y", "write": "y"})
    secret = re.search(r"tb_[A-Za-z0-9_\-]+", made.get_data(as_text=True)).group(0)
    api = app.test_client()  # no session: the token alone
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    logged = api.post("/api/v1/exchanges", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, json={
        "direction": "gave", "partner_account_id": partner_account.id, "minutes": 45,
        "occurred_on": community.today().isoformat(), "activity_id": activity(community), "note": EXCHANGE_NOTE,
    })
    assert logged.status_code == 201, logged.get_data(as_text=True)
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer tb_not-a-token"}).status_code == 401

    # The partner confirms; the coordinator writes a private note.
    confirming = app.test_client()
    assert confirming.post("/login", data={"email": partner.user.email, "password": "correct horse battery"}).status_code == 302
    confirmed = confirming.post(f"/exchanges/{logged.get_json()['id']}/confirm", data={"submission_id": uuid.uuid4().hex})
    assert confirmed.status_code == 303
    noted = coordinating.post(f"/coordinate/members/{membership.id}/notes", data={"submission_id": uuid.uuid4().hex, "body": PRIVATE_NOTE})
    assert noted.status_code == 303, noted.get_data(as_text=True)[:500]
    assert coordinating.get("/coordinate/audit.csv").status_code == 200
    assert coordinating.get(f"/reports/{community.slug}/report.json").status_code == 200

    # The member takes their data away, changes their password and asks for a reset link.
    assert joiner.get("/my-data.json").status_code == 200
    assert joiner.get("/statement.csv").status_code == 200
    changed = joiner.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code in (302, 303), changed.get_data(as_text=True)[:500]
    before = len(sent_messages(app))
    assert app.test_client().post("/password/forgot", data={"email": "jo@riverside.example"}).status_code in (302, 303)
    mails = sent_messages(app)
    assert len(mails) > before, "a reset link was mailed"
    link = re.search(r"/password/reset/([A-Za-z0-9_\-]+)", mails[-1].get_content()).group(1)
    return {
        "password": PASSWORD, "wrong password": WRONG_PASSWORD, "new password": NEW_PASSWORD,
        "join note": JOIN_NOTE, "exchange note": EXCHANGE_NOTE, "private note": PRIVATE_NOTE,
        "API token": secret, "session cookie": cookie, "reset link": link,
    }


def test_no_secret_reaches_any_log(app, community, make_member, caplog):
    caplog.set_level(logging.DEBUG)
    app.wsgi_app = AccessLog(app.wsgi_app)
    secrets = journey(app, community, make_member)
    assert len(sent_messages(app)) >= 3, "mails went through the outbox"
    text = logged_text(caplog.records)
    assert "gunicorn.access" in text and "timebank.security" in text, "the logs were captured"
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]
    exports = {e["what"]: e for e in events if e["event"] == "export.downloaded"}
    assert {"my-data.json", "statement.csv", "audit.csv", "report.json"} <= set(exports)
    assert all(e["user_id"] is not None for e in exports.values())
    assert exports["my-data.json"]["membership_id"] and exports["audit.csv"]["community"] == community.slug
    assert {"endpoint": "me.me", "status": 401, "user_id": None}.items() <= next(
        e for e in events if e["event"] == "access.refused"
    ).items()
    found = [name for name, secret in secrets.items() if secret in text]
    assert not found, f"these reached a log: {found}"


def test_a_ledger_export_from_the_command_line_is_recorded(app, runner, community, caplog):
    caplog.set_level(logging.INFO, logger="timebank.security")
    result = runner.invoke(args=["ledger", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]
    assert (line["event"], line["what"], line["by"]) == ("export.downloaded", "ledger.csv", "cli")
    assert line["at"] and "user_id" in line
