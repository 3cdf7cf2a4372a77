"""Reading a page's query string (`request.args`) safely: every view that reads a number or a
search from it (or a number from a button's form, `form_int`) goes through these, so that
nothing out of range or with a control character reaches a query (`timebank.input_rules`).

A number that is not one, or is missing, is None (as `request.args.get(name, type=int)` was);
one out of the database's range cannot name anything, so the page answers 404.
"""
from flask import abort, request
from werkzeug.routing import IntegerConverter

from ..input_rules import INT_MAX, in_int_range, without_control_characters

#: How much of a search box's text is used, when the page names no other length.
SEARCH_MAX = 100


def int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    if value is not None and not in_int_range(value):
        abort(404)
    return value


def form_int(name: str) -> int | None:
    """A number a button's form posts outside any WTForms form (the helper to introduce): None
    when it is missing, not a number, or out of the database's range, so that it names nothing
    rather than reaching a query that overflows."""
    value = request.form.get(name, type=int)
    return value if value is not None and in_int_range(value) else None


def text_arg(name: str, max_length: int = SEARCH_MAX) -> str:
    """A search's text: trimmed, control characters dropped, cut to `max_length`."""
    value = (request.args.get(name) or "")[: max_length * 2]
    return without_control_characters(value, "").strip()[:max_length]


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: an id beyond the database's range matches nothing (404), rather
    than reaching a query that overflows."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's own name)
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)
