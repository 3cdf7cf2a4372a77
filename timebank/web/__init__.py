"""The web edge for pages: what every HTML form that changes something goes through.

- `forms`: `SubmissionForm`, the base of those forms, with the submission id made when the page
  is drawn; `ButtonForm` for a form that is only a button.
- `actions`: `submit` and the shapes built on it (`form_page`, `button`, `dry_run`): check for a
  repeat, call one service, remember the submission, commit once, redirect 303, and map a
  `TimebankError` to a field error, a message, a 403 or a 404, rolling back on every failure.
  Views never commit or roll back themselves.
- `replay`: the one replay mechanism for pages.

Three once-only mechanisms, one per layer, each guarding what its caller can repeat:

- Pages: the form's submission id, kept in `FormSubmission` with the URL its result is at, in
  the same transaction as the work. A repeat is redirected there and nothing runs again. The id
  is made by our own page, so a repeat is the same form: unlike the API there is no fingerprint
  of the body to compare, and the result kept is a place, not a response body.
- The API (`api/idempotency.py`): the client's `Idempotency-Key` header, kept in
  `IdempotencyRecord` with a fingerprint of the request and the whole JSON response, which a
  retry gets back. Its race handling is the same idea as `replay.remember` (insert in a
  savepoint, and on a unique violation read the copy that committed first), written for its
  own record.
- The ledger and the services below both edges: the submission id is passed on to the service
  (an exchange's or listing's `submission_id`, an entry's idempotency key, which the API derives
  from its key), so a copy that gets past an edge still makes one row and one entry (I6). That
  is the second line of defence, not a replay: the service returns the existing row.
"""
from .actions import Done, button, dry_run, form_page, refuse, replayed, submit, transaction
from .forms import ButtonForm, Form, SubmissionForm, new_submission_id

__all__ = [
    "ButtonForm",
    "Done",
    "Form",
    "SubmissionForm",
    "button",
    "dry_run",
    "form_page",
    "new_submission_id",
    "refuse",
    "replayed",
    "submit",
    "transaction",
]
