"""Report pages: the programme view, a community's report, each of its tables as CSV, and the
whole report as JSON. Every one draws from `compute_report`, so they all show the same numbers.

Coordinators ask for any period (`parse_period`); funders only for one of the closed periods
(`metrics.funder_periods`), each suppressed consistently with the others."""
from datetime import date, timedelta

from flask import Response, abort, jsonify, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import NotFound, TimebankError
from ..formatting import hours_minutes
from ..metrics.funder_periods import allowed_periods
from ..security_log import exported, refused
from ..services.access import viewable_communities, viewable_community
from ..services.report_periods import InvalidPeriod, NoPeriodYet, Period, funder_period, parse_period
from . import bp, charts, figures, programme, summary
from .tables import MISSING, SUPPRESSED, TABLES, role_matrix, to_csv


def compute_report(community, period: Period, unsuppressed: bool) -> dict:
    """The report dict (docs/report-format.md), with the privacy rules unless `unsuppressed`.
    A funder's period is one of the allowed ones (`choose_period`); for any other, None."""
    from ..metrics import get_report
    from ..metrics.funder_periods import get_funder_report

    if unsuppressed:
        return get_report(community, period.start, period.end, suppress=False)
    if (period.start, period.end) not in {(p.start, p.end) for p in allowed_periods(community)}:
        return None  # a funder's previous period (the summary's comparison) that is not closed
    return get_funder_report(community, period)


def choose_period(community, unsuppressed: bool, args) -> tuple[Period, list[Period] | None]:
    """The period asked for and, for a funder, the periods they may choose from (None for a
    coordinator, who may ask for any dates). InvalidPeriod if it cannot be shown."""
    if unsuppressed:
        return parse_period(args, community.today()), None
    allowed = allowed_periods(community)
    return funder_period(args, allowed), allowed


def _viewable(slug: str):
    try:
        return viewable_community(current_user, slug)
    except NotFound:
        refused(404)
        abort(404)


# -- the period picker -----------------------------------------------------------------------


def picker(today: date, period: Period | None, allowed: list[Period] | None = None) -> dict:
    """Choices for the period form. A coordinator: recent months, quarters and years, and any
    two dates. A funder (`allowed`): only the closed periods they may read, no dates. The period
    on display is always among the choices, and selected."""
    if allowed is not None:
        names = {"month": _("Months"), "quarter": _("Quarters"), "year": _("Years"), "programme": _("The whole programme")}
        groups = []
        for kind, label in names.items():
            options = [(p.value, p.label) for p in reversed(allowed) if p.kind == kind]
            if options:
                groups.append((label, options))
        custom = False
    else:
        months, month = [], today.replace(day=1)
        for _i in range(24):
            months.append((month.strftime("%Y-%m"), format_date(month, "MMMM yyyy")))
            month = (month - timedelta(days=1)).replace(day=1)
        quarters, year, quarter = [], today.year, (today.month - 1) // 3 + 1
        for _i in range(8):
            quarters.append((f"{year}-Q{quarter}", f"{year} Q{quarter}"))
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        years = [(str(y), str(y)) for y in range(today.year, today.year - 6, -1)]
        groups = [(_("Months"), months), (_("Quarters"), quarters), (_("Years"), years)]
        if period is not None and period.kind in ("month", "quarter", "year"):
            index = ("month", "quarter", "year").index(period.kind)
            if period.value not in [value for value, _text in groups[index][1]]:
                groups[index][1].append((period.value, period.label))
        custom = True
    args = request.args
    return {
        "groups": groups,
        "selected": period.value if period and period.kind != "custom" else ("" if period else args.get("period", "")),
        "showing": period.label if period else "",
        "custom": custom,
        "start": period.start.isoformat() if period and period.kind == "custom" else args.get("from", ""),
        "end": period.end.isoformat() if period and period.kind == "custom" else args.get("to", ""),
        "today": today.isoformat(),
    }


def _error_status(error: InvalidPeriod) -> int:
    """400 for a period that cannot be shown; 200 when a funder asked for nothing and no month
    is closed yet (the page says so)."""
    return 200 if isinstance(error, NoPeriodYet) else 400


# -- formatting cells ------------------------------------------------------------------------


@bp.context_processor
def report_helpers():
    def show(cell, threshold=5, fmt=None):
        if cell.state == SUPPRESSED and cell.changed:
            return _("hidden: it changed after the period was reported")
        if cell.state == SUPPRESSED:
            return _("fewer than %(n)d people", n=threshold)
        if cell.state == MISSING:
            return _("not enough data")
        fmt = fmt or cell.fmt
        if fmt == "hours":
            return figures.number(cell.value / 60, 1)
        if fmt == "minutes":
            return figures.duration(cell.value)
        if fmt == "share":
            return figures.share(cell.value)
        if fmt == "count":
            return figures.number(cell.value, 0)
        if fmt == "number":
            return figures.number(cell.value)
        return cell.label or str(cell.value)

    def heat(cell, largest):
        """A class from heat-0 (none) to heat-4 (the largest cell) for the role-flow matrix."""
        if cell.state != "ok" or not cell.value or not largest:
            return "heat-0"
        return f"heat-{min(4, 1 + int(3.999 * cell.value / largest))}"

    return {"show": show, "heat": heat}


