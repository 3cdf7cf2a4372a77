"""Lengths of time as people type them: "1.5", "1.5 hours", "1,5", "1:30", "1 h 30" into the
hours box. Pure functions (no app), so the rules are unit tested on their own; the forms turn
a `DurationError` into the one message beside the field."""
import re
from decimal import Decimal, InvalidOperation


class DurationError(ValueError):
    """What is wrong with a typed length: `code` is "not_a_number" or "not_whole_minutes"."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


_HOURS_WORDS = re.compile(r"\s*(hours?|hrs?|h)\s*$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2})\s*(?::|h|hours?|hrs?)\s*(\d{1,2})\s*(?:m|min|mins|minutes?)?$", re.IGNORECASE)


def parse_hours(text: str | None) -> int | None:
    """Minutes in what someone typed in the hours box; None when it is empty.

    "2" -> 120, "1.5" / "1,5" / "1.5 hours" -> 90, "1:30" / "1 h 30" -> 90, "0.25" -> 15.
    Raises DurationError("not_a_number") for anything else (a negative number too), and
    DurationError("not_whole_minutes") for a fraction of an hour that is no whole number of
    minutes ("1.33")."""
    text = (text or "").strip()
    if not text:
        return None
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes = int(clock.group(1)), int(clock.group(2))
        if minutes > 59:
            raise DurationError("not_a_number")
        return hours * 60 + minutes
    number = _HOURS_WORDS.sub("", text).replace(",", ".").strip()
    if not re.fullmatch(r"\d{1,3}(\.\d{1,4})?|\.\d{1,4}", number):
        raise DurationError("not_a_number")
    try:
        minutes = Decimal(number) * 60
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        raise DurationError("not_a_number") from None
    if minutes != minutes.to_integral_value():
        raise DurationError("not_whole_minutes")
    return int(minutes)


def quick_conflict(quick: str | None, typed_minutes: int | None) -> bool:
    """True when a ticked quick length and a typed length disagree (neither may be chosen
    silently). "other", no quick length, nothing typed, or the same length: no conflict."""
    if not quick or quick == "other" or typed_minutes is None:
        return False
    return int(quick) != typed_minutes
