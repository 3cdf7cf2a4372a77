"""Brokering: the inbox of open requests, suggested helpers for each, introductions, and what
became of them."""
from flask import abort, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import TimebankError
from ..models import ListingStatus, MatchStatus, RestrictionCode
from ..services.activity_checks import EXPIRED
from ..services.brokering.matches import introduce, match_list, set_match_status
from ..services.brokering.requests import matches_for, open_request, request_inbox
from ..services.brokering.suggestions import FIRST_SUGGESTIONS, SUGGESTIONS, clean_codes, left_out, suggestions
from ..web import Done, button
from ..web.args import form_int, int_arg
from . import bp
from .context import coordinator_required

RESTRICTION_LABELS = {
    RestrictionCode.NO_HOME_VISITS: _l("It is a home visit (leave out people with no home visits)"),
    RestrictionCode.NOT_WITH_CHILDREN: _l("Children are involved (leave out people not to work with children)"),
    RestrictionCode.NOT_WITH_ADULTS_AT_RISK: _l("An adult at risk is involved (leave out people not to work with adults at risk)"),
    RestrictionCode.ACCOMPANIED_ONLY: _l("They would be on their own (leave out people who must be accompanied)"),
    RestrictionCode.NO_LONE_WORKING: _l("It is lone working (leave out people with no lone working)"),
    RestrictionCode.OTHER: _l("Leave out people with any other restriction"),
}
#: Short names of restrictions, for the cautions beside a suggested person.
RESTRICTION_SHORT = {
    RestrictionCode.NO_HOME_VISITS: _l("no home visits"),
    RestrictionCode.NOT_WITH_CHILDREN: _l("not with children"),
    RestrictionCode.NOT_WITH_ADULTS_AT_RISK: _l("not with adults at risk"),
    RestrictionCode.ACCOMPANIED_ONLY: _l("accompanied only"),
    RestrictionCode.NO_LONE_WORKING: _l("no lone working"),
    RestrictionCode.OTHER: _l("another restriction"),
}
#: How a suggested person likes to be contacted.
CONTACT_LABELS = {
    "email": _l("prefers email"),
    "phone": _l("prefers a phone call"),
    "coordinator": _l("prefers to be contacted through a coordinator"),
}
STATUS_LABELS = {
    MatchStatus.INTRODUCED: _l("introduced"),
    MatchStatus.ACCEPTED: _l("accepted"),
    MatchStatus.DECLINED: _l("declined"),
    MatchStatus.COMPLETED: _l("completed"),
}
#: The buttons offered for a match in each status.
NEXT_STATUSES = {
    MatchStatus.INTRODUCED: (MatchStatus.ACCEPTED, MatchStatus.DECLINED, MatchStatus.COMPLETED),
    MatchStatus.ACCEPTED: (MatchStatus.COMPLETED, MatchStatus.DECLINED),
    MatchStatus.DECLINED: (MatchStatus.ACCEPTED,),
    MatchStatus.COMPLETED: (),
}
STATUS_BUTTONS = {
    MatchStatus.ACCEPTED: _l("Mark accepted"),
    MatchStatus.DECLINED: _l("Mark declined"),
    MatchStatus.COMPLETED: _l("Mark completed"),
}


def _helpers():
    return {
        "status_labels": STATUS_LABELS,
        "next_statuses": NEXT_STATUSES,
        "status_buttons": STATUS_BUTTONS,
        "restriction_names": lambda codes: ", ".join(str(RESTRICTION_SHORT[RestrictionCode(c)]) for c in codes),
    }


@bp.get("/requests")
@coordinator_required
def requests_inbox():
    matched = request.args.get("show") == "matched"
    rows, next_after = request_inbox(g.community.id, matched=matched, after=int_arg("after"))
    return render_template(
        "coordinate/brokering/inbox.html",
        rows=rows,
        matched=matched,
        next_after=next_after,
        first_page=request.args.get("after") is None,
    )


@bp.get("/requests/<int:listing_id>")
@coordinator_required
def request_detail(listing_id: int):
    listing = _request_or_404(listing_id)
    respect = clean_codes(request.args.getlist("respect"))
    more = request.args.get("more") == "1"
    is_open = listing.status == ListingStatus.OPEN
    found = suggestions(g.community.id, listing.id, respect=respect, limit=SUGGESTIONS if more else FIRST_SUGGESTIONS + 1) if is_open else []
    excluded = left_out(g.community.id, listing.id) if is_open else []
    return render_template(
        "coordinate/brokering/request.html",
        listing=listing,
        respect=respect,
        restriction_labels=RESTRICTION_LABELS,
        matches=matches_for(listing.id),
        suggestions=found if more else found[:FIRST_SUGGESTIONS],
        show_more=not more and len(found) > FIRST_SUGGESTIONS,
        expired=[p for p in excluded if p.why == EXPIRED],
        missing=len([p for p in excluded if p.why != EXPIRED and p.membership_id != listing.membership_id]),
        check_kind=excluded[0].check_kind if excluded else None,
        contact_labels=CONTACT_LABELS,
        **_helpers(),
    )


@bp.post("/requests/<int:listing_id>/introduce")
@coordinator_required
def introduce_helper(listing_id: int):
    _request_or_404(listing_id)
    respect = clean_codes(request.form.getlist("respect"))
    back = url_for("coordinate.request_detail", listing_id=listing_id, respect=list(respect) or None)

    def introduced(made) -> Done:
        match, created = made
        if created:
            return Done(back, _("Introduced %(helper)s to %(requester)s. We have told them both.", helper=match.helper.name,
                                requester=match.requester.name))
        return Done(back, _("%(helper)s was already introduced for this request.", helper=match.helper.name))

    return button(
        lambda: introduce(g.coordinator, listing_id, form_int("helper") or 0, respect=respect),
        introduced,
        back=back,
        handlers={TimebankError: _flashed},
    )


@bp.get("/matches")
@coordinator_required
def matches():
    rows, next_before = match_list(g.community.id, before=int_arg("before"))
    return render_template(
        "coordinate/brokering/matches.html",
        rows=rows,
        next_before=next_before,
        first_page=request.args.get("before") is None,
        **_helpers(),
    )


@bp.post("/matches/<int:match_id>/status")
@coordinator_required
def match_status(match_id: int):
    listing = form_int("listing")  # the request page the form was on, if any
    back = url_for("coordinate.request_detail", listing_id=listing) if listing else url_for("coordinate.matches")
    return button(
        lambda: set_match_status(g.coordinator, match_id, request.form.get("status", "")),
        lambda match: Done(back, _("The match is now %(status)s.", status=STATUS_LABELS[MatchStatus(match.status)])),
        back=back,
    )


def _flashed(error: TimebankError) -> None:
    """Every refusal as a message, a missing helper too: the request page says why."""
    flash(str(error), "error")


def _request_or_404(listing_id: int):
    try:
        return open_request(g.community.id, listing_id)
    except TimebankError:
        abort(404)
