"""Forms of the member pages. Those that record something carry a submission id made when the
page is drawn (`SubmissionForm`), so that sending one twice records one thing."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..web.forms import Form, SubmissionForm

QUICK_CHOICES = [
    SelectChoice("30", _l("30 minutes")),
    SelectChoice("60", _l("1 hour")),
    SelectChoice("90", _l("1 hour 30 minutes")),
    SelectChoice("120", _l("2 hours")),
    SelectChoice("other", _l("Another length of time")),
]


class LogTimeForm(SubmissionForm):
    direction = RadioField(
        _l("Did you give time or receive it?"),
        choices=[SelectChoice("gave", _l("I gave time")), SelectChoice("received", _l("I received time"))],
        validators=[InputRequired(_l("Choose whether you gave time or received it"))],
    )
    q = StringField(_l("Find a person or organisation by name"), validators=[Optional(), Length(max=100)])
    partner = RadioField(
        _l("Who with?"), coerce=int, validate_choice=False,
        validators=[InputRequired(_l("Choose who you exchanged time with"))],
    )
    quick = RadioField(
        _l("How long?"), choices=QUICK_CHOICES, validators=[InputRequired(_l("Choose how long, or enter the hours and minutes"))]
    )
    hours = IntegerField(_l("Hours"), validators=[Optional(), NumberRange(0, 24, _l("Hours must be between 0 and 24"))])
    minutes = IntegerField(_l("Minutes"), validators=[Optional(), NumberRange(0, 59, _l("Minutes must be between 0 and 59"))])
    occurred_on = DateField(
        _l("When?"), validators=[DataRequired(_l("Enter the date, for example 2026-11-26"))], format="%Y-%m-%d"
    )
    activity = SelectField(_l("What was it?"), coerce=int, validators=[InputRequired(_l("Choose what the time was for"))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500, message=_l("The note must be 500 characters or fewer"))])

    def total_minutes(self) -> int | None:
        if self.quick.data and self.quick.data != "other":
            return int(self.quick.data)
        return (self.hours.data or 0) * 60 + (self.minutes.data or 0)

    def validate(self, extra_validators=None):
        # Checked here, not in validate_minutes: that one is skipped when the minutes box is
        # empty (Optional stops the chain), which let "another length" with no time through.
        ok = super().validate(extra_validators)
        if self.quick.data == "other" and not self.hours.errors and not self.minutes.errors:
            total = (self.hours.data or 0) * 60 + (self.minutes.data or 0)
            if total <= 0:
                self.minutes.errors.append(_l("Enter a time of at least 1 minute"))
                ok = False
            elif total > 24 * 60:
                self.minutes.errors.append(_l("Enter a time of 24 hours or less"))
                ok = False
        return ok


class ReasonForm(Form):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])


class ListingForm(SubmissionForm):
    type = RadioField(
        _l("Is this an offer or a request?"),
        choices=[SelectChoice("offer", _l("An offer: something I can do for others")), SelectChoice("request", _l("A request: something I would like help with"))],
        validators=[InputRequired(_l("Choose offer or request"))],
    )
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a short title")), Length(max=120, message=_l("The title must be 120 characters or fewer"))])
    description = TextAreaField(_l("Say a little more (optional)"), validators=[Optional(), Length(max=2000, message=_l("Keep it to 2000 characters or fewer"))])
    category = SelectField(_l("Which activity is it?"), coerce=int, validators=[Optional()])


class HelpForm(Form):
    message = TextAreaField(_l("A message for them (optional)"), validators=[Optional(), Length(max=500)])


class ProfileForm(Form):
    display_name = StringField(_l("The name others see (optional)"), validators=[Optional(), Length(max=100)])
    skills = TextAreaField(_l("What I can offer"), validators=[Optional(), Length(max=2000)])
    availability = TextAreaField(_l("When I am usually free"), validators=[Optional(), Length(max=1000)])
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=40)])
    contact_by = RadioField(
        _l("How would you like to be contacted?"),
        choices=[SelectChoice("coordinator", _l("Through the coordinator")), SelectChoice("email", _l("By email")), SelectChoice("phone", _l("By phone"))],
        validators=[InputRequired(_l("Choose how you would like to be contacted"))],
    )
    share_contact = BooleanField(_l("Other members may see my email or phone number"))
    in_directory = BooleanField(_l("Show me in the member list, so that others can find me"))
    email_notifications = BooleanField(_l("Email me when something needs me"))
