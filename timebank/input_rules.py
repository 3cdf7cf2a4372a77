"""What any text or number a client sends must satisfy before it reaches a query, one rule for
the pages (`web/forms.py`, `web/args.py`), the API (`api/schemas/common.py`) and mail headers
(`mail.py`).

- Text holds no control characters: none of C0 (U+0000 to U+001F) nor DEL, except a tab; a
  multi-line field (a note, a description) may also hold line breaks. NUL is the one
  PostgreSQL refuses outright (a 500 if it got that far); CR and LF in a name would break the
  header of every email that carries it.
- Integers fit the database's integer columns: 32-bit signed, the narrower of PostgreSQL's
  `integer` and SQLite's 64-bit, so that no id or count is ever out of range there.
"""
import re

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return bool((_CONTROL_MULTILINE if multiline else _CONTROL).search(value))


def without_control_characters(value: str, replacement: str = " ", *, multiline: bool = False) -> str:
    """`value` with every control character replaced; by default tabs and line breaks too (the
    Unicode ones included), for a header or any other single line built from stored text."""
    if multiline:
        return _CONTROL_MULTILINE.sub(replacement, value)
    return re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", replacement, value)


def in_int_range(value: int) -> bool:
    return INT_MIN <= value <= INT_MAX
