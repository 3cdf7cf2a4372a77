"""Members, for coordinators: the list and one member, as the coordinator pages show them."""
from flask_smorest import Blueprint

from ..errors import NotFound
from ..extensions import db
from ..models import Membership
from ..services.people.directory import member_list, member_page
from .context import coordinator_context, coordinator_in
from .endpoints import reads
from .schemas.members import MemberArgs, MemberPageSchema, MemberSchema

bp = Blueprint("members", __name__, url_prefix="/api/v1/members", description="The people of a community (coordinators only).")


@bp.get("")
@reads()
@bp.arguments(MemberArgs, location="query")
@bp.response(200, MemberPageSchema)
def list_members(args):
    """Members of one community by name, a page at a time, optionally filtered"""
    coordinator = coordinator_context(args["community"])
    rows, next_after = member_list(
        coordinator.community_id,
        text=args["q"],
        kind_id=args["kind_id"],
        status=args["status"],
        role=args["role"],
        after=args["cursor"],
        limit=args["limit"],
    )
    return {"items": rows, "next_cursor": next_after}


@bp.get("/<int(max=2147483647):membership_id>")
@reads()
@bp.response(200, MemberSchema)
def get_member(membership_id: int):
    """One member, with what the coordinator's member page shows: kind history, safeguarding
    checks, restrictions and private notes"""
    target = db.session.get(Membership, membership_id)
    if target is None:
        raise NotFound()
    page = member_page(coordinator_in(target.community_id), membership_id)
    m = page.membership
    return {
        "id": m.id,
        "community": m.community.slug,
        "name": m.name,
        "email": m.user.email,
        "role": m.role,
        "status": m.status,
        "kind": m.kind.label if m.kind else None,
        "phone": m.phone,
        "joined_on": m.joined_on,
        "left_on": m.left_on,
        "application_note": m.application_note,
        "account_id": page.account.id if page.account else None,
        "balance_minutes": page.account.balance if page.account else None,
        "account_closed": bool(page.account and page.account.closed_at),
        "kind_history": [
            {"changed_on": row.changed_on, "from_kind": row.from_label, "to_kind": row.to_label, "by": row.by}
            for row in page.kind_history
        ],
        "checks": [
            {
                "check_type": row.check.check_type,
                "reference": row.check.reference,
                "issued_on": row.check.issued_on,
                "expires_on": row.check.expires_on,
                "references_received": row.check.references_received,
                "warning": row.warning,
                "superseded": row.superseded,
            }
            for row in page.checks
        ],
        "restrictions": [
            {"id": r.id, "code": r.code, "detail": r.detail, "created_at": r.created_at, "lifted_at": r.lifted_at}
            for r in page.restrictions
        ],
        "notes": [{"author": n.author, "body": n.body, "created_at": n.created_at} for n in page.notes],
    }
