"""Importing people from a CSV file: all of it or, when a line has a problem, none of it."""
from functools import partial

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from ..errors import ImportRejected, InvalidInput
from ..services.people import member_import
from ..services.people.memberships import person_kinds
from ..web import Done, SubmissionForm, form_page
from . import bp
from .context import coordinator_required
from .members import invitation_link

IMPORT_MAX_BYTES = 1_000_000


class ImportForm(SubmissionForm):
    file = FileField(_l("The CSV file"), validators=[FileRequired(_l("Choose a CSV file"))])
    send_invitations = BooleanField(_l("Email each person a link to choose a password"))


@bp.route("/members/import", methods=["GET", "POST"])
@coordinator_required
def import_members():
    form = ImportForm()

    def run():
        data = form.file.data.read(IMPORT_MAX_BYTES + 1)
        if len(data) > IMPORT_MAX_BYTES:
            raise InvalidInput(_("The file is too big: at most 1 MB."), field="file")
        return member_import.import_members(
            g.coordinator, data, send_invitations=form.send_invitations.data, link_for=invitation_link
        )

    return form_page(
        form,
        run,
        lambda imported: Done(url_for("coordinate.members"), _("%(n)d people imported.", n=len(imported))),
        lambda: render_template("coordinate/members/import.html", form=form, kinds=person_kinds(g.community.id)),
        field="file",
        handlers={ImportRejected: partial(problems_by_line, form.file)},
    )


def problems_by_line(field, error: ImportRejected) -> None:
    field.errors = [_("Line %(line)d: %(problem)s", line=line, problem=problem) for line, problem in error.problems]
