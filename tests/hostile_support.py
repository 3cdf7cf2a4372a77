"""What the hostile-input property tests share (tests/web/test_hostile_forms.py and
tests/web/test_hostile_api.py): Hypothesis strategies for hostile values, reading a page's forms
back out of its HTML, and the database rules that must still hold after a run.

The values: numbers far past 64 bits, negative and just past the database's 32-bit range; dates
from year 1 to 9999 and malformed ones; every C0 control character, DEL and NUL; 100,000
characters; markup; unicode oddities (lone surrogates made safe to send, bidi overrides, zero
width, combining marks, astral characters); JSON nested deeper than anyone would.
"""
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, event, select

from timebank.extensions import db
from timebank.ledger.verify import verify

#: Markup whose coming back unescaped would be a hole (each is looked for in every answer).
MARKUP = ('<script>alert("h4")</script>', '"><img src=x onerror=alert(4)>', "<svg/onload=alert(4)>")

#: A bounded, repeatable run: the suite must never depend on chance (or on the clock).
def hostile_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


HUGE_INTS = ["99999999999999999999", "-99999999999999999999", str(2**31), str(-(2**31) - 1), str(2**63), str(2**64),
             "-1", "0", "1e400", "0x10", "١٢", "+5", " 7 ", "9" * 400]
DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "0000-00-00", "99999-01-01", "-2026-01-01",
         "2026-1-1", "31/12/2026", "2026-12-31T25:61:61", "today", "1970-01-01"]
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]
UNICODE = ["\u202eevil\u202c", "a\u200bb", "e\u0301\u0301\u0301", "\U0001f600" * 50, "\ufeff", "\uffff", "\u2028", "\x85",
           "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"), "ﷺ" * 100, "İ" * 100]
STRINGS = [*MARKUP, "x" * 100_000, "Sam\r\nBcc: x@evil.example", "=HYPERLINK(\"https://evil.example\")", "", " ",
           "%00", "' OR 1=1 --", "{{7*7}}", "../../etc/passwd", "a" * 256]

