"""Helpers for the coordinator page tests: signing in, posting entries, reading pages, and
counting the SQL a page runs."""
import re
from contextlib import contextmanager
from datetime import date, timedelta
from html import unescape

from sqlalchemy import event, func, select

from timebank.extensions import db
from timebank.ledger import exchange as exchange_spec
from timebank.ledger import post_entry
from timebank.models import ActivityCategory, Confirmation


def sign_in(auth, membership):
    """Sign in as this person (signing out whoever was signed in first)."""
    auth.logout()
    response = auth.login(membership.user.email)
    assert response.status_code == 302, response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def activity(community, name="Gardening") -> int:
    return db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community.id, ActivityCategory.name == name)
    )


def give(community, giver_account, receiver_account, minutes=60, on: date | None = None, **kw):
    """Post an exchange straight into the ledger: the giver gave `minutes` to the receiver."""
    kw.setdefault("confirmation", Confirmation.PHONE)
    kw.setdefault("activity_id", activity(community))
    entry, _ = post_entry(
        exchange_spec(community.id, giver_account.id, receiver_account.id, minutes, on or community.today(), **kw)
    )
    db.session.commit()
    return entry


def last_month(community) -> date:
    """The first day of the month before this one, in the community's time zone."""
    return (community.today().replace(day=1) - timedelta(days=1)).replace(day=1)


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def section(response, element_id: str) -> str:
    """The text of the element (a <section> or <li>) that holds `id="element_id"`."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<section[^>]*aria-labelledby="{re.escape(element_id)}".*?</section>', html, re.S)
    assert match, f"no section {element_id}"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(0)))).strip()


def links(response) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a[^>]*href="([^"]+)"', response.get_data(as_text=True))]


def hidden_value(response, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    if not found:
        found = re.search(rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', response.get_data(as_text=True))
    assert found, f"no {name} on the page"
    return unescape(found.group(1))


def assert_form_error(response, field_id: str, message: str) -> None:
    """The GOV.UK pattern: 422, "Error:" in the title, a summary linking to the field (which is
    on the page), and the same message beside it."""
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip().startswith("Error:"), title
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary, "no error summary"
    targets = {unescape(t): h for h, t in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(0))}
    assert any(message in t and h == field_id for t, h in targets.items()), targets
    assert f'id="{field_id}"' in html, f"the summary links to #{field_id}, which is not on the page"
    beside = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert beside and message in unescape(beside.group(1)), f"no message beside #{field_id}"


@contextmanager
def counting_queries():
    """Collect the SQL statements run inside the block, with their parameters."""
    statements: list[tuple] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def queries_for(client, path: str) -> list[tuple]:
    """The statements one GET of `path` runs, starting from a session with nothing cached."""
    db.session.commit()
    db.session.expire_all()
    with counting_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(statements)


def assert_no_offset(statements: list[tuple]) -> None:
    """Pages are keyed, never skipped to. SQLite writes "LIMIT ? OFFSET ?" for a plain LIMIT, so
    every OFFSET must be given 0."""
    for sql, parameters in statements:
        for found in re.finditer(r"OFFSET\s+(\?|%\((\w+)\)s|\d+)", sql, re.I):
            token = found.group(1)
            if token == "?":
                value = parameters[sql[: found.start(1)].count("?")]
            elif found.group(2):
                value = parameters[found.group(2)]
            else:
                value = int(token)
            assert value == 0, f"a page skipped {value} rows: {sql}"
