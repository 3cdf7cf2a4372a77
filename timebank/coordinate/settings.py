"""The community's settings a coordinator may change: idle timeouts, how long records are kept,
how long offers and requests stay listed, the region phone numbers are read in, and whether
coordinators and funders must use two-factor sign-in (services/community_settings.py)."""
from flask import current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..auth import clock
from ..services import community_settings as settings
from ..web import Done, SubmissionForm, form_page
from . import bp
from .context import coordinator_required


def _range(bounds: tuple[int, int]) -> NumberRange:
    low, high = bounds
    return NumberRange(low, high, _l("Enter a whole number from %(low)d to %(high)d", low=low, high=high))


class SettingsForm(SubmissionForm):
    idle_minutes_staff = IntegerField(
        _l("Minutes without activity before coordinators, funders and administrators are signed out"),
        validators=[Optional(), _range(settings.IDLE_STAFF_RANGE)],
    )
    idle_minutes_member = IntegerField(
        _l("Minutes without activity before members are signed out"),
        validators=[Optional(), _range(settings.IDLE_MEMBER_RANGE)],
    )
    retention_days = IntegerField(
        _l("Days to keep messages and the text of closed offers and requests"),
        validators=[InputRequired(_l("Enter a number of days")), _range(settings.RETENTION_RANGE)],
    )
    listing_days = IntegerField(
        _l("Days an offer or request stays listed"),
        validators=[Optional(), _range(settings.LISTING_DAYS_RANGE)],
    )
    phone_region = StringField(
        _l("Country or region of phone numbers typed without a country code"),
        validators=[Optional(), Length(max=10, message=_l("Enter two letters, like GB"))],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    staff_two_factor_required = BooleanField(_l("Coordinators and funders must use two-factor sign-in"))


@bp.route("/settings", methods=["GET", "POST"])
@coordinator_required
def settings_page():
    community = g.community
    two_factor = hasattr(community, "staff_two_factor_required")
    form = SettingsForm(obj=community if request.method == "GET" else None)
    if not two_factor:
        del form.staff_two_factor_required
    config = current_app.config
    return form_page(
        form,
        lambda: settings.update_settings(
            community,
            actor_id=g.coordinator.user_id,
            now=clock.now(),
            idle_minutes_staff=form.idle_minutes_staff.data,
            idle_minutes_member=form.idle_minutes_member.data,
            retention_days=form.retention_days.data,
            staff_two_factor_required=form.staff_two_factor_required.data if two_factor else None,
            listing_days=form.listing_days.data,
            phone_region=form.phone_region.data,
        ),
        Done(url_for("coordinate.settings_page"), _("The settings are saved.")),
        lambda: render_template(
            "coordinate/settings.html", form=form, two_factor=two_factor,
            default_staff=config["SESSION_IDLE_MINUTES_STAFF"], default_member=config["SESSION_IDLE_MINUTES_MEMBER"],
            default_region=config.get("PHONE_REGION") or "GB",
        ),
        field="retention_days",
        once=False,
    )
