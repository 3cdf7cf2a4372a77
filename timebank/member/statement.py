"""The member's statement: newest first by the date the time was given, a page at a time by key,
with month headings and totals, filtered by month; each row opens its entry; and CSV."""
import io
from datetime import date

from flask import Response, abort, g, render_template, request, stream_with_context

from .. import csv_safe
from ..dates import parse_month
from ..security_log import exported
from ..services.statements import entry_for, months_with_entries, parse_cursor, statement_by_date, statement_lines
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
    before = parse_cursor(request.args.get("before", "")[:40]) if request.args.get("before") else None
    page = statement_by_date(g.account.id, before=before, month=month)
    today = g.membership.community.today()
    return render_template(
        "member/statement.html", page=page, month=month, first_page=before is None,
        months=months_with_entries(g.account.id, today), local_day=g.membership.community.today,
    )


@bp.get("/statement/entries/<int:entry_id>")
@member_required
def statement_entry(entry_id: int):
    entry = entry_for(g.account.id, entry_id)
    if entry is None:
        abort(404)
    return render_template("member/statement_entry.html", entry=entry, local_day=g.membership.community.today)


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
