"""The coordinator's dashboard: what needs attention, each alert linking to what resolves it.

Also the links every coordinator page uses for a member, an account, a request or an
exchange. Those pages may be added by other parts of the blueprint, so a link is built with
`url_for` where the endpoint exists and from its path where it does not yet.
"""

from flask import current_app, g, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, RequestRedirect

from ..formatting import format_moment
from ..services.alerts import dashboard_alerts
from . import bp
from .context import coordinator_required


def _link(endpoint: str, path: str, **values) -> str:
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return path


def _routed(path: str) -> bool:
    try:
        current_app.create_url_adapter(request).match(path, method="GET")
    except RequestRedirect:
        return True
    except HTTPException:
        return False
    return True


def member_url(membership_id: int) -> str:
    return _link("coordinate.member", f"/coordinate/members/{membership_id}", membership_id=membership_id)


def account_url(account_id: int, membership_id: int | None = None) -> str:
    """A member's account is managed from their page; an organisation's from its own."""
    if membership_id is not None:
        return member_url(membership_id)
    path = f"/coordinate/accounts/{account_id}"
    if _routed(path):
        return path
    return optional_url("coordinate.accounts") or path


def request_url(listing_id: int) -> str:
    return _link("coordinate.request", f"/coordinate/requests/{listing_id}", listing_id=listing_id)


def exchange_url(exchange_id: int, membership_id: int) -> str:
    """The page to confirm a pending exchange on someone's behalf, if there is one yet; else the
    page of the member who has to confirm it."""
    path = f"/coordinate/exchanges/{exchange_id}"
    return path if _routed(path) else member_url(membership_id)


def optional_url(endpoint: str, **values) -> str | None:
    """A link to a page that may not exist (yet): None if it does not."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def local_time(moment) -> str:
    """A moment as people read it, in the community's time zone: '3 December 2026, 14:05'."""
    return format_moment(moment)


@bp.context_processor
def coordinate_links():
    return {
        "member_url": member_url,
        "account_url": account_url,
        "request_url": request_url,
        "exchange_url": exchange_url,
        "optional_url": optional_url,
        "local_time": local_time,
    }


#: The coordinator's tools, linked from the dashboard: each shown only if its page exists, so
#: that the dashboard does not depend on which parts of the blueprint are installed.
TOOLS = (
    ("coordinate.record", _l("Record time for someone")),
    ("coordinate.pending", _l("Exchanges waiting")),
    ("coordinate.members", _l("Members")),
    ("coordinate.applications", _l("People asking to join")),
    ("coordinate.requests_inbox", _l("Requests to match")),
    ("coordinate.matches", _l("Matches")),
    ("coordinate.sessions", _l("Group sessions")),
    ("coordinate.accounts", _l("Organisations and the community pot")),
    ("coordinate.expiring_checks", _l("Safeguarding checks")),
    ("coordinate.entries", _l("Entries in the ledger")),
    ("coordinate.corrections", _l("Corrections")),
    ("coordinate.periods", _l("Reporting periods")),
    ("reports.index", _l("Reports")),
    ("coordinate.report_access", _l("Report access: who can read the reports")),
    ("coordinate.audit_log", _l("Audit log")),
)


@bp.get("/")
@coordinator_required
def dashboard():
    tools = [(link, label) for endpoint, label in TOOLS if (link := optional_url(endpoint))]
    return render_template("coordinate/dashboard.html", alerts=dashboard_alerts(g.community), tools=tools)
