"""Hypothesis drives every API endpoint (`/api/v1/...`) with hostile values, with a token of
every scope held by the person the access table lets in: never a 5xx, every refusal an RFC 9457
problem with a stable `code`, and afterwards `ledger verify` passes and no stored text holds a
control character it may not.

test_api_schemathesis.py already sends every operation requests of the documented shapes; this
sends what no document describes. The parameters and body fields are read from the app's own
OpenAPI document; each example fills the query string (missing, hostile, repeated, unknown
parameters), the ids in the path (past the database's range, negative, not numbers) and, for a
write, the body: the documented fields with hostile JSON values (a valid body's own values
mixed in, so that some get past validation), JSON nested hundreds deep, not JSON at all, a form,
multipart or plain text where JSON belongs, a body past the size limit, or nothing; and an
Idempotency-Key that is fresh, empty or thousands of characters long.

One world per backend (the access table's), each endpoint's run in a transaction rolled back at
its end; few examples, derandomized, so that the run is the same every time and takes seconds.
"""
import json
import re
import uuid

import pytest
from api_support import bearer
from conftest import BACKENDS, RolledBack
from hostile_support import (
    Writes,
    assert_database_rules_hold,
    hostile_int,
    hostile_settings,
    hostile_text,
    hostile_value,
    json_value,
    nested,
)
from hypothesis import given
from hypothesis import strategies as st
from routes_support import access_world, routes
from test_access_table import BODIES, OVERRIDES, PARAMETERS, QUERIES, TABLE, key
from werkzeug.datastructures import MultiDict

from timebank.extensions import db
from timebank.models import User
from timebank.services.tokens import create_token

EXAMPLES = 6
PROBLEM = "application/problem+json"
CODE = re.compile(r"^[a-z][a-z0-9_]*$")

#: Every API endpoint driven, as (rule, method).
DRIVEN = {
    ("/api/v1/communities", "GET"), ("/api/v1/communities/<slug>", "GET"), ("/api/v1/communities/<slug>/report", "GET"),
    ("/api/v1/docs", "GET"), ("/api/v1/openapi.json", "GET"),
    ("/api/v1/entries", "GET"), ("/api/v1/entries/<entry_id>", "GET"), ("/api/v1/entries/<entry_id>/reverse", "POST"),
    ("/api/v1/exchanges", "GET"), ("/api/v1/exchanges", "POST"), ("/api/v1/exchanges/<exchange_id>", "GET"),
    ("/api/v1/exchanges/<exchange_id>/cancel", "POST"), ("/api/v1/exchanges/<exchange_id>/confirm", "POST"),
    ("/api/v1/exchanges/<exchange_id>/decline", "POST"), ("/api/v1/exchanges/partners", "GET"),
    ("/api/v1/group-sessions", "GET"), ("/api/v1/group-sessions", "POST"), ("/api/v1/group-sessions/<session_id>", "GET"),
    ("/api/v1/listings", "GET"), ("/api/v1/listings", "POST"), ("/api/v1/listings/<listing_id>", "GET"),
    ("/api/v1/listings/<listing_id>/close", "POST"), ("/api/v1/me", "GET"), ("/api/v1/me/statement", "GET"),
    ("/api/v1/members", "GET"), ("/api/v1/members/<membership_id>", "GET"),
}
#: API endpoints not driven here, each with the reason.
NOT_DRIVEN: dict[tuple[str, str], str] = {}
#: Who holds the token for each endpoint: the first of these the access table lets through.
PERSONAS = ("coordinator", "member", "admin")
#: Pages, not JSON: only "never a 5xx" is asked of them.
HTML = {"/api/v1/docs"}
#: Over MAX_CONTENT_LENGTH (2 MB).
TOO_BIG = "[" + "1," * 1_100_000 + "1]"


@pytest.fixture(scope="module", params=BACKENDS)
def world(request):
    databases = request.getfixturevalue(f"{request.param}_databases")
    url = databases.create()
    app, ids, clients = access_world(url)
    with app.app_context():
        tokens = {}
        for who, email in (("coordinator", "coordinator@demo.example"), ("member", "member01@demo.example"),
                           ("admin", "admin@demo.example")):
            user = db.session.query(User).filter_by(email=email).one()
            tokens[who] = create_token(user, name="hostile", scopes=["read", "write", "reports"])[1]
        db.session.commit()
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        db.session.remove()
    yield app, ids["A"], tokens, document
    with app.app_context():
        db.engine.dispose()
    databases.drop(url)


def operation(document: dict, route: str, method: str) -> tuple[list[str], list[str]]:
    """(query parameter names, body field names) of the route's operation."""
    op = document["paths"].get(re.sub(r"<(\w+)>", r"{\1}", route), {}).get(method.lower(), {})
    query = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return query, list(schema.get("properties", {}))


def persona_for(route: str, method: str) -> str:
    row = TABLE.get((route, method), {})
    return next((who for who in PERSONAS if row.get(who) in ("ok", "acts")), "coordinator")


HOSTILE_ID = st.sampled_from(["99999999999999999999", str(2**31), "0", "-1", "1e3", "abc", "%00", "1.5"])
IDEMPOTENCY_KEY = st.one_of(st.just(None), st.sampled_from(["", " ", "k" * 5000, "é\t", "../x"]))
BODY_KIND = st.sampled_from(["fields", "fields", "fields", "fields", "deep", "brackets", "not_json", "form", "multipart",
                             "text", "huge", "empty", "scalar"])


