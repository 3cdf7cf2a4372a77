"""Errors as RFC 9457 problem details (`application/problem+json`), for every API response that
is not a success: domain errors with their stable `code`, invalid input with the messages of
each field, and the HTTP errors (401, 403, 404, 405, 409, 429) that arise around them.

Nothing the client sends answers 500: an unexpected error is logged, rolled back and answered
as a problem too, so that a bug shows as a problem body rather than an HTML page.
"""
import http

from flask import current_app, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import TimebankError
from ..extensions import db

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://timebank.example/problems/"
API_PREFIX = "/api/"


# -- errors only the API raises ----------------------------------------------------------------


class Unauthorized(TimebankError):
    code = "unauthorized"
    status = 401
    message = _l("Send a valid personal access token as 'Authorization: Bearer <token>', or sign in.")


class InsufficientScope(TimebankError):
    code = "insufficient_scope"
    status = 403
    message = _l("This token may not do that: it lacks the scope this request needs.")


class CsrfFailed(TimebankError):
    code = "csrf_failed"
    status = 403
    message = _l("A signed-in browser must send the page's CSRF token in the X-CSRFToken header.")


class NotCoordinator(TimebankError):
    code = "not_coordinator"
    status = 403
    message = _l("Only the coordinators of this community can do that.")


class IdempotencyKeyRequired(TimebankError):
    code = "idempotency_key_required"
    status = 400
    message = _l("Send an Idempotency-Key header (1 to 255 visible characters, unique per request).")


class IdempotencyKeyReused(TimebankError):
    code = "idempotency_key_reused"
    status = 422
    message = _l("This Idempotency-Key was already used for a different request.")


class IdempotencyKeyInProgress(TimebankError):
    code = "idempotency_key_in_progress"
    status = 409
    message = _l("A request with this Idempotency-Key is still being handled. Retry in a moment.")


class JsonTooDeep(TimebankError):
    code = "json_too_deep"
    status = 400
    message = _l("The JSON body is nested too deeply to be a request of this API.")


class RateLimited(TimebankError):
    code = "rate_limited"
    status = 429
    message = _l("Too many requests. Wait a little, then try again.")

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(retry_after=retry_after)


# -- building responses ------------------------------------------------------------------------


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, code: str, detail: str, *, title: str | None = None, headers=None, **extra):
    body = {
        "type": TYPE_BASE + code,
        "title": title or http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    response = current_app.response_class(json.dumps(body), status=status, mimetype=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_domain_error(error: TimebankError):
    db.session.rollback()
    headers = {}
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="timebank"'
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    extra = {key: value for key, value in error.details.items() if key not in ("field",)}
    field = error.details.get("field")
    if field:
        extra["errors"] = {field: [str(error)]}
    return problem(error.status, error.code, str(error), headers=headers, **_jsonable(extra))


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def from_http_error(error: HTTPException):
    db.session.rollback()
    if isinstance(error, CSRFError):
        return from_domain_error(CsrfFailed())
    status = error.code or 500
    headers = {}
    data = getattr(error, "data", None) or {}
    if data.get("headers"):
        headers.update(data["headers"])
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    extra = {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 and messages:
        extra["errors"] = field_errors(messages)
        detail = _("Some of what was sent is not valid. See `errors` for each field.")
    else:
        detail = {
            404: _("There is nothing here, or you may not see it."),
            405: _("This address does not accept that method."),
            429: _("Too many requests. Wait a little, then try again."),
        }.get(status) or error.description or http.HTTPStatus(status).phrase
    if status == 429:
        headers.setdefault("Retry-After", "60")
    return problem(status, HTTP_CODES.get(status, "http_error"), str(detail), headers=headers, **extra)


def from_unexpected_error(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unexpected error in the API", exc_info=error)
    return problem(500, "internal_error", _("Something went wrong on our side. It has been logged."))


def field_errors(messages) -> dict[str, list[str]]:
    """webargs' messages, {location: {field: [message]}}, flattened to {field: [message]}, nested
    fields joined with dots."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list | tuple):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    locations = ("json", "query", "headers", "form", "view_args", "path", "cookies")
    if isinstance(messages, dict) and set(messages) <= set(locations):
        for inner in messages.values():
            walk("", inner)
    else:
        walk("", messages)
    return flat


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def register_handlers(blueprint) -> None:
    blueprint.register_error_handler(TimebankError, from_domain_error)
    blueprint.register_error_handler(HTTPException, from_http_error)
    blueprint.register_error_handler(Exception, from_unexpected_error)


def app_error_response(error):
    """For the app-wide error pages: a problem when the request was for the API (a 404 or 405
    from routing never reaches the API's blueprints), otherwise None."""
    if not is_api_request():
        return None
    if isinstance(error, HTTPException):
        original = getattr(error, "original_exception", None)
        if error.code == 500 and original is not None:
            return from_unexpected_error(original)
        return from_http_error(error)
    return from_unexpected_error(error)
