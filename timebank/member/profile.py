"""The member's profile, notifications, and downloading everything the app holds about them."""
import csv
import io
import json
import zipfile

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import InvalidInput
from ..extensions import db
from ..services import notifications
from ..services.members import my_data, update_profile
from . import bp
from .context import member_required
from .forms import ProfileForm


@bp.route("/profile", methods=["GET", "POST"])
@member_required
def profile():
    form = ProfileForm(obj=g.membership if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_profile(g.membership, **{f.name: f.data for f in form if f.name != "csrf_token"})
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("member.profile"), 303)
        except InvalidInput as error:
            db.session.rollback()
            field = getattr(form, error.details.get("field", "display_name"))
            field.errors = [*field.errors, str(error)]
    return render_template("member/profile.html", form=form), (422 if form.errors else 200)


@bp.get("/notifications")
@member_required
def notifications_page():
    before = request.args.get("before", type=int)
    rows = notifications.recent(current_user.id, before_id=before)
    return render_template(
        "member/notifications.html",
        rows=rows,
        describe=notifications.describe,
        next_before=rows[-1].id if len(rows) == notifications.PAGE_SIZE else None,
    )


@bp.post("/notifications/read")
@member_required
def notifications_read():
    notifications.mark_all_read(current_user.id)
    db.session.commit()
    return redirect(url_for("member.notifications_page"), 303)


@bp.get("/my-data")
@member_required
def my_data_page():
    return render_template("member/my_data.html")


@bp.get("/my-data.json")
@member_required
def my_data_json():
    body = json.dumps(my_data(g.membership), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={"Content-Disposition": 'attachment; filename="my-timebank-data.json"'})


@bp.get("/my-data.zip")
@member_required
def my_data_csv():
    """The same data as CSV files (one per section) in a zip, for a spreadsheet."""
    data = my_data(g.membership)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, section in data.items():
            rows = section if isinstance(section, list) else ([section] if section else [])
            text = io.StringIO()
            if rows:
                columns = list(rows[0].keys())
                writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()})
            archive.writestr(f"{name}.csv", text.getvalue())
    return Response(buffer.getvalue(), mimetype="application/zip", headers={"Content-Disposition": 'attachment; filename="my-timebank-data.zip"'})
