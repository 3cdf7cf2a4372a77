"""The member's profile, notifications, and downloading everything the app holds about them."""
import io
import json
import zipfile

from flask import Response, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import csv_safe
from ..security_log import exported
from ..services import notifications
from ..services.people.profile import my_data, update_profile
from ..web import Done, button, form_page
from ..web.args import int_arg
from . import bp
from .context import member_required
from .forms import ProfileForm


@bp.route("/profile", methods=["GET", "POST"])
@member_required
def profile():
    form = ProfileForm(obj=g.membership if request.method == "GET" else None)
    return form_page(
        form,
        lambda: update_profile(g.membership, **{f.name: f.data for f in form if f.name != "csrf_token"}),
        Done(url_for("member.profile"), _("Your profile is saved.")),
        lambda: render_template("member/profile.html", form=form),
        field="display_name",
    )


@bp.get("/notifications")
@member_required
def notifications_page():
    before = int_arg("before")
    rows, next_before = notifications.recent(current_user.id, before_id=before)
    return render_template("member/notifications.html", rows=rows, describe=notifications.describe, next_before=next_before)


@bp.post("/notifications/read")
@member_required
def notifications_read():
    back = url_for("member.notifications_page")
    return button(lambda: notifications.mark_all_read(current_user.id), Done(back), back=back)


@bp.get("/my-data")
@member_required
def my_data_page():
    return render_template("member/my_data.html")


@bp.get("/my-data.json")
@member_required
def my_data_json():
    exported("my-data.json", membership_id=g.membership.id)
    body = json.dumps(my_data(g.membership), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json", headers={"Content-Disposition": 'attachment; filename="my-timebank-data.json"'})


@bp.get("/my-data.zip")
@member_required
def my_data_csv():
    """The same data as CSV files (one per section) in a zip, for a spreadsheet."""
    exported("my-data.zip", membership_id=g.membership.id)
    data = my_data(g.membership)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, section in data.items():
            rows = section if isinstance(section, list) else ([section] if section else [])
            text = io.StringIO()
            if rows:
                columns = list(rows[0].keys())
                writer = csv_safe.DictWriter(text, fieldnames=columns)
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()})
            archive.writestr(f"{name}.csv", text.getvalue())
    return Response(buffer.getvalue(), mimetype="application/zip", headers={"Content-Disposition": 'attachment; filename="my-timebank-data.zip"'})