def _status(report: dict, today: date) -> str:
    """Whether the figures may still change: live only while the period reaches into the month
    that is running now; a past period is frozen, or closed, or ended but not yet closed."""
    status = report.get("status") or {}
    end = date.fromisoformat(report["period"]["to"])
    last_month = end.replace(day=1)
    if status.get("frozen_at"):
        frozen = date.fromisoformat(status["frozen_at"][:10])
        return _("Frozen on %(date)s when %(month)s was closed.",
                 date=format_date(frozen, "d MMMM yyyy"), month=format_date(last_month, "MMMM yyyy"))
    if end >= today.replace(day=1):
        return _("Live: this period is still open; figures may change.")
    if not status.get("live", True):
        return _("Closed: every month of this period is closed; figures worked out from the ledger.")
    return _("This period has ended, but a coordinator has not closed all its months yet, so figures may still change.")


# -- pages -----------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    viewable = viewable_communities(current_user)
    if not viewable:
        abort(404)
    funded = [v.community for v in viewable if not v.unsuppressed]
    own = [v.community for v in viewable if v.unsuppressed]
    today = (funded or own)[0].today()
    context = {"funded": funded, "own": own, "picker": None, "period": None, "error": None}
    if funded:
        allowed = programme.shared_periods(funded)
        try:
            periods = programme.periods_for(funded, request.args, allowed)
        except InvalidPeriod as error:
            context.update(error=error, picker=picker(today, None, allowed))
            return render_template("reports/programme.html", **context), _error_status(error)
        period = periods[0]
        reports = [compute_report(community, periods[i], False) for i, community in enumerate(funded)]
        context.update(
            period=period, picker=picker(today, period, allowed), reports=reports,
            rows=programme.side_by_side(reports), combined=programme.combined(reports),
            not_combined=programme.NOT_COMBINED, links=[p.query() for p in periods],
        )
    return render_template("reports/programme.html", **context)


@bp.get("/<slug>/")
@login_required
def report(slug: str):
    community, unsuppressed = _viewable(slug)
    today = community.today()
    try:
        period, allowed = choose_period(community, unsuppressed, request.args)
    except InvalidPeriod as error:
        allowed = None if unsuppressed else allowed_periods(community)
        return render_template(
            "reports/report.html", community=community, error=error, picker=picker(today, None, allowed), period=None
        ), _error_status(error)
    data = compute_report(community, period, unsuppressed)
    before = summary.previous_period(period, whole_only=not unsuppressed)  # the summary's comparison
    story = summary.build(data, compute_report(community, before, unsuppressed) if before else None, before)
    tables = {name: build(data) for name, build in TABLES.items()}
    kinds, matrix, largest = role_matrix(data)
    return render_template(
        "reports/report.html",
        community=community, period=period, picker=picker(today, period, allowed), error=None, report=data,
        unsuppressed=unsuppressed, status=_status(data, today), sections=figures.sections(data), tables=tables, summary=story,
        matrix={"kinds": kinds, "rows": matrix, "largest": largest},
        charts=charts.for_report(data, tables, lambda m: hours_minutes(round(m)), lambda n: figures.number(n, 0)),
        csv_url=lambda name: url_for("reports.table_csv", slug=slug, name=name, **period.query()),
        json_url=url_for("reports.report_json", slug=slug, **period.query()),
        threshold=data.get("threshold") or community.suppression_threshold,
    )


@bp.get("/<slug>/<name>.csv")
@login_required
def table_csv(slug: str, name: str):
    community, unsuppressed = _viewable(slug)
    if name not in TABLES:
        abort(404)
    try:
        period, _allowed = choose_period(community, unsuppressed, request.args)
    except InvalidPeriod as error:
        return Response(str(error) + "\n", 400, mimetype="text/plain")
    data = compute_report(community, period, unsuppressed)
    body = to_csv(TABLES[name](data), data.get("threshold") or community.suppression_threshold)
    exported(f"report.{name}.csv", community=community.slug, unsuppressed=unsuppressed)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{community.slug}-{name}-{period.start.isoformat()}-{period.end.isoformat()}.csv"'
    )
    return response


def _json_error(error: TimebankError, status: int):
    return jsonify({"error": {"code": error.code, "message": str(error)}}), status


@bp.get("/<slug>/report.json")
@login_required
def report_json(slug: str):
    try:
        community, unsuppressed = viewable_community(current_user, slug)
        period, _allowed = choose_period(community, unsuppressed, request.args)
    except NotFound as error:
        refused(404)
        return _json_error(error, 404)
    except InvalidPeriod as error:
        return _json_error(error, 400)
    exported("report.json", community=community.slug, unsuppressed=unsuppressed)
    return jsonify(compute_report(community, period, unsuppressed))
