"""Forms of the member pages. Those that record something carry a submission id made when the
page is drawn (`SubmissionForm`), so that sending one twice records one thing."""
from flask import g
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..durations import DurationError, parse_hours, quick_conflict
from ..formatting import hours_minutes
from ..web.date_input import DateInput
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
    quick = RadioField(_l("How long?"), choices=QUICK_CHOICES, validate_choice=False, validators=[Optional()])
    hours = StringField(_l("Hours"), validators=[Optional(), Length(max=20)])
    minutes = IntegerField(_l("Minutes"), validators=[Optional(), NumberRange(0, 59, _l("Minutes must be between 0 and 59"))])
    occurred_on = DateInput(_l("When?"), today=lambda: g.membership.community.today())
    activity = SelectField(_l("What was it?"), coerce=int, validators=[InputRequired(_l("Choose what the time was for"))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500, message=_l("The note must be 500 characters or fewer"))])

    def typed_minutes(self) -> int | None:
        """The length typed in the hours and minutes boxes (None if both are empty); raises
        DurationError for hours that are not a number."""
        hours = parse_hours(self.hours.data)
        if hours is None and self.minutes.data is None:
            return None
        return (hours or 0) + (self.minutes.data or 0)

    def total_minutes(self) -> int | None:
        if self.quick.data and self.quick.data != "other":
            return int(self.quick.data)
        try:
            return self.typed_minutes() or 0
        except DurationError:
            return None

    def validate(self, extra_validators=None):
        # The length is checked here as one question (quick choice, hours, minutes), so that
        # one problem gets one message: "1.5 hours" is 90 minutes, not "not a whole number"
        # followed by "enter at least 1 minute"; a quick length and a typed one that disagree
        # are refused rather than one chosen silently.
        ok = super().validate(extra_validators)
        if self.hours.errors or self.minutes.errors or self.quick.errors:
            return False
        try:
            typed = self.typed_minutes()
        except DurationError as error:
            self.hours.errors.append(
                _l("Enter the hours as a number, like 2 or 1.5")
                if error.code == "not_a_number"
                else _l("Enter the hours as whole minutes, like 1.5 or 1.25, or use the minutes box")
            )
            return False
        if self.quick.data and self.quick.data not in {c.value for c in QUICK_CHOICES}:
            self.quick.data = None
        if not self.quick.data:
            if typed is None:
                self.quick.errors.append(_l("Choose how long, or enter the hours and minutes"))
                return False
            self.quick.data = "other"  # typed with no choice ticked: what was typed is the answer
        if quick_conflict(self.quick.data, typed):
            self.quick.errors.append(
                _l(
                    "You chose %(quick)s but typed %(typed)s: choose Another length of time to keep what you typed, or clear the hours and minutes",
                    quick=hours_minutes(int(self.quick.data)),
                    typed=hours_minutes(typed),
                )
            )
            return False
        if self.quick.data == "other":
            total = typed or 0
            if total <= 0:
                self.minutes.errors.append(_l("Enter a time of at least 1 minute"))
                ok = False
            elif total > 24 * 60:
                field = self.hours if parse_hours(self.hours.data) and parse_hours(self.hours.data) > 24 * 60 else self.minutes
                field.errors.append(
                    _l("Hours must be between 0 and 24") if field is self.hours else _l("Enter a time of 24 hours or less")
                )
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
