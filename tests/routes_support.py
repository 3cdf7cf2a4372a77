"""What the tests over every route of the URL map share: the demo seeded once into a database
file of its own, the routes (static files left out), real values from the demo for their URL
parameters, and signed-in test clients.

Used by tests/web/test_get_writes_nothing.py and tests/web/test_access_table.py, which also
takes from here its two communities with one of everything (`access_world`) and the way it asks
(`ask`, `outcome`).
"""
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from conftest import RolledBack, config_for, utc_now
from coordinate_support import activity, give, last_month
from flask import url_for
from flask_migrate import upgrade
from sqlalchemy import select

from timebank import create_app
from timebank.extensions import db
from timebank.ledger import post_entry
from timebank.ledger.rules import EntrySpec, PostingSpec
from timebank.models import (
    Account,
    AccountType,
    Attendance,
    Community,
    Conversation,
    Entry,
    Exchange,
    ExchangeStatus,
    GroupSession,
    Listing,
    Match,
    Membership,
    MembershipStatus,
    ReportingPeriod,
    Restriction,
    Role,
    User,
)
from timebank.reports.tables import TABLES
from timebank.services.communities import create_community, create_organisation_account
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing
from timebank.services.messages import about_exchange
from timebank.services.messages import report as report_conversation
from timebank.services.messages import start as start_conversation
from timebank.services.people import add_membership, create_user, kind_by_code, member_account
from timebank.services.people.applications import apply
from timebank.services.tokens import create_token

#: A small demo: enough of everything for every page to have something to show.
SMALL = ["--members", "30", "--exchanges", "600", "--seed", "3"]
MEMBER_EMAIL = "member01@demo.example"
COORDINATOR_EMAIL = "coordinator@demo.example"
FUNDER_EMAIL = "funder@demo.example"
ADMIN_EMAIL = "admin@demo.example"
#: The people of the other community of the access table.
OTHER = {"member": "eve@elsewhere.example", "partner": "fay@elsewhere.example",
         "coordinator": "olly@elsewhere.example", "funder": "fred@elsewhere.example"}
#: Methods a route is requested with (HEAD and OPTIONS are Flask's own).
METHODS = ("GET", "POST")


def seeded_demo_app(url: str, *args: str, **overrides):
    """An app on a fresh database at `url`, migrated and with the demo seeded (real commits)."""
    app = create_app(config_for(url, **overrides))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "seed", *(args or SMALL)])
        assert result.exit_code == 0, result.output
        db.session.remove()
    return app


def account_of(email: str) -> int:
    """The id of the time account of the person with this email address (in the app context)."""
    return db.session.scalar(
        select(Account.id).join(Membership, Membership.id == Account.membership_id).join(User).where(User.email == email)
    )


def demo_url_values() -> dict[str, list]:
    """Real values from the demo for every URL parameter a GET route takes."""
    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    member_account = account_of(MEMBER_EMAIL)
    mine = (Exchange.giver_account_id == member_account) | (Exchange.receiver_account_id == member_account)
    first = lambda query: db.session.scalar(query.limit(1))  # noqa: E731
    values = {
        "slug": [community.slug],
        "exchange_id": [first(select(Exchange.id).where(mine, Exchange.status == ExchangeStatus.PENDING))],
        "entry_id": [first(select(Entry.id).where(Entry.community_id == community.id).order_by(Entry.id.desc()))],
        "listing_id": [first(select(Listing.id).where(Listing.community_id == community.id))],
        "session_id": [first(select(GroupSession.id).where(GroupSession.community_id == community.id))],
        "membership_id": [first(select(Membership.id).join(User).where(User.email == MEMBER_EMAIL))],
        "account_id": [first(select(Account.id).where(Account.community_id == community.id, Account.type == AccountType.ORGANISATION))],
        "month": [f"{m:%Y-%m}" for m in db.session.scalars(select(ReportingPeriod.month).limit(1))],
        "name": sorted(TABLES),
        "token": ["not-a-real-invitation-token"],
        "secret": ["not-a-real-reset-link"],
        "draft_id": ["0123456789abcdef"],  # a log draft nobody holds: the check page sends back to the form
        "filename": ["site.css"],
        "conversation_id": [first(select(Conversation.id).join(Membership, Membership.id == Conversation.other_id).join(User)
                                  .where(User.email == MEMBER_EMAIL))
                            or first(select(Conversation.id).where(Conversation.community_id == community.id))],
        "match_id": [first(select(Match.id).where(Match.community_id == community.id))],
    }
    db.session.rollback()
    return values