@st.composite
def request_for(draw, route: str, method: str, query: list[str], fields: list[str], valid: dict):
    """(path ids to replace, query pairs, body kind, body, Idempotency-Key or None for a fresh one)."""
    path_ids = {}
    if "<" in route and draw(st.integers(0, 3)) == 0:
        path_ids = {name: draw(HOSTILE_ID) for name in re.findall(r"<(\w+)>", route)}
    pairs = []
    for name in [*query, *draw(st.lists(st.sampled_from(["x", "id", "community", "limit"]), max_size=1))]:
        how = draw(st.sampled_from(["missing", "hostile", "hostile", "repeated"]))
        if how == "hostile":
            pairs.append((name, draw(hostile_value)))
        elif how == "repeated":
            pairs += [(name, v) for v in draw(st.lists(hostile_value, min_size=2, max_size=3))]
    kind, body = None, None
    if method == "POST":
        kind = draw(BODY_KIND)
        if kind == "fields":
            body = {}
            # Half the time one field alone is hostile and the rest valid, to reach the service.
            alone = draw(st.sampled_from(fields)) if fields and draw(st.booleans()) else None
            for name in fields:
                how = draw(st.sampled_from(["valid", "hostile", "hostile", "missing"])) if alone is None else (
                    "hostile" if name == alone else "valid")
                if how == "valid" and name in valid:
                    body[name] = valid[name]
                elif how == "hostile":
                    body[name] = draw(json_value)
            body.update(draw(st.dictionaries(st.sampled_from(["id", "x", "user_id", "extra"]), json_value, max_size=2)))
        elif kind == "scalar":
            body = draw(st.one_of(json_value, st.lists(json_value, max_size=2)))
        elif kind in ("form", "multipart", "text"):
            body = {name: draw(st.one_of(hostile_text, hostile_int)) for name in fields}
    return path_ids, pairs, kind, body, draw(IDEMPOTENCY_KEY)


def send(client, path: str, method: str, pairs: list, kind: str | None, body, headers: dict):
    query = MultiDict(pairs)
    if method == "GET":
        return client.get(path, query_string=query, headers=headers)
    post = lambda **kw: client.post(path, query_string=query, headers=headers, **kw)  # noqa: E731
    raw = {"deep": json.dumps(nested(200)), "brackets": "[" * 100_000, "not_json": "{'title': \x00 nope",
           "huge": TOO_BIG, "empty": ""}
    if kind in raw:
        return post(data=raw[kind], content_type="application/json")
    if kind == "form":
        return post(data=body)
    if kind == "multipart":
        return post(data=body, content_type="multipart/form-data")
    if kind == "text":
        return post(data=json.dumps(body), content_type="text/plain")
    return post(json=body)


def test_every_api_endpoint_is_driven_or_says_why_not(world):
    app, _ids, _tokens, _document = world
    in_map = {(key(rule), method) for rule, method in routes(app, static=False) if rule.rule.startswith("/api/")}
    missing = sorted(in_map - DRIVEN - set(NOT_DRIVEN))
    gone = sorted((DRIVEN | set(NOT_DRIVEN)) - in_map)
    assert not missing, f"Drive these API endpoints in DRIVEN, or say in NOT_DRIVEN why not: {missing}"
    assert not gone, f"No longer in the URL map: {gone}"


@pytest.mark.parametrize(("route", "method"), sorted(DRIVEN))
def test_hostile_values_in_every_api_endpoint(world, route, method):
    app, ids, tokens, document = world
    query, fields = operation(document, route, method)
    valid = BODIES[route](ids) if route in BODIES else {}
    rule = next(r for r in app.url_map.iter_rules() if key(r) == route and method in r.methods)
    names = {**PARAMETERS, **OVERRIDES.get(route, {})}
    good_ids = {name: str(ids[names[name]]) for name in rule.arguments}
    good_query = [tuple(p.split("=", 1)) for p in ids[QUERIES[route]].split("&")] if route in QUERIES else []
    secret = tokens[persona_for(route, method)]
    rolled_back = RolledBack(app)
    writes = Writes(rolled_back.connection)
    try:
        client = app.test_client()

        @hostile_settings(EXAMPLES)
        @given(sent=request_for(route, method, query, fields, valid))
        def never_5xx_and_always_a_problem(sent):
            path_ids, pairs, kind, body, idempotency_key = sent
            path = route
            for name in rule.arguments:
                path = path.replace(f"<{name}>", path_ids.get(name, good_ids[name]))
            headers = bearer(secret, uuid.uuid4().hex if idempotency_key is None else idempotency_key)
            response = send(client, path, method, pairs or good_query, kind, body, headers)
            text = response.get_data(as_text=True)
            assert response.status_code < 500, (method, path, kind, response.status_code, text[:300])
            if route in HTML:
                return
            if response.status_code >= 400:
                assert response.mimetype == PROBLEM, (method, path, kind, response.status_code, response.mimetype, text[:300])
                problem = response.get_json()
                assert isinstance(problem.get("code"), str) and CODE.match(problem["code"]), (method, path, problem)
            else:
                assert response.mimetype == "application/json", (method, path, response.mimetype)

        never_5xx_and_always_a_problem()
        assert_database_rules_hold(app, writes.tables)
    finally:
        writes.close()
        rolled_back.close()
