"""Ledger entries, for coordinators: the community's entries and reversing one, through the same
service as the corrections pages."""
from dataclasses import asdict

from flask import url_for
from flask_smorest import Blueprint

from ..dates import parse_month
from ..errors import NotFound
from ..extensions import db
from ..models import Entry
from ..services.corrections import entries_page, entry_view, reverse
from .auth import caller
from .context import coordinator_context, coordinator_in
from .endpoints import reads, writes
from .idempotency import submission_id
from .schemas.entries import EntryArgs, EntryPageSchema, EntrySchema, ReverseSchema

bp = Blueprint("entries", __name__, url_prefix="/api/v1/entries", description="The ledger's entries (coordinators only).")
ENTRY_ID = "<int(max=2147483647):entry_id>"


@bp.get("")
@reads()
@bp.arguments(EntryArgs, location="query")
@bp.response(200, EntryPageSchema)
def list_entries(args):
    """The community's entries, newest first, optionally of one month (`YYYY-MM`, by the date of
    service) and one kind"""
    coordinator = coordinator_context(args["community"])
    month = parse_month(args["month"]) if args["month"] else None
    page = entries_page(coordinator.community_id, before=args["cursor"], month=month, kind=args["kind"], limit=args["limit"])
    return {"items": [_dump(row) for row in page.rows], "next_cursor": page.next_before}


@bp.get(f"/{ENTRY_ID}")
@reads()
@bp.response(200, EntrySchema)
def get_entry(entry_id: int):
    """One entry with everyone who gave and received"""
    coordinator = coordinator_in(_community_of(entry_id))
    return _dump(entry_view(coordinator.community, entry_id).row)


@bp.post(f"/{ENTRY_ID}/reverse")
@writes(creates=True)
@bp.arguments(ReverseSchema)
@bp.response(201, EntrySchema)
def reverse_one(data, entry_id: int):
    """Reverse an entry, with a reason: a new entry that mirrors it (nothing is edited)

    If the reversal would take an account past its limit, it is refused (`limit_exceeded`)
    unless `limit_override` is true; the reason is kept with it.
    """
    coordinator = coordinator_in(_community_of(entry_id))
    reversal, _replayed = reverse(
        coordinator.community,
        entry_id,
        actor_id=caller().user.id,
        reason=data["reason"],
        submission_id=submission_id(),
        limit_override=data["limit_override"],
    )
    headers = {"Location": url_for("entries.get_entry", entry_id=reversal.id)}
    return _dump(entry_view(coordinator.community, reversal.id).row), 201, headers


def _community_of(entry_id: int) -> int:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound()
    return entry.community_id


def _dump(row) -> dict:
    data = asdict(row)
    data["minutes"] = row.minutes
    return data
