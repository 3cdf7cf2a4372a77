"""The forms of two-factor sign-in: the code at sign-in, a recovery code, the first code at
enrolment, and the password-or-code that turning it off or making new codes asks for."""
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..web.forms import Form


def _code_field():
    return StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(_l("Enter the 6 numbers your authenticator app shows")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class CodeForm(Form):
    code = _code_field()


class RecoveryCodeForm(Form):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(_l("Enter one of your recovery codes")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )


class EnrolForm(Form):
    code = _code_field()


class ProofForm(Form):
    proof = PasswordField(
        _l("Your password, or a code from your authenticator app"),
        validators=[DataRequired(_l("Enter your password or a code from your authenticator app")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
