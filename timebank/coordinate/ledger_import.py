"""Importing past exchanges from a CSV file into the ledger: check the file, then import it."""
from functools import partial

from flask import g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.file import FileField, FileRequired

from ..services.ledger_import import (
    KINDS,
    MAX_MINUTES,
    MAX_PEOPLE,
    NOTE_MAX,
    LedgerImportRejected,
    import_ledger,
)
from ..web import Done, SubmissionForm, dry_run, submit
from . import bp
from .context import coordinator_required

#: Larger files take longer than a page should: the command line imports them.
IMPORT_MAX_BYTES = 20_000_000
#: Problems listed on the page before "and N more".
PROBLEMS_SHOWN = 100


class LedgerImportForm(SubmissionForm):
    file = FileField(_l("The CSV file"), validators=[FileRequired(_l("Choose a CSV file"))])


@bp.route("/ledger/import", methods=["GET", "POST"])
@coordinator_required
def ledger_import():
    form = LedgerImportForm()
    checked = None
    if request.method == "GET":
        form.ensure_submission_id()
    elif form.validate_on_submit():
        stream = form.file.data.stream
        stream.seek(0, 2)
        if stream.tell() > IMPORT_MAX_BYTES:
            form.file.errors = [_("The file is too big for this page: at most 20 MB. Import it from the command line instead.")]
        else:
            run = partial(import_ledger, g.community, stream, recorded_by_id=g.coordinator.user_id)
            refusals = {"field": "file", "handlers": {LedgerImportRejected: partial(_problems, form.file)}}
            if request.form.get("action") == "check":
                checked = dry_run(form, partial(run, dry_run=True), **refusals)
            elif response := submit(form, run, partial(_imported, url_for("coordinate.ledger_import")), **refusals):
                return response
    return render_template(
        "coordinate/ledger_import/import.html",
        form=form,
        checked=checked,
        kinds=KINDS,
        max_minutes=MAX_MINUTES,
        max_people=MAX_PEOPLE,
        note_max=NOTE_MAX,
    ), (422 if form.errors else 200)


def _imported(url: str, result) -> Done:
    message = _(
        "Imported %(rows)d rows: %(created)d new entries, %(existing)d already in the ledger.",
        rows=result.rows, created=result.created, existing=result.existing,
    )
    return Done(url, message)


def _problems(field, error: LedgerImportRejected) -> None:
    field.errors = [_("Line %(line)d: %(problem)s", line=line, problem=problem) for line, problem in error.problems[:PROBLEMS_SHOWN]]
    if error.total > PROBLEMS_SHOWN:
        field.errors.append(ngettext("and %(num)d more problem", "and %(num)d more problems", error.total - PROBLEMS_SHOWN))
