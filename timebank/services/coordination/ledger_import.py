"""Importing past exchanges into one community's ledger from a CSV file.

The first line names the columns (any order, any case):

    date, giver_email, receiver_email, minutes, activity, note   and optionally   kind

- date: the day of the service, written YYYY-MM-DD; not in the future and not in a closed month
  (the ledger's own `rules.check_date`). Coordinators may date as far back as they like.
- giver_email, receiver_email: active members of this community with an open time account,
  matched case-insensitively; never the same person.
- minutes: a whole number from 1 to 1440 (24 hours), as when a coordinator records by hand.
- activity: the name of one of the community's activity categories (any case), or empty.
- note: optional free text (at most 1000 characters); it stays in the community.
- kind: empty or `exchange`: the row is one exchange, the giver earning what the receiver spends.
  `group_session`: consecutive group rows with the same date, giver_email, activity and note
  are ONE entry of kind group_session, in which each receiver receives their row's minutes and
  the giver gives the sum (at most 500 receivers a session).

Every entry is recorded as confirmed by its recorder (`confirmation = recorder`), with
`recorded_by` the importing coordinator (or nobody, from the command line without --as).

All or nothing, in two passes over the stream. The first checks every row and reports every
problem with its line number (line 1 is the header): the columns, dates, people, minutes and
activities, and then each account's floor and ceiling, simulated in file order with the
ledger's own `rules.apply_postings` on in-memory account states. Only a file with no problem is
read again and posted, through `ledger.post_entries` in batches, in the caller's transaction:
the caller commits once.

Importing the same file twice creates nothing the second time. Each entry's idempotency key is
`import:` + the SHA-256 of its normalised row(s) + `:n`, n counting identical rows (or
sessions) within the file, so the ledger's own I6 returns the earlier entry instead of writing
a second. Rows already imported are not checked again against dates and limits, just as the
ledger does not for a retry.

Memory stays bounded whatever the file's size: nothing holds the rows, only the community's
people and account states, one batch of entries, the first problems (all are counted), and the
occurrence counters (a 64-bit number a distinct row).
"""
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ...errors import ImportRejected, InvalidInput, LedgerError, LimitExceeded
from ...extensions import db
from ...formatting import hours_minutes
from ...ledger import EntrySpec, PostingSpec, closed_months, post_entries, rules
from ...ledger.rules import AccountState
from ...models import (
    Account,
    ActivityCategory,
    Community,
    Confirmation,
    Entry,
    EntryKind,
    Membership,
    MembershipStatus,
    Role,
    User,
)
from ...models.types import utcnow
from .. import audit
from ..exchanges import MAX_MINUTES
from ..people import normalise_email
from .sessions import MAX_PEOPLE

COLUMNS = ("date", "giver_email", "receiver_email", "minutes", "activity", "note")
KINDS = (EntryKind.EXCHANGE, EntryKind.GROUP_SESSION)
NOTE_MAX = 1000
#: Entries a call of `post_entries`, and entries checked against the ledger at a time.
BATCH = 2000
#: Problems kept to report; all are counted.
PROBLEMS_KEPT = 1000
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHOLE_RE = re.compile(r"^\d+$")
KEY_PREFIX = "import:"


class LedgerImportRejected(ImportRejected):
    """The file has problems and nothing was imported: `problems` holds the first
    PROBLEMS_KEPT as (line, message), `total` counts them all."""

    code = "ledger_import_rejected"

    def __init__(self, problems, total: int):
        self.total = total
        super().__init__(
            problems,
            message=ngettext(
                "Nothing was imported: the file has %(num)d problem.", "Nothing was imported: the file has %(num)d problems.", total
            ),
        )


@dataclass(frozen=True)
class ImportResult:
    rows: int
    entries: int
    #: New entries (in a check: entries that would be new).
    created: int
    #: Entries already in the ledger from an earlier import of the same rows.
    existing: int


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
class _Entry:
    rows: list[_Row]
    #: The line where a session that ran past MAX_PEOPLE receivers began.
    overflow_from: int | None = None


@dataclass
class _Problems:
    kept: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0

    def add(self, line: int, message: str) -> None:
        self.total += 1
        if len(self.kept) < PROBLEMS_KEPT:
            self.kept.append((line, message))


class _Quiet:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


#: progress(stage, total) -> something with update(n) and close(), such as a tqdm bar.
Progress = Callable[[str, int | None], Any]


# -- the community's people and activities -----------------------------------------------------


class _Community:
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


def recorder_for(community: Community, email: str) -> Membership:
    """The active coordinator (or administrator) of this community with that email address."""
    membership = db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            User.email == normalise_email(email),
            Membership.community_id == community.id,
            Membership.role.in_((Role.COORDINATOR, Role.ADMIN)),
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    if membership is None:
        raise InvalidInput(_("%(email)s is not a coordinator of %(community)s.", email=email, community=community.slug))
    return membership


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


def _rows(stream: IO[bytes], people: _Community, problems: _Problems) -> Iterator[_Row]:
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


def _parse(line: int, cells: list[str], positions: list[int | None], people: _Community, problems: _Problems) -> _Row | None:
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


def _entries(rows: Iterable[_Row]) -> Iterator[_Entry]:
    """Rows as entries: an exchange row alone; consecutive group rows of one session together."""
    current: _Entry | None = None
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
            current = _Entry([], overflow_from=current.overflow_from or first.line) if same else None
        if row.kind == EntryKind.GROUP_SESSION:
            current = current or _Entry([])
            current.rows.append(row)
        else:
            yield _Entry([row])
    if current is not None:
        yield current


class _Keys:
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


