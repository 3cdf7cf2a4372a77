"""The base of every page form that changes something.

Each carries a submission id, made when the page is drawn and sent back in a hidden field, so
that sending the form twice (a double tap, a retry on poor signal) records one thing: the edge
(`timebank.web.actions`) shows a repeat the first result instead of acting again.
"""
import uuid

from flask_wtf import FlaskForm
from wtforms import HiddenField


def new_submission_id() -> str:
    return uuid.uuid4().hex


class SubmissionForm(FlaskForm):
    submission_id = HiddenField()

    def ensure_submission_id(self) -> None:
        if not self.submission_id.data:
            self.submission_id.data = new_submission_id()


class ButtonForm(SubmissionForm):
    """A form that is only a button (approve, reinstate, lift)."""
