"""The JSON API under /api/v1: flask-smorest resources over the same services as the pages.

Its OpenAPI 3 document is at /api/v1/openapi.json and a readable page of it at /api/v1/docs,
both served by the app itself. Every error is a problem (see `problems`); every write is
authenticated, rate limited, idempotent and committed once (see `endpoints`).
"""
import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from ..extensions import csrf
from . import communities, entries, exchanges, listings, me, members, sessions
from .docs import bp as docs_bp
from .idempotency import refuse_deep_json
from .problems import CONTENT_TYPE, register_handlers
from .schemas.common import ProblemSchema

RESOURCES = (me.bp, communities.bp, exchanges.bp, listings.bp, members.bp, entries.bp, sessions.bp)
for _blueprint in RESOURCES:
    register_handlers(_blueprint)
    _blueprint.before_request(refuse_deep_json)
    csrf.exempt(_blueprint)  # checked in `auth` for session callers only: a token is no cookie

API_DESCRIPTION = """\
The Timebank API: time credits, offers and requests, and reciprocity reports.

Authenticate with a personal access token (made under "API tokens" in your profile):
`Authorization: Bearer tb_...`. Scopes: `read` for every GET, `write` for every POST, `reports`
for a community's report. A signed-in browser may call it too, sending the CSRF token of the
page in `X-CSRFToken` with every POST.

Every POST that creates something needs an `Idempotency-Key` header: a retry with the same key
and body returns the first response (with `Idempotent-Replayed: true`) and does nothing again.

Errors are RFC 9457 problems (`application/problem+json`) with a stable `code`. Times are
integer minutes.
"""


class TimebankApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """Not app-wide, as flask-smorest would: the pages keep their HTML errors, and each API
        blueprint answers problems (see `problems.register_handlers`)."""

    def _register_responses(self):
        """The documented error responses are problems."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_api(app: Flask) -> TimebankApi:
    app.config.setdefault("API_TITLE", "Timebank API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": API_DESCRIPTION},
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal access token (tb_...)."},
                    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session", "description": "The signed-in browser's session; POSTs also need X-CSRFToken."},
                }
            },
        },
    )
    api = TimebankApi(app)
    for blueprint in RESOURCES:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)
    app.extensions["timebank-api"] = api
    return api
