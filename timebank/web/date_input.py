"""The GOV.UK date input: day, month and year boxes, with "Today" and "Yesterday" as quick
choices, drawn by `templates/_date_input.html`.

The field `occurred_on` is sent as a choice (`occurred_on` = "today", "yesterday" or "other")
and three boxes (`occurred_on-day`, `occurred_on-month`, `occurred_on-year`). An ISO date in
`occurred_on` itself ("2026-12-03") is taken too, for scripts and for links that fill the form.
What was typed is kept exactly (`choice`, `day`, `month`, `year`) to be drawn again beside its
error; `data` is the date, or None. A quick choice and a typed date that disagree are refused,
never one chosen silently.
"""
from collections.abc import Callable
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from ..formatting import format_day

CHOICES = ("today", "yesterday", "other")


class DateInput(Field):
    """`today` is a callable giving the community's today (read when the form is checked)."""

    def __init__(self, label=None, validators=None, *, today: Callable[[], date], required_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.today = today
        self.required_message = required_message or _l("Enter the date, or choose Today or Yesterday")
        self.choice, self.day, self.month, self.year = "", "", "", ""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.data = None if data is unset_value else data
        if data is unset_value:
            default = self.default() if callable(self.default) else self.default
            self.data = default
        self.raw_data = None
        if formdata is None:
            return
        keys = (self.name, f"{self.name}-day", f"{self.name}-month", f"{self.name}-year")
        if not any(key in formdata for key in keys):
            return
        choice, self.day, self.month, self.year = (str(formdata.get(key, "")).strip()[:10] for key in keys)
        self.raw_data = [choice]
        self.data = None
        if choice not in CHOICES:
            try:
                parsed = date.fromisoformat(choice) if choice else None
            except ValueError:
                parsed = None
            if parsed is None and choice:
                self.choice = "other"
                self.process_errors.append(_l("Enter a real date, for example 27 3 2026"))
                return
            if parsed is not None:
                self.choice, self.day, self.month, self.year = "other", str(parsed.day), str(parsed.month), str(parsed.year)
                self.data = parsed
                return
            choice = "other" if (self.day or self.month or self.year) else ""
        self.choice = choice

    def typed(self) -> date | None:
        """The date in the three boxes; ValueError when they are not a real date."""
        if not (self.day or self.month or self.year):
            return None
        if not (self.day and self.month and self.year):
            raise ValueError("incomplete")
        if not (self.day.isdigit() and self.month.isdigit() and self.year.isdigit() and len(self.year) == 4):
            raise ValueError("not a date")
        return date(int(self.year), int(self.month), int(self.day))

    def pre_validate(self, form):
        if self.process_errors or self.raw_data is None:
            if self.raw_data is None and self.data is None:
                raise _stop(self.required_message)
            return
        today = self.today()
        try:
            typed = self.typed()
        except ValueError as error:
            message = (
                _l("Enter the day, the month and the year") if str(error) == "incomplete"
                else _l("Enter a real date, for example 27 3 2026")
            )
            raise _stop(message) from None
        quick = {"today": today, "yesterday": today - timedelta(days=1)}.get(self.choice)
        if quick is not None and typed is not None and typed != quick:
            raise _stop(
                _l(
                    "You chose %(choice)s and typed %(date)s: choose Another date to keep what you typed, or clear the boxes",
                    choice=_l("Today") if self.choice == "today" else _l("Yesterday"),
                    date=format_day(typed),
                )
            )
        self.data = quick or typed
        if self.data is None:
            raise _stop(self.required_message)

    def shown(self) -> dict:
        """What to draw: the choice and the three boxes, from what was typed, or from `data`
        (a date filled in, or kept from a draft)."""
        if self.raw_data is not None or self.process_errors:
            return {"choice": self.choice, "day": self.day, "month": self.month, "year": self.year}
        if self.data is None:
            return {"choice": "", "day": "", "month": "", "year": ""}
        today = self.today()
        if self.data == today:
            return {"choice": "today", "day": "", "month": "", "year": ""}
        if self.data == today - timedelta(days=1):
            return {"choice": "yesterday", "day": "", "month": "", "year": ""}
        return {"choice": "other", "day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}

    def _value(self):
        return self.data.isoformat() if self.data else ""


def _stop(message) -> StopValidation:
    """The refusal beside the field (and no other check after it)."""
    return StopValidation(str(message))
