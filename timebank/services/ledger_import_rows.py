"""Reading a ledger import's CSV file into checked rows and entries: the columns, each row's
cells checked against the community's people and activities (every bad row added to the
problems by its line number), rows grouped into entries, and each entry's idempotency key.

The file's format, and how an import runs, are described in `ledger_import`, which uses these.
"""
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..ledger.rules import AccountState
from ..models import Account, ActivityCategory, Community, EntryKind, Membership, MembershipStatus, User
from .exchanges.log import MAX_MINUTES
from .people import normalise_email
from .sessions.record import MAX_PEOPLE

COLUMNS = ("date", "giver_email", "receiver_email", "minutes", "activity", "note")
KINDS = (EntryKind.EXCHANGE, EntryKind.GROUP_SESSION)
NOTE_MAX = 1000
#: Problems kept to report; all are counted.
PROBLEMS_KEPT = 1000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHOLE_RE = re.compile(r"^\d+$")
KEY_PREFIX = "import:"


@dataclass(frozen=True)
class _Row:
    line: int
    kind: str
    occurred_on: date
    giver: str
    receiver: str
    minutes: int
    activity: str
    note: str
    giver_account: int
    receiver_account: int
    activity_id: int | None


@dataclass
class EntryRows:
    rows: list[_Row]
    #: The line where a session that ran past MAX_PEOPLE receivers began.
    overflow_from: int | None = None


@dataclass
class Problems:
    kept: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, message: str) -> None:
        self.total += 1
        if len(self.kept) < PROBLEMS_KEPT:
            self.kept.append((line, message))



# -- the community's people and activities -----------------------------------------------------


class People:
    """Who and what a row may name, read once: every member's email with their usable account
    (or why it is not usable), its state for the limit simulation, and the activities."""

    def __init__(self, community: Community):
        self.id = community.id
        self.accounts: dict[str, int | str] = {}
        self.states: dict[int, AccountState] = {}
        self.emails: dict[int, str] = {}
        rows = db.session.execute(
            select(User.email, Membership.status, Account.id, Account.balance, Account.sequence, Account.floor, Account.ceiling, Account.closed_at)
            .join(Membership, Membership.user_id == User.id)
            .outerjoin(Account, Account.membership_id == Membership.id)
            .where(Membership.community_id == community.id)
        )
        for email, status, account_id, balance, sequence, floor, ceiling, closed_at in rows:
            email = normalise_email(email)
            if account_id is None:
                self.accounts[email] = _("%(email)s has no time account here", email=email)
            elif status != MembershipStatus.ACTIVE:
                self.accounts[email] = _("%(email)s is not an active member here", email=email)
            elif closed_at is not None:
                self.accounts[email] = _("the time account of %(email)s is closed", email=email)
            else:
                self.accounts[email] = account_id
                self.states[account_id] = AccountState(account_id, balance, sequence, floor, ceiling, False)
                self.emails[account_id] = email
        self.activities: dict[str, int] = {}
        for activity_id, name, _active in db.session.execute(
            select(ActivityCategory.id, ActivityCategory.name, ActivityCategory.active)
            .where(ActivityCategory.community_id == community.id)
            .order_by(ActivityCategory.active, ActivityCategory.id.desc())  # the active, oldest one wins
        ):
            self.activities[_fold(name)] = activity_id

    def account(self, email: str, problems: list[str], giver: bool) -> int | None:
        if not email:
            problems.append(_("the giver's email address is missing") if giver else _("the receiver's email address is missing"))
            return None
        found = self.accounts.get(email)
        if found is None:
            problems.append(_("nobody in this timebank has the email address %(email)s", email=email))
            return None
        if isinstance(found, str):
            problems.append(found)
            return None
        return found


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


# -- reading ------------------------------------------------------------------------------------


