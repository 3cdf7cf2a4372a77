"""Who may reach what: one table over EVERY route of the URL map (pages, the API, the reports;
static files aside), for eight people, checked against the demo.

The people: nobody signed in; a member, a coordinator, a funder and an administrator of the demo
community (A); and a member, a coordinator and a funder of another community (B) who hold
nothing in A. Each URL is built with real ids of A's objects, so the table says what each
person gets when they ask for A's things; the people of B are then asked again with ids of
their own community's objects, and must get what A's people get with A's (so a 404 in their
column is the guard at work, not a wrong id).

Outcomes: "ok" (a 2xx page), "redirect" (a 3xx elsewhere than sign-in), "login" (sent to
/login), or the refusal's status (401 for the API, 403, 404). A POST is sent without valid data
and rolled back: the table says only whether it is refused ("login", 401, 403, 404) or gets
through to the form or the action ("acts": any other answer below 500, such as 303, 400 or 422).

`test_the_table_names_every_route` fails when a route is added or removed without the table
being told, so that nobody adds a page without saying who may see it.
"""
import json
import logging
import re
from datetime import timedelta

import pytest
from conftest import BACKENDS
from routes_support import access_world, ask, outcome, routes

from timebank.extensions import db
from timebank.models import ApiToken

PERSONAS = ("nobody", "member", "other_member", "coordinator", "other_coordinator", "funder", "other_funder", "admin")
#: Each person of community B, and the person of A they stand for with B's own ids.
COUNTERPARTS = {"other_member": "member", "other_coordinator": "coordinator", "other_funder": "funder"}
#: A's names that no person of B may see on a page of their own.
A_NAMES = ("Riverside Co-production Timebank", "Access Table Request demo", "Access Table Session demo", "Access Table Surgery demo")


def expect(nobody, member, other_member, coordinator, other_coordinator, funder, other_funder, admin) -> dict:
    return dict(zip(PERSONAS, (nobody, member, other_member, coordinator, other_coordinator, funder, other_funder, admin), strict=True))


# What a kind of route answers to each person, with A's ids.
PUBLIC = expect(*["ok"] * 8)
PUBLIC_POST = expect(*["acts"] * 8)
#: A link that is not (or no longer) good answers the same to everyone.
NOT_FOUND = expect(*[404] * 8)
GONE = expect(*[410] * 8)
REDIRECT = expect(*["redirect"] * 8)
#: Anyone signed in: the start page (a funder's is the reports), their own account's pages.
SIGNED_IN = expect("login", "ok", "ok", "ok", "ok", "redirect", "redirect", "ok")
ACCOUNT_PAGE = expect("login", *["ok"] * 7)
ACCOUNT_POST = expect("login", *["acts"] * 7)
SIGN_IN_PAGE = expect("ok", *["redirect"] * 7)
SIGN_OUT = expect(*["login"] * 8)
#: A member page that names nothing of A: B's people see their own.
MEMBER_PAGE = expect("login", "ok", "ok", "ok", "ok", 403, 403, "ok")
MEMBER_POST = expect("login", "acts", "acts", "acts", "acts", 403, 403, "acts")
#: A's member pages about something of the member's own (an exchange, a listing).
MEMBER_OWN = expect("login", "ok", 404, 404, 404, 403, 403, 404)
MEMBER_OWN_POST = expect("login", "acts", 404, 404, 404, 403, 403, 404)
#: Something any member of A may see or act on (a listing of the community, switching to A).
MEMBER_SHARED = expect("login", "ok", 404, "ok", 404, 403, 403, "ok")
MEMBER_SHARED_POST = expect("login", "acts", 404, "acts", 404, 403, 403, "acts")
#: A coordinator page that names nothing of A: B's coordinator sees their own community.
COORDINATOR_PAGE = expect("login", 404, 404, "ok", "ok", 404, 404, "ok")
COORDINATOR_POST = expect("login", 404, 404, "acts", "acts", 404, 404, "acts")
#: A coordinator page about one of A's objects.
COORDINATOR_OBJECT = expect("login", 404, 404, "ok", 404, 404, 404, "ok")
COORDINATOR_OBJECT_POST = expect("login", 404, 404, "acts", 404, 404, 404, "acts")
#: A's reports: its coordinators (unsuppressed) and its funder.
REPORT = expect("login", 404, 404, "ok", 404, "ok", 404, "ok")
REPORTS_INDEX = expect("login", 404, 404, "ok", "ok", "ok", "ok", "ok")
#: The API, for people with a time account (a funder holds none: 404).
API_ANYONE = expect(401, *["ok"] * 7)
API_MEMBER = expect(401, "ok", "ok", "ok", "ok", 404, 404, "ok")
API_OWN = expect(401, "ok", 404, 404, 404, 404, 404, 404)
API_OWN_POST = expect(401, "acts", 404, 404, 404, 404, 404, 404)
API_SHARED = expect(401, "ok", 404, "ok", 404, 404, 404, "ok")
API_SHARED_POST = expect(401, "acts", 404, "acts", 404, 404, 404, "acts")
API_COMMUNITY = expect(401, "ok", 404, "ok", 404, "ok", 404, "ok")
#: A coordinator's lists: 403 `not_coordinator` for the others of the community they ask about.
API_COORDINATOR = expect(401, 403, 403, "ok", "ok", 403, 403, "ok")
API_COORDINATOR_CREATE = expect(401, 403, 404, "acts", 404, 403, 404, "acts")
API_COORDINATOR_OBJECT = expect(401, 404, 404, "ok", 404, 404, 404, "ok")
API_COORDINATOR_POST = expect(401, 404, 404, "acts", 404, 404, 404, "acts")
API_REPORT = expect(401, 404, 404, "ok", 404, "ok", 404, "ok")

