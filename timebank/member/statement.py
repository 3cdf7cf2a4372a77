"""The member's statement: newest first, a page at a time by key, filtered by month; and CSV."""
import io
from datetime import date

from flask import Response, abort, g, render_template, request, stream_with_context

from .. import csv_safe
from ..dates import parse_month
from ..security_log import exported
from ..services.statements import statement_lines, statement_page
from ..web.args import int_arg
from . import bp
from .context import member_required

CSV_COLUMNS = ("date", "entry", "kind", "with", "activity", "minutes", "balance_after_minutes")


def _month_arg() -> date | None:
    value = request.args.get("month", "")
    if not value:
        return None
    try:
        return parse_month(value)
    except ValueError:
        abort(404)


@bp.get("/statement")
@member_required
def statement():
    month = _month_arg()
    before = int_arg("before")
    page = statement_page(g.account.id, before=before, month=month)
    return render_template("member/statement.html", page=page, month=month, first_page=before is None)


@bp.get("/statement.csv")
@member_required
def statement_csv():
    month = _month_arg()
    account_id = g.account.id
    exported("statement.csv", membership_id=g.membership.id, month=month)

    def rows():
        buffer = io.StringIO()
        writer = csv_safe.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for line in statement_lines(account_id, month):
            writer.writerow(
                (line.occurred_on.isoformat(), line.entry_id, line.kind, "; ".join(line.others), line.activity or "", line.minutes, line.balance_after)
            )
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"statement-{month:%Y-%m}.csv" if month else "statement.csv"
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
