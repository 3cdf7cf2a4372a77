"""No GET handler writes: with the demo loaded, every GET route in the URL map, requested as a
member, the coordinator, the funder and nobody, leaves the database exactly as it was.

The demo is seeded once for the module (on SQLite). What is compared is a checksum of every row
of every table; a listener on the engine also names the request that issued a write, so that a
failure says where to look.
"""
import hashlib
from datetime import timedelta

import pytest
from conftest import utc_now
from routes_support import account_of, demo_url_values, routes, seeded_demo_app, urls_for
from sqlalchemy import event, inspect, select, text

from timebank.extensions import db
from timebank.models import Community, Exchange, ExchangeStatus

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("get-writes-nothing") / "demo.sqlite"
    app = seeded_demo_app(f"sqlite:///{path}")
    with app.app_context():
        _make_one_exchange_due(app)
        db.session.remove()
    # Each request below has an app context (a session, a `g`) of its own, as in production.
    yield app
    with app.app_context():
        db.engine.dispose()


def _make_one_exchange_due(app) -> None:
    """A pending exchange of member01's past the auto-confirm days: the kind of thing a page
    used to post as it was viewed."""
    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    account_id = account_of("member01@demo.example")
    exchange = db.session.scalar(
        select(Exchange).where(
            Exchange.status == ExchangeStatus.PENDING,
            (Exchange.giver_account_id == account_id) | (Exchange.receiver_account_id == account_id),
        )
    )
    assert exchange is not None, "the demo gives member01 a pending exchange"
    exchange.created_at = utc_now() - timedelta(days=(community.auto_confirm_days or 14) + 1)
    db.session.commit()


def checksum() -> dict[str, str]:
    """Every table's rows, hashed in primary-key order."""
    sums = {}
    with db.engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            digest = hashlib.sha256()
            for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                digest.update(repr(tuple(row)).encode())
            sums[table] = digest.hexdigest()
        connection.rollback()
    return sums


def get_urls(app) -> list[str]:
    values = demo_url_values()
    urls = []
    with app.test_request_context():
        for rule, _method in (r for r in routes(app) if r[1] == "GET"):
            urls.extend(urls_for(app, rule, values))
    return urls


def test_no_get_route_writes_to_the_database(demo):
    app = demo
    clients = {"nobody": app.test_client()}
    password = app.config["DEMO_PASSWORD"]
    for who, email in (("member", "member01@demo.example"), ("coordinator", "coordinator@demo.example"), ("funder", "funder@demo.example")):
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302, who
        clients[who] = client
    with app.app_context():
        urls = get_urls(app)
        before = checksum()
        engine = db.engine

    writes = []
    current = {}

    def spot_writes(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(f"{current.get('who')} GET {current.get('url')}: {statement.split()[0:3]}")

    event.listen(engine, "before_cursor_execute", spot_writes)
    statuses = {}
    try:
        for who, client in clients.items():
            for url in urls:
                current.update(who=who, url=url)
                response = client.get(url)
                statuses[(who, url)] = response.status_code
                response.close()  # a static file's response holds the file open
                assert response.status_code < 500, f"{who} GET {url}: {response.status_code}"
    finally:
        event.remove(engine, "before_cursor_execute", spot_writes)
    with app.app_context():
        after = checksum()
    assert writes == []
    assert [table for table in before if before[table] != after[table]] == []
    # The test reached the pages, not only their refusals.
    assert sum(1 for (who, _), code in statuses.items() if code == 200 and who != "nobody") > len(urls)


def test_a_due_exchange_is_shown_as_pending_and_posted_by_the_form_that_acts(demo):
    """A GET shows a due exchange as it is; a POST about it posts what is due first, so the
    member cannot decline what the community has already taken as confirmed."""
    app = demo
    client = app.test_client()
    assert client.post("/login", data={"email": "member01@demo.example", "password": app.config["DEMO_PASSWORD"]}).status_code == 302
    with app.app_context():
        due_id = _due_exchange_of("member01@demo.example")

    assert client.get(f"/exchanges/{due_id}").status_code == 200
    with app.app_context():
        assert db.session.get(Exchange, due_id).status == ExchangeStatus.PENDING

    client.post(f"/exchanges/{due_id}/decline", data={"reason": "too late"})
    with app.app_context():
        exchange = db.session.get(Exchange, due_id)
        assert exchange.status == ExchangeStatus.POSTED and exchange.decline_reason is None


def _due_exchange_of(email: str) -> int:
    account_id = account_of(email)
    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    cutoff = utc_now() - timedelta(days=community.auto_confirm_days or 14)
    due = db.session.scalar(
        select(Exchange).where(
            Exchange.status == ExchangeStatus.PENDING,
            Exchange.created_at <= cutoff,
            Exchange.last_error.is_(None),
            (Exchange.giver_account_id == account_id) | (Exchange.receiver_account_id == account_id),
        )
    )
    assert due is not None
    return due.id