def routes(app, *, static: bool = True) -> list[tuple]:
    """Every (rule, method) of the URL map for GET and POST, sorted by rule; `static=False`
    leaves out the static files."""
    found = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if static or rule.endpoint != "static"
        for method in METHODS
        if method in rule.methods
    ]
    return sorted(found, key=lambda r: (r[0].rule, r[1]))


def urls_for(app, rule, values: dict[str, list]) -> list[str]:
    """The route's URL for every combination of `values` (in a request context)."""
    missing = [name for name in rule.arguments if not values.get(name)]
    assert not missing, f"{rule.rule}: give this test a demo value for {missing}"
    combos = [{}]
    for name in sorted(rule.arguments):
        combos = [{**combo, name: value} for combo in combos for value in values[name]]
    return [url_for(rule.endpoint, **combo) for combo in combos]


def signed_in(app, email: str, password: str):
    """A test client signed in as the person with this email address."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, (email, response.status_code)
    return client


# -- the access table's world and how it asks -------------------------------------------------


def populate(community, me: Membership, partner: Membership, coordinator: Membership, funder: Membership, now) -> dict:
    """One of everything a route takes an id of, in `community`, around the member `me`."""
    today = community.today()
    mine, theirs = member_account(me.id), member_account(partner.id)
    to_confirm, _ = log_exchange(partner, gave=True, partner_account_id=mine.id, minutes=30, occurred_on=today,
                                 activity_id=None, note=None, submission_id=uuid.uuid4().hex, now=now)
    logged, _ = log_exchange(me, gave=True, partner_account_id=theirs.id, minutes=45, occurred_on=today,
                             activity_id=None, note=None, submission_id=uuid.uuid4().hex, now=now)
    entry = give(community, mine, theirs, 60, last_month(community) + timedelta(days=2))
    my_listing, _ = create_listing(me, type_="request", title=f"Access Table Request {community.slug}", description="", category_id=None, submission_id=uuid.uuid4().hex)
    their_listing, _ = create_listing(partner, type_="request", title=f"Access Table Other Request {community.slug}", description="", category_id=None, submission_id=uuid.uuid4().hex)
    match = Match(community_id=community.id, listing_id=my_listing.id, requester_membership_id=me.id, helper_membership_id=partner.id)
    session_entry, _ = post_entry(EntrySpec(community.id, "group_session", today, (PostingSpec(theirs.id, 45), PostingSpec(mine.id, -45))))
    group = GroupSession(community_id=community.id, title=f"Access Table Session {community.slug}", occurred_on=today, payer="attendees",
                         minutes_each=45, entry_id=session_entry.id, created_by_id=coordinator.user_id, submission_id=uuid.uuid4().hex)
    restriction = Restriction(membership_id=me.id, code="no_home_visits", created_by_id=coordinator.user_id)
    db.session.add_all([match, group, restriction])
    db.session.flush()
    conversation = start_conversation(me, about_exchange(me, logged.id), "Access Table message", now=now)
    report_conversation(partner, conversation.id, "Access Table report", now=now)
    db.session.add_all([Attendance(session_id=group.id, membership_id=partner.id, role="facilitator"),
                        Attendance(session_id=group.id, membership_id=me.id, role="attendee")])
    organisation = create_organisation_account(community.id, f"Access Table Surgery {community.slug}", floor=None)
    applicant = apply(community, name="Access Applicant", email=f"applicant@{community.slug}.example",
                      password="quiet harbour lanterns 42", kind_id=kind_by_code(community.id, "volunteer").id, note=None, now=now)
    token, _secret = create_token(me.user, name="access table", scopes=("read",), now=now)
    db.session.commit()
    return {
        "exchange_to_confirm": to_confirm.id, "exchange_logged": logged.id, "entry": entry.id,
        "my_listing": my_listing.id, "their_listing": their_listing.id, "conversation": conversation.id, "session": group.id,
        "member": me.id, "organisation": organisation.id, "restriction": restriction.id,
        "month": last_month(community).strftime("%Y-%m"), "match": match.id, "api_token": token.id,
        "partner_account": theirs.id, "activity": activity(community), "today": today.isoformat(),
        "community_id": community.id, "slug": community.slug, "table": sorted(TABLES)[0],
        "period_query": f"from={last_month(community).isoformat()}&to={(today.replace(day=1) - timedelta(days=1)).isoformat()}",
        "invitation": "not-a-real-invitation-token", "reset_link": "not-a-real-reset-link", "applicant": applicant.id, "funder_membership": funder.id,
    }


def membership_of(email: str, slug: str) -> Membership:
    return db.session.scalar(
        select(Membership).join(User).join(Community).where(User.email == email, Community.slug == slug)
    )


def access_world(url: str):
    """The demo (community A) with an administrator, and community B with a member, a partner,
    a coordinator and a funder; one of everything in each (`populate`); a signed-in client per
    person. Returns (app, {"A": ids, "B": ids}, {person: client})."""
    now = utc_now()
    app = seeded_demo_app(url)
    password = app.config["DEMO_PASSWORD"]
    with app.app_context():
        demo = db.session.scalar(select(Community).where(Community.slug == "demo"))
        add_membership(create_user(ADMIN_EMAIL, "Ada Administrator", password), demo, role=Role.ADMIN, kind_code="professional")
        elsewhere = create_community("elsewhere", "Elsewhere Timebank")
        db.session.flush()
        for key, role in (("member", Role.MEMBER), ("partner", Role.MEMBER), ("coordinator", Role.COORDINATOR), ("funder", Role.FUNDER)):
            add_membership(create_user(OTHER[key], f"Other {key.title()}", password), elsewhere, role=role,
                           kind_code=None if role == Role.FUNDER else "volunteer")
        db.session.commit()
        partner = db.session.scalar(
            select(Membership).join(Account, Account.membership_id == Membership.id).join(User)
            .where(Membership.community_id == demo.id, Membership.role == Role.MEMBER, Membership.status == MembershipStatus.ACTIVE,
                   Account.closed_at.is_(None), User.email != MEMBER_EMAIL)
            .order_by(Membership.id)
            .limit(1)
        )
        ids = {
            "A": populate(demo, membership_of(MEMBER_EMAIL, "demo"), partner, membership_of(COORDINATOR_EMAIL, "demo"),
                          membership_of(FUNDER_EMAIL, "demo"), now),
            "B": populate(elsewhere, *(membership_of(OTHER[k], "elsewhere") for k in ("member", "partner", "coordinator", "funder")), now),
        }
        db.session.remove()
    emails = {"member": MEMBER_EMAIL, "coordinator": COORDINATOR_EMAIL, "funder": FUNDER_EMAIL, "admin": ADMIN_EMAIL,
              "other_member": OTHER["member"], "other_coordinator": OTHER["coordinator"], "other_funder": OTHER["funder"]}
    clients = {"nobody": app.test_client(), **{who: signed_in(app, email, password) for who, email in emails.items()}}
    return app, ids, clients


def outcome(response, method: str):
    status = response.status_code
    if 300 <= status < 400:
        if urlsplit(response.headers.get("Location", "")).path == "/login":
            return "login"
        return "acts" if method == "POST" else "redirect"
    if method == "POST":
        return status if status in (401, 403, 404) or status >= 500 else "acts"
    return "ok" if status < 300 else status


def ask(app, client, method: str, path: str, body: dict | None = None):
    """GET as the client; POST (without valid data, but with an Idempotency-Key for the API, so
    that the API's access check is reached) from a copy of its session, rolled back."""
    if method == "GET":
        response = client.get(path)
        response.close()
        return response
    copy = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is not None:
        copy.set_cookie(cookie.key, cookie.value)
    rolled_back = RolledBack(app)
    try:
        if path.startswith("/api/"):
            return copy.post(path, json=body or {}, headers={"Idempotency-Key": uuid.uuid4().hex})
        return copy.post(path, data={})
    finally:
        rolled_back.close()
