"""The caller: who they are, their memberships and balances, and their statement."""
from flask_smorest import Blueprint

from ..services.home import memberships_with_balances
from ..services.people import member_account
from ..services.statements import statement_page
from .auth import caller
from .context import member_context
from .endpoints import reads
from .schemas.common import CursorArgs
from .schemas.me import MeSchema, StatementSchema

bp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="You: your memberships, balances and statement.")


@bp.get("")
@reads()
@bp.response(200, MeSchema)
def me():
    """Who you are, your memberships and your balance in each"""
    user = caller().user
    return {
        "user": user,
        "memberships": [
            {
                "community": row.community,
                "role": row.membership.role,
                "status": row.membership.status,
                "kind": row.membership.kind.label if row.membership.kind else None,
                "display_name": row.membership.display_name,
                "account_id": getattr(member_account(row.membership.id), "id", None),
                "balance_minutes": row.balance,
            }
            for row in memberships_with_balances(user.id)
        ],
    }


@bp.get("/statement")
@reads()
@bp.arguments(CursorArgs, location="query")
@bp.response(200, StatementSchema)
def statement(args):
    """Your statement in one community, newest first, a page at a time

    Pass `next_cursor` as `cursor` for the next (older) page; it is null on the last page.
    Pages are keyed by your account's posting sequence, so they do not shift as new entries come.
    """
    membership, account = member_context(args["community"])
    page = statement_page(account.id, before=args["cursor"], limit=args["limit"])
    return {
        "community": membership.community,
        "balance_minutes": account.balance,
        "lines": page.lines,
        "next_cursor": page.next_before,
    }