def _spec(community_id: int, entry: _Entry, key: str, recorded_by_id: int | None) -> EntrySpec:
    first = entry.rows[0]
    postings = (PostingSpec(first.giver_account, sum(r.minutes for r in entry.rows)),) + tuple(
        PostingSpec(r.receiver_account, -r.minutes) for r in entry.rows
    )
    return EntrySpec(
        community_id=community_id,
        kind=first.kind,
        occurred_on=first.occurred_on,
        postings=postings,
        recorded_by_id=recorded_by_id,
        confirmation=Confirmation.RECORDER,
        activity_id=first.activity_id,
        note=first.note or None,
        idempotency_key=key,
    )


def _batches(specs: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for item in specs:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the two passes ----------------------------------------------------------------------------


def import_ledger(
    community: Community,
    stream: IO[bytes],
    *,
    recorded_by_id: int | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Import the CSV file in `stream` (binary, seekable: it is read twice), all or nothing.

    Raises LedgerImportRejected listing the problems, with nothing written. With `dry_run`,
    only checks, and says what an import would do."""
    progress = progress or (lambda stage, total: _Quiet())
    now = now or utcnow()
    people = _Community(community)
    checked = _check(community, stream, people, progress, now, recorded_by_id)
    if dry_run:
        return checked
    result = _write(community.id, stream, people, progress, now, recorded_by_id, checked.rows)
    if (result.rows, result.entries) != (checked.rows, checked.entries):
        raise InvalidInput(_("The file changed while it was being imported. Nothing was imported: please try again."))
    audit.record(
        community.id, recorded_by_id, "ledger.import",
        rows=result.rows, entries=result.entries, created=result.created, existing=result.existing,
    )
    return result


def _check(community, stream, people: _Community, progress: Progress, now: datetime, recorded_by_id) -> ImportResult:
    problems = _Problems()
    today, closed = community.today(now), closed_months(community.id)
    keys, states = _Keys(), people.states
    counts = {"rows": 0, "entries": 0, "created": 0, "existing": 0}
    bar = progress(_("Checking"), None)

    def counted(rows):
        for row in rows:
            counts["rows"] += 1
            bar.update()
            yield row

    def pending():
        for entry in _entries(counted(_rows(stream, people, problems))):
            counts["entries"] += 1
            key = keys(entry.rows)
            if _session_problems(entry, problems):
                continue
            yield entry, _spec(community.id, entry, key, recorded_by_id)

    try:
        for batch in _batches(pending()):
            earlier = dict(
                db.session.execute(
                    select(Entry.idempotency_key, Entry.content_hash).where(
                        Entry.community_id == community.id, Entry.idempotency_key.in_([s.idempotency_key for _e, s in batch])
                    )
                ).tuples().all()
            )
            for entry, spec in batch:
                if spec.idempotency_key in earlier:
                    if earlier[spec.idempotency_key] == rules.content_hash(spec):
                        counts["existing"] += 1
                    else:
                        problems.add(entry.rows[0].line, _("this was imported before with different details"))
                    continue
                try:
                    rules.check_date(spec.occurred_on, today, closed)
                    rules.apply_postings(states, spec.postings)
                    counts["created"] += 1
                except LimitExceeded as error:
                    for breach in error.breaches:
                        problems.add(*_breach(entry, breach, people))
                except LedgerError as error:
                    problems.add(entry.rows[0].line, str(error))
    finally:
        bar.close()
    if counts["rows"] == 0 and not problems.total:
        problems.add(2, _("The file has no exchanges in it."))
    if problems.total:
        raise LedgerImportRejected(sorted(problems.kept, key=lambda p: p[0]), problems.total)
    return ImportResult(**counts)


def _session_problems(entry: _Entry, problems: _Problems) -> bool:
    found = False
    if entry.overflow_from is not None:
        problems.add(entry.rows[0].line, _(
            "a group session holds at most %(n)d people: the one that starts on line %(line)d runs on to here",
            n=MAX_PEOPLE, line=entry.overflow_from,
        ))
        found = True
    first_line: dict[str, int] = {}
    for row in entry.rows:
        if row.receiver in first_line:
            problems.add(row.line, _(
                "%(email)s is already in the group session on line %(line)d", email=row.receiver, line=first_line[row.receiver]
            ))
            found = True
        first_line.setdefault(row.receiver, row.line)
    return found


def _breach(entry: _Entry, breach, people: _Community) -> tuple[int, str]:
    """The line of the account past its limit (the giver's is the session's first line)."""
    line = next((r.line for r in entry.rows if r.receiver_account == breach.account_id), entry.rows[0].line)
    values = {
        "email": people.emails.get(breach.account_id, ""),
        "over": hours_minutes(breach.over_by),
        "limit": hours_minutes(breach.limit),
    }
    if breach.side == "floor":
        return line, _("this takes %(email)s %(over)s below their lowest allowed balance (%(limit)s)", **values)
    return line, _("this takes %(email)s %(over)s above their highest allowed balance (%(limit)s)", **values)


def _write(community_id: int, stream, people: _Community, progress: Progress, now, recorded_by_id, total_rows: int) -> ImportResult:
    problems = _Problems()
    keys = _Keys()
    counts = {"rows": 0, "entries": 0, "created": 0, "existing": 0}
    bar = progress(_("Importing"), total_rows)

    def specs():
        for entry in _entries(_rows(stream, people, problems)):
            counts["rows"] += len(entry.rows)
            counts["entries"] += 1
            bar.update(len(entry.rows))
            yield _spec(community_id, entry, keys(entry.rows), recorded_by_id)

    try:
        for batch in _batches(specs()):
            for posted in post_entries(batch, now=now):
                counts["existing" if posted.replayed else "created"] += 1
    finally:
        bar.close()
    if problems.total:
        raise InvalidInput(_("The file changed while it was being imported. Nothing was imported: please try again."))
    return ImportResult(**counts)
