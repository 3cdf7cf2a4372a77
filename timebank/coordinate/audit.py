"""The audit log: every coordinator action, filtered by action, member and date; and as CSV."""
import io
import json

from flask import Response, abort, g, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import Optional, ValidationError

from .. import csv_safe
from ..security_log import exported
from ..services.audit_log import Filters, actions, all_events, events_page, member_name
from ..web.args import int_arg
from ..web.forms import Form
from . import bp
from .audit_words import LABELS, describe, label, link
from .context import coordinator_required

CSV_COLUMNS = (
    "event_id",
    "created_at",
    "action",
    "actor",
    "subject_member",
    "subject_ref",
    "target_type",
    "target_id",
    "details",
    "remote_addr",
)
#: Kept for callers that import it: the short labels (audit_words.py has every action in words).
ACTION_LABELS = LABELS


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET search: nothing changes

    action = SelectField(_l("Action"), default="", validators=[Optional()])
    member = IntegerField(_l("Member"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()], format="%Y-%m-%d")
    until = DateField(_l("To"), validators=[Optional()], format="%Y-%m-%d")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be the same as or after the start date"))


def _filters():
    """The filter form and, if it is valid, the filters and the name of the member chosen."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("All actions"))] + [(a, label(a)) for a in actions(g.community.id)]
    if not form.validate():
        if form.member.errors:
            abort(404)  # only ever set by a link to one member's events
        for f in (form.since, form.until):  # the GOV.UK wording, not WTForms' own
            f.errors[:] = [_("Enter a date like 2026-11-26") if e == "Not a valid date value." else e for e in f.errors]
        return form, None, None
    who = None
    if form.member.data is not None:
        who = member_name(g.community.id, form.member.data)
        if who is None:
            abort(404)
    filters = Filters(form.action.data or None, form.member.data, form.since.data, form.until.data)
    return form, filters, who


def _args(filters: Filters) -> dict:
    return {
        "action": filters.action,
        "member": filters.membership_id,
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
    }


@bp.get("/audit")
@coordinator_required
def audit_log():
    form, filters, who = _filters()
    page = events_page(g.community, filters, before=int_arg("before")) if filters else None
    return render_template(
        "coordinate/audit/log.html",
        form=form,
        page=page,
        who=who,
        args=_args(filters) if filters else {},
        first_page="before" not in request.args,
        labels=ACTION_LABELS,
        describe=describe,
        label=label,
        link=link,
        shown_details=_shown_details,
    ), (422 if form.errors else 200)


def _shown_details(details: dict | None) -> list[tuple[str, str]]:
    """The details worth reading on the page: no internal ids (the CSV keeps everything)."""
    return [
        (key.replace("_", " "), str(value))
        for key, value in sorted((details or {}).items())
        if not (key == "id" or key.endswith("_id") or key.endswith("_ids")) and value not in (None, "", [], {})
    ]


@bp.get("/audit.csv")
@coordinator_required
def audit_csv():
    _form, filters, _who = _filters()
    if filters is None:
        abort(404)
    community = g.community
    exported("audit.csv", community=community.slug)

    def rows():
        buffer = io.StringIO()
        writer = csv_safe.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for event in all_events(community, filters):
            writer.writerow(
                (
                    event.id,
                    event.created_at.isoformat(),
                    event.action,
                    event.actor or "",
                    event.subject or "",
                    event.subject_ref or "",
                    event.target_type or "",
                    event.target_id if event.target_id is not None else "",
                    json.dumps(event.details or {}, sort_keys=True),
                    event.remote_addr or "",
                )
            )
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{community.slug}.csv"'},
    )
