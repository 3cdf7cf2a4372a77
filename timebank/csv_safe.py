"""The one CSV writer: every CSV the app writes (the member's statement and data download, the
report tables, the audit log, the ledger's exports) goes through `writer` or `DictWriter`.

Formula injection (CWE-1236, OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
`=`, `+`, `-` or `@` (and some read on past a leading tab or carriage return), so a partner's
display name `=HYPERLINK(...)` would arrive as a live formula. Such a text cell is written with
a single quote in front, OWASP's advice, which the spreadsheet shows as plain text.

What is neutralised, and why not everything: numbers are not formulas. A value written as a
number (an `int` or `float`), or text that is exactly one plain number ("-90", "1.5", "-2e-05"),
is written unchanged: minutes are signed integers, and `ledger export --format csv` and
`ledger balances` are machine-readable exports whose columns others recompute balances and
report figures from, so a quote in front of "-90" would corrupt them while protecting nothing.
Only other text (a name, a note, an activity) is neutralised, in every export alike.

The byte-order mark: files downloaded for a spreadsheet start with a UTF-8 BOM, without which
Excel reads "−" and accents as mojibake (`bom=True`, the default for the pages). The command
line's exports write none (`bom=False`): they go to programs and pipes, where a BOM would
become part of the first column's name.
"""
import csv
import re

BOM = "\ufeff"
#: What a spreadsheet may take as the start of a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value):
    """`value` as a spreadsheet may safely read it: text that could start a formula gets a
    leading single quote; numbers, and anything not text, are left as they are."""
    if not isinstance(value, str) or not value.startswith(TRIGGERS) or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class _Writer:
    def __init__(self, stream, *, bom: bool = True, lineterminator: str = "\n"):
        if bom:
            stream.write(BOM)
        self._writer = csv.writer(stream, lineterminator=lineterminator)

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, *, bom: bool = True, lineterminator: str = "\n") -> _Writer:
    """Like `csv.writer`, neutralising each cell; a BOM first unless `bom=False`."""
    return _Writer(stream, bom=bom, lineterminator=lineterminator)


class DictWriter:
    """Like `csv.DictWriter` (missing keys are empty), neutralising each cell."""

    def __init__(self, stream, fieldnames, *, bom: bool = True, lineterminator: str = "\n"):
        self.fieldnames = list(fieldnames)
        self._writer = _Writer(stream, bom=bom, lineterminator=lineterminator)

    def writeheader(self) -> None:
        self._writer.writerow(self.fieldnames)

    def writerow(self, row: dict) -> None:
        self._writer.writerow([row.get(name, "") for name in self.fieldnames])
