"""Forms sent twice: inserting a row once per form submission, even when two copies of the same
POST race. (Where a handled form led, so that a repeat goes there again, is the page edge's:
`web/replay.py`.)"""
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from ..extensions import db


def add_once(row, find_existing: Callable):
    """Add `row`, whose table has a unique submission id. If a concurrent request with the same
    submission id committed first (PostgreSQL waits for it, then refuses the duplicate), return
    that request's row instead. Returns (row, created)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
        return row, True
    except IntegrityError:
        existing = find_existing()
        if existing is None:
            raise
        return existing, False