hostile_text = st.one_of(
    st.sampled_from(STRINGS + UNICODE),
    st.lists(st.sampled_from(CONTROL), min_size=1, max_size=3).map(lambda cs: "Name" + "".join(cs) + "x"),
    st.text(max_size=30).map(lambda s: s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")),
)
hostile_int = st.one_of(st.sampled_from(HUGE_INTS), st.integers(min_value=-(2**70), max_value=2**70).map(str))
hostile_date = st.one_of(st.sampled_from(DATES), st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"))
hostile_value = st.one_of(hostile_text, hostile_int, hostile_date)


def nested(depth: int, leaf=1):
    value = leaf
    for _ in range(depth):
        value = [value] if depth % 2 else {"a": value}
    return value


json_leaf = st.one_of(st.none(), st.booleans(), st.sampled_from([2**31, 2**63, 10**20, -(10**20), -1, 0, 1.5, 1e308]),
                      st.integers(), hostile_text, hostile_date, hostile_int)
json_value = st.one_of(
    json_leaf,
    st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                 max_leaves=8),
    st.sampled_from([nested(40), nested(200), nested(3)]),
)


# -- reading a page's forms ----------------------------------------------------------------


@dataclass
class Control:
    """One named control of a form: its kind and the values the page offers for it."""

    name: str
    kind: str  # text, textarea, select, number, date, hidden, checkbox, radio, file, ...
    values: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    action: str
    controls: dict[str, Control] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[PageForm] = []
        self.form: PageForm | None = None
        self.select: Control | None = None
        self.textarea: Control | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            action = urlsplit(a.get("action") or self.page_path).path or self.page_path
            self.form = PageForm(action)
            self.forms.append(self.form)
        elif self.form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset") and a.get("value") is None:
                return
            control = self._control(a["name"], kind)
            if a.get("value") is not None:
                control.values.append(a["value"])
        elif tag == "select":
            self.select = self._control(a["name"], "select")
        elif tag == "textarea":
            self.textarea = self._control(a["name"], "textarea")
        elif tag == "button" and a.get("value") is not None:
            self._control(a["name"], "button").values.append(a["value"])

    def handle_data(self, data):
        if self.textarea is not None and data.strip():
            self.textarea.values.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def _control(self, name, kind) -> Control:
        return self.form.controls.setdefault(name, Control(name, kind))

    def unknown_decl(self, data):  # pragma: no cover - html.parser's hook
        pass


class _OptionParser(HTMLParser):
    """The option values of each select (html.parser sees them as their own tags)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.current: str | None = None
        self.options: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select":
            self.current = a.get("name")
        elif tag == "option" and self.current and a.get("value") is not None:
            self.options.setdefault(self.current, []).append(a["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self.current = None


def page_forms(html: str, page_path: str) -> list[PageForm]:
    """Every POST form of a page, with its controls and the values the page offers for them."""
    parser = _FormParser(page_path)
    parser.feed(html)
    options = _OptionParser()
    options.feed(html)
    for form in parser.forms:
        for control in form.controls.values():
            if control.kind == "select":
                control.values.extend(options.options.get(control.name, []))
    return parser.forms


# -- the rules the database must still keep --------------------------------------------------

_BAD_ANYWHERE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BAD_ON_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Columns that hold what the app made, not what a person typed (a stored API answer, an
#: email's body, an error's text): JSON and mail may hold line breaks of their own.
MACHINE_TEXT = {"idempotency_record.response_body", "outbox_message.body", "outbox_message.last_error", "exchange.last_error"}


def stored_text_problems(tables: set[str] | None = None) -> list[str]:
    """Every stored text with a control character it may not hold: none but tab and line breaks
    in a multi-line (Text) column, none but tab in a one-line (String) column; in every table, or
    in `tables`. (In an app context.)"""
    problems = []
    for table in db.metadata.sorted_tables:
        if tables is not None and table.name not in tables:
            continue
        columns = [c for c in table.columns if isinstance(c.type, String) and f"{table.name}.{c.name}" not in MACHINE_TEXT]
        if not columns:
            continue
        key = list(table.primary_key.columns)
        for row in db.session.execute(select(*key, *columns)):
            for column, value in zip(columns, row[len(key):], strict=True):
                if not isinstance(value, str):
                    continue
                rule = _BAD_ANYWHERE if isinstance(column.type, Text) else _BAD_ON_ONE_LINE
                if rule.search(value):
                    problems.append(f"{table.name}.{column.name} {tuple(row[:len(key)])}: {value[:80]!r}")
    return problems


def ledger_problems() -> list[str]:
    """What `ledger verify` finds wrong, over the whole database. (In an app context.)"""
    return [f"{check.invariant}: {v}" for check in verify() for v in check.violations]


#: The tables `ledger verify` reads: when a run wrote none of them, the ledger is as it was.
LEDGER_TABLES = {"account", "entry", "entry_note", "posting", "reporting_period", "rollup_account_month",
                 "rollup_pair_month", "rollup_kind_month", "rollup_entry_month", "frozen_report"}
_WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.IGNORECASE)


class Writes:
    """The tables written on one connection (every statement it runs, ORM or not), so that the
    checks after a run read only what the run could have changed."""

    def __init__(self, connection):
        self.connection = connection
        self.tables: set[str] = set()
        event.listen(connection, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if match := _WRITE.match(statement):
            self.tables.add(match.group(1))

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self._seen)


def assert_database_rules_hold(app, written: set[str] | None = None) -> None:
    """`ledger verify` passes and no stored text holds a control character it may not; after a
    run that wrote the tables `written` (None: check everything)."""
    with app.app_context():
        ledger = ledger_problems() if written is None or written & LEDGER_TABLES else []
        text = stored_text_problems(written)
        db.session.rollback()
    assert not ledger, "ledger verify: " + "; ".join(ledger[:10])
    assert not text, "stored text with control characters: " + "; ".join(text[:10])


def unescaped_markup(body: str) -> list[str]:
    return [m for m in MARKUP if m in body]