@contextmanager
def _text(stream: IO[bytes]) -> Iterator[IO[str]]:
    """The stream from its start as text, left open for the next pass."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        yield text
    finally:
        text.detach()


def rows(stream: IO[bytes], people: People, problems: Problems) -> Iterator[_Row]:
    """Every well-formed data row, in file order; each bad one (or an unreadable file) is added
    to `problems` instead."""
    with _text(stream) as text:
        reader = csv.reader(text)
        line = 1
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                problems.add(1, _(
                    "The first line must name the columns: %(columns)s, and optionally kind. Missing: %(missing)s.",
                    columns=", ".join(COLUMNS), missing=", ".join(missing),
                ))
                return
            positions = [header.index(name) if name in header else None for name in (*COLUMNS, "kind")]
            line = reader.line_num + 1
            for cells in reader:
                if any(c.strip() for c in cells):
                    row = _parse(line, cells, positions, people, problems)
                    if row is not None:
                        yield row
                line = reader.line_num + 1
        except UnicodeDecodeError:
            problems.add(line, _("The file is not in UTF-8. Save it as \u201cCSV UTF-8\u201d and try again."))
        except csv.Error as error:
            problems.add(line, _("This line cannot be read (%(error)s).", error=str(error)))


def _parse(line: int, cells: list[str], positions: list[int | None], people: People, problems: Problems) -> _Row | None:
    width = len(cells)
    day, giver_cell, receiver_cell, minutes_cell, activity_cell, note, kind_cell = (
        cells[i].strip() if i is not None and i < width else "" for i in positions
    )
    found: list[str] = []
    kind = kind_cell.lower() or EntryKind.EXCHANGE
    if kind not in KINDS:
        found.append(_("the kind \u201c%(kind)s\u201d is not one of: %(kinds)s", kind=kind_cell, kinds=", ".join(KINDS)))
    occurred_on = None
    if DATE_RE.match(day):
        try:
            occurred_on = date.fromisoformat(day)
        except ValueError:
            pass
    if occurred_on is None:
        found.append(_("the date \u201c%(date)s\u201d is not a date written YYYY-MM-DD", date=day))
    giver, receiver = normalise_email(giver_cell), normalise_email(receiver_cell)
    giver_account = people.account(giver, found, giver=True)
    receiver_account = people.account(receiver, found, giver=False)
    if giver and giver == receiver:
        found.append(_("the giver and the receiver are the same person"))
    minutes = int(minutes_cell) if WHOLE_RE.match(minutes_cell) else 0
    if not 0 < minutes <= MAX_MINUTES:
        found.append(_("the minutes \u201c%(minutes)s\u201d must be a whole number from 1 to %(max)d", minutes=minutes_cell, max=MAX_MINUTES))
    activity = _fold(activity_cell)
    activity_id = people.activities.get(activity) if activity else None
    if activity and activity_id is None:
        found.append(_("the activity \u201c%(activity)s\u201d is not one of this timebank's activities", activity=activity_cell))
    if len(note) > NOTE_MAX:
        found.append(_("the note is longer than %(n)d characters", n=NOTE_MAX))
    if found:
        problems.add(line, "; ".join(found))
        return None
    return _Row(line, kind, occurred_on, giver, receiver, minutes, activity, note, giver_account, receiver_account, activity_id)


def entries(rows: Iterable[_Row]) -> Iterator[EntryRows]:
    """Rows as entries: an exchange row alone; consecutive group rows of one session together."""
    current: EntryRows | None = None
    for row in rows:
        if current is not None:
            first = current.rows[0]
            same = row.kind == EntryKind.GROUP_SESSION and (row.occurred_on, row.giver, row.activity, row.note) == (
                first.occurred_on, first.giver, first.activity, first.note
            )
            if same and len(current.rows) < MAX_PEOPLE:
                current.rows.append(row)
                continue
            yield current
            current = EntryRows([], overflow_from=current.overflow_from or first.line) if same else None
        if row.kind == EntryKind.GROUP_SESSION:
            current = current or EntryRows([])
            current.rows.append(row)
        else:
            yield EntryRows([row])
    if current is not None:
        yield current


class Keys:
    """Idempotency keys from each entry's content and its occurrence in the file."""

    def __init__(self):
        self.seen: dict[int, int] = {}

    def __call__(self, rows: list[_Row]) -> str:
        first = rows[0]
        parts = [first.kind, first.occurred_on.isoformat(), first.giver, first.activity, first.note]
        parts += [f"{row.receiver}\x1e{row.minutes}" for row in rows]
        digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
        short = int.from_bytes(digest[:8], "big")
        n = self.seen[short] = self.seen.get(short, 0) + 1
        return f"{KEY_PREFIX}{digest.hex()}:{n}"

