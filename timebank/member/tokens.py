"""Personal access tokens for the JSON API: make one (its secret shown once), see them, revoke one.

Under login_required rather than member_required: a funder holds no time account but may want a
token to read reports."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import TimebankError
from ..models import TokenScope
from ..services.tokens import NAME_MAX, create_token, revoke_token, tokens_of
from ..web import Done, Form, button, form_page
from . import bp

SCOPE_LABELS = {
    TokenScope.READ: _l("Read: see your balance, statement, exchanges, offers and requests"),
    TokenScope.WRITE: _l("Write: log and confirm exchanges, post offers and requests"),
    TokenScope.REPORTS: _l("Reports: read the reports you may see"),
}


class TokenForm(Form):
    name = StringField(
        _l("What will use this token?"),
        validators=[DataRequired(_l("Give the token a name")), Length(max=NAME_MAX, message=_l("The name must be %(max)d characters or fewer", max=NAME_MAX))],
    )
    read = BooleanField(SCOPE_LABELS[TokenScope.READ], default=True)
    write = BooleanField(SCOPE_LABELS[TokenScope.WRITE])
    reports = BooleanField(SCOPE_LABELS[TokenScope.REPORTS])

    def scopes(self) -> list[str]:
        return [str(scope) for scope in TokenScope if getattr(self, str(scope)).data]


class RevokeForm(Form):
    pass


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()

    def created(made):
        token, secret = made
        # The secret is shown on this page only; it is never stored or shown again.
        return Done(url_for("member.tokens"), respond=lambda: render_template("member/tokens/created.html", token=token, secret=secret))

    return form_page(
        form,
        lambda: create_token(current_user, name=form.name.data, scopes=form.scopes()),
        created,
        lambda: render_template("member/tokens/list.html", form=form, rows=tokens_of(current_user.id), revoke_form=RevokeForm()),
        field="name",
        fields={"scopes": "read"},
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    back = url_for("member.tokens")
    if not RevokeForm().validate_on_submit():
        return redirect(back, 303)
    return button(
        lambda: revoke_token(current_user, token_id),
        lambda token: Done(back, _("The token “%(name)s” is revoked: it no longer works.", name=token.name)),
        back=back,
        handlers={TimebankError: lambda error: flash(_("We could not find that token."), "error")},
    )