#: (rule, method) -> what each person gets with A's ids (rules without their converters).
TABLE: dict[tuple[str, str], dict] = {
    # A coordinator or administrator starts on the dashboard (issue 13); a funder on the reports.
    ("/", "GET"): expect("login", "ok", "ok", "redirect", "redirect", "redirect", "redirect", "redirect"),
    ("/account/password", "GET"): ACCOUNT_PAGE,
    ("/account/password", "POST"): ACCOUNT_POST,
    ("/account/passkeys", "GET"): ACCOUNT_PAGE,
    ("/account/passkeys/register/options", "POST"): ACCOUNT_POST,
    ("/account/passkeys/register/verify", "POST"): ACCOUNT_POST,
    ("/account/passkeys/remove", "POST"): ACCOUNT_POST,
    ("/account/passkeys/rename", "POST"): ACCOUNT_POST,
    ("/account/two-factor", "GET"): ACCOUNT_PAGE,
    ("/account/two-factor", "POST"): ACCOUNT_POST,
    ("/account/two-factor/off", "POST"): ACCOUNT_POST,
    ("/account/two-factor/recovery-codes", "POST"): ACCOUNT_POST,
    ("/account/tokens", "GET"): ACCOUNT_PAGE,
    ("/account/tokens", "POST"): ACCOUNT_POST,
    ("/account/tokens/<token_id>/revoke", "POST"): ACCOUNT_POST,
    ("/api/v1/communities", "GET"): API_ANYONE,
    ("/api/v1/communities/<slug>", "GET"): API_COMMUNITY,
    ("/api/v1/communities/<slug>/report", "GET"): API_REPORT,
    ("/api/v1/docs", "GET"): PUBLIC,
    ("/api/v1/entries", "GET"): API_COORDINATOR,
    ("/api/v1/entries/<entry_id>", "GET"): API_COORDINATOR_OBJECT,
    ("/api/v1/entries/<entry_id>/reverse", "POST"): API_COORDINATOR_POST,
    ("/api/v1/exchanges", "GET"): API_MEMBER,
    ("/api/v1/exchanges", "POST"): API_SHARED_POST,
    ("/api/v1/exchanges/<exchange_id>", "GET"): API_OWN,
    ("/api/v1/exchanges/<exchange_id>/cancel", "POST"): API_OWN_POST,
    ("/api/v1/exchanges/<exchange_id>/confirm", "POST"): API_OWN_POST,
    ("/api/v1/exchanges/<exchange_id>/decline", "POST"): API_OWN_POST,
    ("/api/v1/exchanges/partners", "GET"): API_MEMBER,
    ("/api/v1/group-sessions", "GET"): API_COORDINATOR,
    ("/api/v1/group-sessions", "POST"): API_COORDINATOR_CREATE,
    ("/api/v1/group-sessions/<session_id>", "GET"): API_COORDINATOR_OBJECT,
    ("/api/v1/listings", "GET"): API_MEMBER,
    ("/api/v1/listings", "POST"): API_SHARED_POST,
    ("/api/v1/listings/<listing_id>", "GET"): API_SHARED,
    ("/api/v1/listings/<listing_id>/close", "POST"): API_OWN_POST,
    ("/api/v1/me", "GET"): API_ANYONE,
    ("/api/v1/me/statement", "GET"): API_MEMBER,
    ("/api/v1/members", "GET"): API_COORDINATOR,
    ("/api/v1/members/<membership_id>", "GET"): API_COORDINATOR_OBJECT,
    ("/api/v1/openapi.json", "GET"): PUBLIC,
    ("/community/<community_id>", "POST"): MEMBER_SHARED_POST,
    ("/coordinate/", "GET"): COORDINATOR_PAGE,
    ("/coordinate/accounts", "GET"): COORDINATOR_PAGE,
    ("/coordinate/accounts/<account_id>/pay", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/accounts/<account_id>/pay", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/accounts/donate", "GET"): COORDINATOR_PAGE,
    ("/coordinate/accounts/donate", "POST"): COORDINATOR_POST,
    ("/coordinate/accounts/grant", "GET"): COORDINATOR_PAGE,
    ("/coordinate/accounts/grant", "POST"): COORDINATOR_POST,
    ("/coordinate/accounts/new", "GET"): COORDINATOR_PAGE,
    ("/coordinate/accounts/new", "POST"): COORDINATOR_POST,
    ("/coordinate/applications", "GET"): COORDINATOR_PAGE,
    ("/coordinate/applications/<membership_id>/approve", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/applications/<membership_id>/decline", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/audit", "GET"): COORDINATOR_PAGE,
    ("/coordinate/audit.csv", "GET"): COORDINATOR_PAGE,
    ("/coordinate/corrections", "GET"): COORDINATOR_PAGE,
    ("/coordinate/entries", "GET"): COORDINATOR_PAGE,
    ("/coordinate/entries/<entry_id>", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/entries/<entry_id>/reverse", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/entries/<entry_id>/reverse", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/ledger/import", "GET"): COORDINATOR_PAGE,
    ("/coordinate/ledger/import", "POST"): COORDINATOR_POST,
    ("/coordinate/matches", "GET"): COORDINATOR_PAGE,
    ("/coordinate/matches/<match_id>/status", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members", "GET"): COORDINATOR_PAGE,
    ("/coordinate/members/<membership_id>", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/checks/new", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/checks/new", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/erase", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/erase", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/kind", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/kind", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/leave", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/leave", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/notes", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/reinstate", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/restrictions/<restriction_id>/lift", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/restrictions/new", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/restrictions/new", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/role", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/role", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/sign-out-everywhere", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/suspend", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/<membership_id>/suspend", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/members/<membership_id>/timesheet", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/members/import", "GET"): COORDINATOR_PAGE,
    ("/coordinate/members/import", "POST"): COORDINATOR_POST,
    ("/coordinate/members/invite", "GET"): COORDINATOR_PAGE,
    ("/coordinate/members/invite", "POST"): COORDINATOR_POST,
    ("/coordinate/pending", "GET"): COORDINATOR_PAGE,
    ("/coordinate/exchanges/<exchange_id>", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/exchanges/<exchange_id>", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/pending/<exchange_id>/confirm", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/periods", "GET"): COORDINATOR_PAGE,
    ("/coordinate/periods/<month>", "GET"): COORDINATOR_PAGE,
    ("/coordinate/periods/<month>/close", "POST"): COORDINATOR_POST,
    ("/coordinate/record", "GET"): COORDINATOR_PAGE,
    ("/coordinate/record", "POST"): COORDINATOR_POST,
    ("/coordinate/report-access", "GET"): COORDINATOR_PAGE,
    ("/coordinate/report-access", "POST"): COORDINATOR_POST,
    ("/coordinate/report-access/<membership_id>/revoke", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/requests", "GET"): COORDINATOR_PAGE,
    ("/coordinate/requests/<listing_id>", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/requests/<listing_id>/introduce", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/safeguarding/expiring", "GET"): COORDINATOR_PAGE,
    ("/coordinate/sessions", "GET"): COORDINATOR_PAGE,
    ("/coordinate/sessions/<session_id>", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/sessions/new", "GET"): COORDINATOR_PAGE,
    ("/coordinate/sessions/new", "POST"): COORDINATOR_POST,
    ("/coordinate/settings", "GET"): COORDINATOR_PAGE,
    ("/coordinate/settings", "POST"): COORDINATOR_POST,
    ("/coordinate/settings/checks", "GET"): COORDINATOR_PAGE,
    ("/coordinate/settings/checks", "POST"): COORDINATOR_POST,
    ("/exchanges", "GET"): MEMBER_PAGE,
    ("/exchanges/<exchange_id>", "GET"): MEMBER_OWN,
    ("/exchanges/<exchange_id>/cancel", "POST"): MEMBER_OWN_POST,
    ("/exchanges/<exchange_id>/confirm", "POST"): MEMBER_OWN_POST,
    ("/exchanges/<exchange_id>/decline", "POST"): MEMBER_OWN_POST,
    ("/exchanges/<exchange_id>/record-late", "POST"): MEMBER_OWN_POST,
    ("/healthz", "GET"): PUBLIC,
    ("/invitation/<token>", "GET"): REDIRECT,
    ("/invitation", "GET"): NOT_FOUND,
    ("/invitation", "POST"): NOT_FOUND,
    ("/join/<slug>", "GET"): PUBLIC,
    ("/join/<slug>", "POST"): PUBLIC_POST,
    ("/listings", "GET"): MEMBER_PAGE,
    ("/listings/<listing_id>", "GET"): MEMBER_SHARED,
    ("/listings/<listing_id>/close", "POST"): MEMBER_OWN_POST,
    ("/listings/<listing_id>/edit", "GET"): MEMBER_OWN,
    ("/listings/<listing_id>/edit", "POST"): MEMBER_OWN_POST,
    ("/listings/<listing_id>/keep", "POST"): MEMBER_OWN_POST,
    ("/listings/<listing_id>/help", "POST"): MEMBER_SHARED_POST,
    ("/listings/mine", "GET"): MEMBER_PAGE,
    ("/listings/new", "GET"): MEMBER_PAGE,
    ("/listings/new", "POST"): MEMBER_POST,
    ("/log", "GET"): MEMBER_PAGE,
    ("/messages", "GET"): MEMBER_PAGE,
    ("/messages/<conversation_id>", "GET"): MEMBER_OWN,
    ("/messages/<conversation_id>", "POST"): MEMBER_OWN_POST,
    ("/messages/<conversation_id>/read", "POST"): MEMBER_OWN_POST,
    ("/messages/<conversation_id>/report", "GET"): MEMBER_OWN,
    ("/messages/<conversation_id>/report", "POST"): MEMBER_OWN_POST,
    ("/listings/<listing_id>/ask", "GET"): MEMBER_SHARED,
    ("/listings/<listing_id>/ask", "POST"): MEMBER_SHARED_POST,
    ("/exchanges/<exchange_id>/message", "GET"): MEMBER_OWN,
    ("/exchanges/<exchange_id>/message", "POST"): MEMBER_OWN_POST,
    ("/introductions/<match_id>/message", "GET"): MEMBER_OWN,
    ("/introductions/<match_id>/message", "POST"): MEMBER_OWN_POST,
    # Reported conversations: a coordinator reads one only after a member reported it (the world's is).
    ("/coordinate/messages", "GET"): COORDINATOR_PAGE,
    ("/coordinate/messages/<conversation_id>", "GET"): COORDINATOR_OBJECT,
    ("/coordinate/messages/<conversation_id>", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/messages/<conversation_id>/close", "POST"): COORDINATOR_OBJECT_POST,
    ("/coordinate/messaging-blocks/<membership_id>/lift", "POST"): COORDINATOR_OBJECT_POST,
    ("/log", "POST"): MEMBER_POST,
    # A draft id nobody holds (the slug stands in for one): the member is sent back to the form.
    ("/log/check/<draft_id>", "GET"): expect("login", "redirect", "redirect", "redirect", "redirect", 403, 403, "redirect"),
    ("/log/check/<draft_id>", "POST"): MEMBER_POST,
    ("/log/done/<exchange_id>", "GET"): MEMBER_OWN,
    ("/login", "GET"): SIGN_IN_PAGE,
    ("/login", "POST"): PUBLIC_POST,
    # The second step of signing in: without a pending step, back to the password.
    ("/login/code", "GET"): expect("login", *["redirect"] * 7),
    ("/login/code", "POST"): expect("login", *["acts"] * 7),
    ("/logout", "POST"): SIGN_OUT,
    ("/me", "GET"): MEMBER_PAGE,
    ("/my-data", "GET"): MEMBER_PAGE,
    ("/my-data.json", "GET"): MEMBER_PAGE,
    ("/my-data.zip", "GET"): MEMBER_PAGE,
    ("/notifications", "GET"): MEMBER_PAGE,
    ("/notifications/read", "POST"): MEMBER_POST,
    ("/passkeys/second-factor/options", "POST"): PUBLIC_POST,
    ("/passkeys/second-factor/verify", "POST"): PUBLIC_POST,
    ("/passkeys/sign-in/options", "POST"): PUBLIC_POST,
    ("/passkeys/sign-in/verify", "POST"): PUBLIC_POST,
    ("/password/forgot", "GET"): PUBLIC,
    ("/password/forgot", "POST"): PUBLIC_POST,
    ("/password/reset/<secret>", "GET"): REDIRECT,
    ("/password/reset", "GET"): GONE,
    ("/password/reset", "POST"): PUBLIC_POST,
    ("/profile", "GET"): MEMBER_PAGE,
    ("/profile", "POST"): MEMBER_POST,
    ("/profile/digest", "POST"): MEMBER_POST,
    ("/reports/", "GET"): REPORTS_INDEX,
    ("/reports/<slug>/", "GET"): REPORT,
    ("/reports/<slug>/<name>.csv", "GET"): REPORT,
    ("/reports/<slug>/report.json", "GET"): REPORT,
    ("/reports/<slug>/research.zip", "GET"): COORDINATOR_OBJECT,
    ("/session/stay", "POST"): ACCOUNT_POST,
    ("/signed-out", "GET"): PUBLIC,
    ("/statement", "GET"): MEMBER_PAGE,
    ("/statement.csv", "GET"): MEMBER_PAGE,
    ("/statement/entries/<entry_id>", "GET"): MEMBER_OWN,
}

#: URL parameters, by name, to the world value that fills them; a route that needs another
#: object of the same kind (the exchange the member logged, to cancel) says so here.
PARAMETERS = {
    "exchange_id": "exchange_to_confirm", "entry_id": "entry", "listing_id": "my_listing",
    "session_id": "session", "membership_id": "member", "account_id": "organisation",
    "restriction_id": "restriction", "month": "month", "match_id": "match", "token_id": "api_token",
    "community_id": "community_id", "slug": "slug", "draft_id": "slug", "conversation_id": "conversation", "name": "table", "token": "invitation", "secret": "reset_link",
}
OVERRIDES = {
    "/exchanges/<exchange_id>/cancel": {"exchange_id": "exchange_logged"},
    "/api/v1/exchanges/<exchange_id>/cancel": {"exchange_id": "exchange_logged"},
    "/listings/<listing_id>/help": {"listing_id": "their_listing"},
    "/listings/<listing_id>/ask": {"listing_id": "their_listing"},
    "/coordinate/applications/<membership_id>/approve": {"membership_id": "applicant"},
    "/coordinate/applications/<membership_id>/decline": {"membership_id": "applicant"},
    "/coordinate/report-access/<membership_id>/revoke": {"membership_id": "funder_membership"},
}
#: Query strings a route needs to get past checking its period.
QUERIES = {"/api/v1/communities/<slug>/report": "period_query"}
#: API bodies that pass validation, so that the access check decides (the API validates first).
BODIES = {
    "/api/v1/exchanges": lambda ids: {
        "community": ids["slug"], "direction": "gave", "partner_account_id": ids["partner_account"], "minutes": 30,
        "occurred_on": ids["today"], "activity_id": ids["activity"],
    },
    "/api/v1/listings": lambda ids: {"community": ids["slug"], "type": "offer", "title": "Access Table Offer"},
    "/api/v1/group-sessions": lambda ids: {
        "community": ids["slug"], "title": "Access Table Tea", "occurred_on": ids["today"], "activity_id": ids["activity"],
        "minutes_each": 30, "payer": "pot", "facilitator_ids": [ids["member"]],
    },
    "/api/v1/entries/<entry_id>/reverse": lambda ids: {"reason": "Access table"},
}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request):
    """The demo (A) and another community (B), one of everything in each, a client per person."""
    databases = request.getfixturevalue(f"{request.param}_databases")
    url = databases.create()
    app, ids, clients = access_world(url)
    closed_month_for_funders(app, ids)
    yield app, ids, clients
    with app.app_context():
        db.engine.dispose()
    databases.drop(url)


def closed_month_for_funders(app, ids) -> None:
    """Funders read only closed periods: B gets a closed month (two months ago), as the demo (A)
    has its first, and the API's report is asked for that month's dates in each."""
    from sqlalchemy import select

    from timebank.dates import add_months
    from timebank.ledger.periods import closed_months
    from timebank.models import Community
    from timebank.services.periods import close_month

    with app.app_context():
        for name, slug in (("B", "elsewhere"), ("A", "demo")):
            community = db.session.scalar(select(Community).where(Community.slug == slug))
            if name == "B":
                close_month(community, add_months(community.today().replace(day=1), -2), actor_id=None)
                db.session.commit()
            month = max(closed_months(community.id))
            ids[name]["period_query"] = f"from={month.isoformat()}&to={(add_months(month, 1) - timedelta(days=1)).isoformat()}"
        db.session.remove()


# -- asking ------------------------------------------------------------------------------------


def table_routes(app) -> list[tuple]:
    return routes(app, static=False)


def key(rule) -> str:
    """The rule as the table names it: `/exchanges/<exchange_id>`, without converters."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"<\1>", rule.rule)


def url(rule, ids: dict) -> str:
    names = {**PARAMETERS, **OVERRIDES.get(key(rule), {})}
    path = rule.build({name: ids[names[name]] for name in rule.arguments}, append_unknown=False)[1]
    return f"{path}?{ids[QUERIES[key(rule)]]}" if key(rule) in QUERIES else path


def walk(app, clients, ids, personas) -> dict[tuple[str, str, str], tuple]:
    """(rule, method, person) -> (outcome, path, body) for every route of the table."""
    seen = {}
    for rule, method in table_routes(app):
        path = url(rule, ids)
        for who in personas:
            body = BODIES[key(rule)](ids) if key(rule) in BODIES else None
            response = ask(app, clients[who], method, path, body)
            seen[(key(rule), method, who)] = (outcome(response, method), path, response.get_data().decode("utf-8", "replace"))
    return seen


# -- the tests ---------------------------------------------------------------------------------


def test_the_table_names_every_route(world):
    app, _ids, _clients = world
    in_map = {(key(rule), method) for rule, method in table_routes(app)}
    missing = sorted(in_map - set(TABLE))
    gone = sorted(set(TABLE) - in_map)
    assert not missing, f"Say who may reach these routes in TABLE: {missing}"
    assert not gone, f"These routes are in TABLE but no longer in the URL map: {gone}"
    assert all(set(row) == set(PERSONAS) for row in TABLE.values())


def test_every_parameter_can_be_filled(world):
    app, _ids, _clients = world
    unknown = {rule.rule: name for rule, _ in table_routes(app) for name in rule.arguments if name not in PARAMETERS}
    assert not unknown, f"Give PARAMETERS a value for these URL parameters: {unknown}"


def test_each_person_gets_what_the_table_says(world, caplog):
    app, ids, clients = world
    caplog.set_level(logging.INFO, logger="timebank.security")
    seen = walk(app, clients, ids["A"], PERSONAS)
    wrong = [
        f"{method} {path} as {who}: {got}, not {TABLE[(rule, method)][who]}"
        for (rule, method, who), (got, path, _body) in seen.items()
        if (rule, method) in TABLE and got != TABLE[(rule, method)][who]
    ]
    assert not wrong, "\n".join(wrong)
    # B's people see nothing of A, even where a route names nothing of it.
    leaks = [
        f"{path} shows {name!r} to {who}"
        for (rule, method, who), (got, path, body) in seen.items()
        if who in COUNTERPARTS and (rule, method) in TABLE and TABLE[(rule, method)]["nobody"] not in ("ok", "acts")
        for name in A_NAMES
        if name in body
    ]
    assert not leaks, "\n".join(leaks)
    refusals = [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]
    refused = {(line["endpoint"], line["status"], line["user_id"] is None) for line in refusals if line["event"] == "access.refused"}
    guards = {("coordinate.member", 404, False), ("member.home", 403, False), ("reports.report", 404, False), ("me.me", 401, True)}
    assert guards <= refused, f"security log: every guard records what it refused ({guards - refused} missing)"


def test_another_communitys_people_get_the_same_with_their_own_ids(world):
    """Asked for their own community's objects, B's people get what A's get for A's: a 404 in
    their column above is the guard, not an id that finds nothing."""
    app, ids, clients = world
    seen = walk(app, clients, ids["B"], tuple(COUNTERPARTS))
    wrong = [
        f"{method} {path} as {who}: {got}, where {COUNTERPARTS[who]} gets {TABLE[(rule, method)][COUNTERPARTS[who]]}"
        for (rule, method, who), (got, path, _body) in seen.items()
        if (rule, method) in TABLE and got != TABLE[(rule, method)][COUNTERPARTS[who]]
    ]
    assert not wrong, "\n".join(wrong)


def test_nobody_revokes_another_persons_token(world):
    """Revoking a token that is not yours answers as revoking a revoked one does (a 303 and "We
    could not find that token"), so the table cannot tell: the token itself must still work."""
    app, ids, clients = world
    path = f"/account/tokens/{ids['A']['api_token']}/revoke"
    for who in ("other_member", "coordinator", "admin", "funder"):
        response = clients[who].post(path, data={})
        assert response.status_code == 303, who
    with app.app_context():
        assert db.session.get(ApiToken, ids["A"]["api_token"]).revoked_at is None
