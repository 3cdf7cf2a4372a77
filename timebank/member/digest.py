"""The weekly digest's switch on the profile page: one button, a POST (`services.digest`)."""
from flask import g, url_for
from flask_babel import gettext as _

from ..services.digest import set_digest
from ..web import Done, button
from . import bp
from .context import member_required


@bp.post("/profile/digest")
@member_required
def digest_switch():
    back = url_for("member.profile")
    on = not g.membership.digest_weekly
    done = _("You will get a weekly digest by email.") if on else _("The weekly digest is off.")
    return button(lambda: set_digest(g.membership, on), Done(back, done), back=back)
