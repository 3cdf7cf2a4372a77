"""Security events as structured JSON lines (sign-ins, refused access, password and 2FA
changes, sessions ended, exports, erasures), on the `timebank.security` logger.

Only ids, codes and outcomes go in: never a password, token, code, email body or note. A field
whose name says it holds a secret is refused outright, so a slip fails in tests, not in a log.
"""
import json
import logging

from flask import has_request_context, request
from flask_login import current_user

from .models.types import utcnow

log = logging.getLogger("timebank.security")

#: Field names that must never reach a log line.
SECRET_FIELDS = frozenset({"password", "new_password", "token", "secret", "code", "recovery_code", "note", "body"})


def init_app(app) -> None:
    """Security events are logged at INFO. Outside tests they go to standard error, one JSON
    line each, unless the operator's logging configuration already handles this logger."""
    log.setLevel(logging.INFO)
    if not log.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)


def record(event: str, **fields) -> None:
    """Log one security event: `event` is a dotted name (`signin.failed`, `session.ended`)."""
    leaked = SECRET_FIELDS.intersection(fields)
    if leaked:
        raise ValueError(f"security log fields may not hold secrets: {', '.join(sorted(leaked))}")
    if not log.isEnabledFor(logging.INFO):
        return
    line = {"at": utcnow().isoformat(timespec="seconds"), "event": event, **fields}
    if has_request_context():
        line.setdefault("ip", request.remote_addr)
        line.setdefault("path", _path())
    log.info(json.dumps(line, default=str, sort_keys=True))


def _path() -> str:
    """The request's path, or its rule when the path carries a secret (an invitation's or a
    reset link's token)."""
    if request.url_rule is not None and SECRET_FIELDS.intersection(request.view_args or {}):
        return request.url_rule.rule
    return request.path


def _user_id() -> int | None:
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user.id


def refused(status: int, **fields) -> None:
    """An access guard refused this request (a 401, 403 or 404 that says "not for you")."""
    record("access.refused", user_id=_user_id(), endpoint=request.endpoint, status=status, **fields)


def exported(what: str, **fields) -> None:
    """Someone took data away: `what` names the download (`statement.csv`, `report.json`)."""
    fields.setdefault("user_id", _user_id())
    record("export.downloaded", what=what, **fields)
