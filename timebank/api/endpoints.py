"""The two kinds of API endpoint, as decorators that go just under the route:

- `reads(scope)`: authenticate with that scope (read, or reports), rate limit, run the view.
- `writes(creates=...)`: authenticate with the write scope, rate limit, claim the
  Idempotency-Key (required when the POST creates something), run the view (which calls one
  service), keep the response with the key, and commit once.

Each also documents itself in the OpenAPI document: its security, its idempotency header and
the problems it may answer.
"""
import functools
import http
from copy import deepcopy

from flask import current_app

from ..extensions import db
from .auth import authenticate
from .idempotency import HEADER, claim, complete, request_key

#: The problem responses each kind of endpoint documents (components registered by TimebankApi).
PROBLEMS = {status: http.HTTPStatus(status).name for status in (400, 401, 403, 404, 409, 422, 429)}


def reads(scope: str = "read"):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            authenticate(scope)
            return current_app.ensure_sync(view)(*args, **kwargs)

        _document(wrapper, scope, (401, 403, 404, 422, 429))
        return wrapper

    return decorate


def writes(*, creates: bool):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            caller = authenticate("write")
            key = request_key(required=creates)
            record = None
            if key is not None:
                claimed = claim(caller.user.id, key)
                if not hasattr(claimed, "fingerprint"):
                    return claimed  # a retry: the first response again
                record = claimed
            response = current_app.ensure_sync(view)(*args, **kwargs)
            if record is not None:
                complete(record, response)
            db.session.commit()
            return response

        _document(wrapper, "write", (400, 401, 403, 404, 409, 422, 429))
        header = {
            "in": "header",
            "name": HEADER,
            "required": creates,
            "description": "A key unique to this request (for example a UUID). A retry with the same key and body "
            "returns the first response (with `Idempotent-Replayed: true`) instead of doing it again.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$"},
        }
        wrapper._apidoc["manual_doc"].setdefault("parameters", []).append(header)
        return wrapper

    return decorate


def _document(wrapper, scope: str, statuses) -> None:
    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
    manual = wrapper._apidoc.setdefault("manual_doc", {})
    manual["security"] = [{"bearerAuth": []}, {"sessionCookie": []}]
    manual.setdefault("responses", {}).update({str(status): PROBLEMS[status] for status in statuses})
    manual["x-scope"] = scope
    wrapper.__doc__ = f"{(wrapper.__doc__ or '').strip()}\n\nToken scope: `{scope}`."
