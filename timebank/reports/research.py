"""The research export for coordinators: `/reports/<slug>/research.zip`, the same archive as
`flask --app wsgi ledger export --format research` (see `timebank/ledger/research_export.py`);
and `restated_rows`, which the report page's "as reported and as it stands now" partial
(`templates/reports/_restated.html`) draws from.

Only a community's coordinators (and administrators) may download it: it holds every posting and
every member's pseudonymous history, which the privacy rules for funders would not allow. Anyone
else gets 404, as for a report they may not read.
"""
import io
from datetime import date

from flask import Response, abort
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..errors import NotFound
from ..ledger.research_export import write_zip
from ..models.types import utcnow
from ..security_log import exported, refused
from ..services.access import viewable_community
from . import bp, figures

#: The restated headline figures (`metrics.restated.HEADLINE`): label and how to show a value.
RESTATED_LABELS = {
    "A1.share": (_l("Active share"), "share"),
    "A1.active": (_l("Active members"), "count"),
    "A2.hours": (_l("Hours exchanged"), "hours"),
    "A2.entries": (_l("Entries"), "count"),
    "B1": (_l("Two-way share"), "share"),
    "C2.ratio": (_l("Upward-flow ratio"), "number"),
    "D4.coordinator_share": (_l("Share recorded or confirmed by a coordinator"), "share"),
    "E1.central": (_l("Replacement value (central)"), "number"),
}


def _shown(value, fmt: str, *, signed: bool = False) -> str:
    if value is None:
        return "\u2013"
    sign = "+" if signed and value > 0 else ""
    if fmt == "share":
        return sign + (figures.number(value * 100, 1) + " pp" if signed else figures.share(value))
    if fmt == "count":
        return sign + figures.number(value, 0)
    return sign + figures.number(value, 2)


@bp.context_processor
def restated_helpers():
    def restated_rows(restated: dict) -> list[dict]:
        rows = []
        for path, cell in (restated.get("figures") or {}).items():
            label, fmt = RESTATED_LABELS.get(path, (path, "number"))
            rows.append({
                "id": path, "label": label, "reported": _shown(cell["reported"], fmt), "now": _shown(cell["now"], fmt),
                "difference": _shown(cell["difference"], fmt, signed=True),
            })
        return rows

    def restated_day(moment: str) -> str:
        return format_date(date.fromisoformat(moment[:10]), "d MMMM yyyy")

    return {"restated_rows": restated_rows, "restated_day": restated_day, "restated_duration": figures.duration}


@bp.get("/<slug>/research.zip")
@login_required
def research_zip(slug: str):
    try:
        community, unsuppressed = viewable_community(current_user, slug)
    except NotFound:
        community, unsuppressed = None, False
    if not unsuppressed:
        refused(404)
        abort(404)
    now = utcnow()
    buffer = io.BytesIO()
    write_zip(community, buffer, now=now)
    exported("research.zip", community=community.slug)
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{community.slug}-research-{now:%Y-%m-%d}.zip"'
    return response
