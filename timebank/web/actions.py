"""The page-action edge: how an HTML form's POST runs, in one place.

`submit` does for a page what `api.endpoints.writes` does for the API: it shows a repeated form
its first result, calls the one service that does the work, remembers the submission, commits
once and redirects (303); and when the service refuses (a `TimebankError`) it rolls back and puts
the refusal where the GOV.UK patterns want it. Any other exception rolls back and goes on up
(to the 500 page). `form_page`, `button` and `dry_run` are the three shapes built on it.

Where a refusal goes, first match wins:

1. a handler the view gives for that kind of error (`handlers={LimitExceeded: ...}`), for
   refusals that need more than their message (who would pass which limit, problems by line);
   it is called after the rollback, and returns a response or None (the form has the errors);
2. status 404: the 404 page;
3. beside a field of the form: the field the error names (`field=` in its details), else the
   one `fields` gives for its code (or renames the named field to), else the view's default
   `field`; the form is then drawn again with 422 and everything typed kept;
4. status 403: the 403 page;
5. a message at the top of the next page (flashed).
"""
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, request
from flask_login import current_user
from wtforms import Field

from ..errors import SubmissionConflict, TimebankError
from ..extensions import db
from . import replay
from .forms import new_submission_id


@dataclass(frozen=True)
class Done:
    """What a form's action led to: the page to go to (and to send a repeat of the form to),
    a message to show there, and optionally another answer than the redirect (a page showing a
    link or a secret once), made after the commit."""

    url: str
    message: str | None = None
    respond: Callable[[], Any] | None = None
    #: Whose submission this is, when the form was sent by nobody yet (joining, an invitation).
    user_id: int | None = None


#: Kinds of error (a class or a tuple of them) to what shows them; None for "the usual way".
Handlers = dict[type[TimebankError] | tuple, Callable[[TimebankError], Any] | None]


def submit(
    form,
    call: Callable[[], Any],
    done: Done | Callable[[Any], Done],
    *,
    field: str | None = None,
    fields: dict[str, str] | None = None,
    handlers: Handlers | None = None,
    public: bool = False,
    once: bool = True,
):
    """Run one form's action: returns the response to answer with, or None when it was refused
    and the refusal is now on the form (or flashed), for the view to draw the form again.

    `call` does the work (one service call) and returns its result; `done` is a Done, or makes
    one from that result. `public` forms are sent by people without an account yet, so a
    repeat is recognised by its submission id alone. `once=False` is for a form that may be
    sent again from the same page (an edit): it is not replayed."""
    submission_id = _submission_id(form) if once else None
    sender_id = _sender_id(public)
    if first := replayed(form, public=public) if once else None:
        return first
    try:
        result = call()
        outcome = done(result) if callable(done) else done
        owner = outcome.user_id if outcome.user_id is not None else sender_id
        if submission_id and owner is not None:
            replay.remember(submission_id, outcome.url, user_id=owner, sender_id=sender_id)
        db.session.commit()
    except replay.Replayed as first_copy:
        db.session.rollback()
        return redirect(first_copy.url, 303)
    except TimebankError as error:
        db.session.rollback()
        return refuse(error, form, field=field, fields=fields, handlers=handlers)
    except BaseException:
        db.session.rollback()
        raise
    if outcome.message:
        flash(outcome.message, "success")
    return outcome.respond() if outcome.respond else redirect(outcome.url, 303)


def replayed(form, *, public: bool = False):
    """The first result of a form sent again (a double tap, a retry on poor signal): a 303 to
    where the first copy led, or None when this form was not handled yet."""
    first = replay.first_result(_submission_id(form), user_id=_sender_id(public))
    return redirect(first, 303) if first else None


def form_page(form, call: Callable[[], Any], done, render: Callable[[], Any], **options):
    """A page with one form: drawn on GET (with a new submission id), acted on when a valid
    POST arrives, and drawn again, with 422, when it has errors."""
    if request.method == "GET" and options.get("once", True):
        ensure_submission_id(form)
    elif form.validate_on_submit():
        response = submit(form, call, done, **options)
        if response is not None:
            return response
    return render(), (422 if form.errors else 200)


def button(call: Callable[[], Any], done, *, back: str, form=None, **options):
    """A POST that is only a button: act, then go to the result; a refusal is shown as a
    message on `back`."""
    return submit(form, call, done, **options) or redirect(back, 303)


def dry_run(form, call: Callable[[], Any], **options):
    """Run `call` and roll it back on purpose (a check that changes nothing): returns what it
    returned, or None when it was refused (the refusal is then on the form)."""
    try:
        result = call()
    except TimebankError as error:
        db.session.rollback()
        refuse(error, form, **options)
        return None
    finally:
        db.session.rollback()
    return result


@contextmanager
def transaction():
    """Work settled in a transaction of its own before the request's action (for example a
    member's exchanges past the auto-confirm days, posted before their form acts): committed at
    the end of the block, rolled back if it fails."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def refuse(error: TimebankError, form, *, field=None, fields=None, handlers=None):
    """Show a service's refusal (after the rollback) in the one way pages do; see the module's
    docstring. Returns a handler's response, or None."""
    for kind, handle in (handlers or {}).items():
        if isinstance(error, kind):
            if handle is None:
                break  # the usual way, for a kind of error that a later, broader handler would take
            return handle(error)
    if error.status == 404:
        abort(404)
    if isinstance(error, SubmissionConflict) and hasattr(form, "submission_id"):
        form.submission_id.data = new_submission_id()  # so that "start again" can be sent
    target = field_for(error, form, field, fields or {})
    if target is not None:
        target.errors = [*target.errors, str(error)]
        return None
    if error.status == 403:
        abort(403)
    flash(str(error), "error")
    return None


def field_for(error: TimebankError, form, default: str | None, fields: dict[str, str]) -> Field | None:
    named = error.details.get("field")
    name = fields.get(named, named) if named else fields.get(error.code)
    for candidate in (name, default):
        found = getattr(form, candidate, None) if candidate and form is not None else None
        if isinstance(found, Field):
            return found
    return None


def _submission_id(form) -> str | None:
    return getattr(getattr(form, "submission_id", None), "data", None) or None


def _sender_id(public: bool) -> int | None:
    return None if public or not current_user.is_authenticated else current_user.id


def ensure_submission_id(form) -> None:
    if hasattr(form, "ensure_submission_id"):
        form.ensure_submission_id()
