"""Keyset pagination: every list in the app is read a page at a time, keyed by where the last
page ended (never by OFFSET, so the hundredth page costs what the first does).

A service orders its query by a unique key (an id, or a name then an id), fetches one row more
than the page holds with `limit(limit + 1)`, and hands the rows to `page_of`, which returns the
page and the key to continue from (None on the last page). `after_key` writes the "after this
row" condition for a key of several columns.
"""
from collections.abc import Callable, Sequence

from sqlalchemy import and_, or_

#: Rows on a page, unless a list says otherwise.
PAGE_SIZE = 25
#: Short lists scanned on a phone (people to pick, sessions, matches, requests, listings).
SHORT_PAGE = 20
#: A member's messages.
MESSAGES_PAGE = 30
#: Long lists read on a laptop (the audit log, shared accounts).
LONG_PAGE = 50


def _id(row):
    return row.id


def page_of(rows: Sequence, limit: int, key: Callable = _id) -> tuple[list, object | None]:
    """Split `limit + 1` fetched rows into the page and the key of its last row, to continue
    after it (None when nothing follows)."""
    page = list(rows[:limit])
    return page, (key(page[-1]) if len(rows) > limit and page else None)


def after_key(columns: Sequence, values: Sequence, *, descending: bool = False):
    """Rows strictly after (or, descending, before) `values` in the order of `columns`:
    (a, b) > (x, y) written as a > x OR (a = x AND b > y), which every database plans well."""
    column, value = columns[0], values[0]
    beyond = column < value if descending else column > value
    if len(columns) == 1:
        return beyond
    return or_(beyond, and_(column == value, after_key(columns[1:], values[1:], descending=descending)))
