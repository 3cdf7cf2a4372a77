"""Forms sent twice: where the first copy of a page form led, kept by its submission id.

A `FormSubmission` row (who sent it, its submission id, the URL its result is at) is written in
the same transaction as the work the form did, so both are committed or neither is. A repeat
finds the row and is sent to that URL; nothing runs again.

Two copies racing: on SQLite every write transaction begins IMMEDIATE, so the second waits for
the first to commit and then finds its row. On PostgreSQL the second's insert waits on the
unique index until the first commits, then fails: `remember` says so (`Replayed`), and the edge
undoes the second copy's work and shows the first one's result.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import SubmissionConflict
from ..extensions import db
from ..models import FormSubmission

ID_MAX = 64
URL_MAX = 300


class Replayed(Exception):
    """This form was handled already, by a copy that committed first: show `url`."""

    def __init__(self, url: str):
        self.url = url
        super().__init__(url)


def first_result(submission_id: str | None, *, user_id: int | None) -> str | None:
    """Where the first sending of this form led, if it was handled already. `user_id` is None
    for the public forms, sent before their sender has an account."""
    if not submission_id:
        return None
    query = select(FormSubmission.result_url).where(FormSubmission.submission_id == submission_id[:ID_MAX])
    if user_id is not None:
        query = query.where(FormSubmission.user_id == user_id)
    return db.session.scalar(query.execution_options(populate_existing=True))


def remember(submission_id: str, url: str, *, user_id: int, sender_id: int | None) -> None:
    """Keep where this form led, for a repeat. Raises Replayed when a copy of the same form
    committed first, and SubmissionConflict when someone else's form holds the id."""
    row = FormSubmission(user_id=user_id, submission_id=submission_id[:ID_MAX], result_url=url[:URL_MAX])
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        first = first_result(submission_id, user_id=sender_id)
        if first is None:
            raise SubmissionConflict() from None
        raise Replayed(first) from None
