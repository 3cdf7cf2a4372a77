"""The base of every page form that changes something.

Each carries a submission id, made when the page is drawn and sent back in a hidden field, so
that sending the form twice (a double tap, a retry on poor signal) records one thing: the edge
(`timebank.web.actions`) shows a repeat the first result instead of acting again.

Every page form, whether it changes something or not (sign-in, the GET searches), derives from
`Form`, which checks what the client sent the moment the form reads it, before any view can
query with it (`timebank.input_rules`): text with a control character, or longer than the
field's `Length`, and integers out of the database's range, become field errors, and the
field's data is made harmless (control characters removed, text cut to its maximum, a number
out of range dropped), since some views search with a field's data before they validate.
"""
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from ..input_rules import has_control_characters, in_int_range, without_control_characters

#: The longest text any field takes when it names no `Length` of its own.
TEXT_MAX = 10_000


def new_submission_id() -> str:
    return uuid.uuid4().hex


class Form(FlaskForm):
    """The base of every page form: refuses hostile text and numbers as it reads them."""

    def post_process(self, formdata=None):
        super().post_process(formdata)
        for field in self:
            if field.raw_data:  # only what the client sent, never a stored value being shown
                _check_text(field)
                _check_integers(field)


def _check_text(field) -> None:
    if not isinstance(field, StringField) or not isinstance(field.data, str):
        return
    multiline = isinstance(field, TextAreaField)
    if has_control_characters(field.data, multiline=multiline):
        field.process_errors.append(_l("Remove the line breaks and other special characters from this"))
        field.data = without_control_characters(field.data, "", multiline=multiline)
    limit = min((v.max for v in field.validators if isinstance(v, Length) and v.max >= 0), default=TEXT_MAX)
    if len(field.data) > limit:
        message = _l("Enter %(max)d characters or fewer", max=limit)
        for validator in field.validators:
            if isinstance(validator, Length):
                try:
                    validator(None, field)  # for its own message
                except ValidationError as error:
                    message = str(error)
                    break
        field.process_errors.append(message)
        field.data = field.data[:limit]


def _check_integers(field) -> None:
    data = field.data
    if isinstance(data, bool):
        return
    if isinstance(data, int) and not in_int_range(data):
        field.data = None
        field.process_errors.append(_l("Enter a smaller number"))
    elif isinstance(data, list) and any(isinstance(v, int) and not isinstance(v, bool) and not in_int_range(v) for v in data):
        field.data = [v for v in data if not isinstance(v, int) or in_int_range(v)]
        field.process_errors.append(_l("Choose from the options shown"))


class SubmissionForm(Form):
    submission_id = HiddenField()

    def ensure_submission_id(self) -> None:
        if not self.submission_id.data:
            self.submission_id.data = new_submission_id()


class ButtonForm(SubmissionForm):
    """A form that is only a button (approve, reinstate, lift)."""
