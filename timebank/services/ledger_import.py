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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..errors import ImportRejected, InvalidInput, LedgerError, LimitExceeded
from ..extensions import db
from ..formatting import hours_minutes
from ..ledger import EntrySpec, PostingSpec, closed_months, post_entries, rules
from ..models import Community, Confirmation, Entry, Membership, MembershipStatus, Role, User
from ..models.types import utcnow
from . import audit
from .exchanges.log import MAX_MINUTES as MAX_MINUTES
from .ledger_import_rows import KINDS as KINDS
from .ledger_import_rows import NOTE_MAX as NOTE_MAX
from .ledger_import_rows import EntryRows, Keys, People, Problems, entries, rows
from .people import normalise_email
from .sessions.record import MAX_PEOPLE

# KINDS, MAX_MINUTES and NOTE_MAX are imported `as` themselves: the upload page takes them from here.

#: Entries a call of `post_entries`, and entries checked against the ledger at a time.
BATCH = 2000


class LedgerImportRejected(ImportRejected):
    """The file has problems and nothing was imported: `problems` holds the first
    `import_rows.PROBLEMS_KEPT` as (line, message), `total` counts them all."""

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


class _Quiet:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


#: progress(stage, total) -> something with update(n) and close(), such as a tqdm bar.
Progress = Callable[[str, int | None], Any]


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


def _spec(community_id: int, entry: EntryRows, key: str, recorded_by_id: int | None) -> EntrySpec:
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
    people = People(community)
    checked = _check(community, stream, people, progress, now, recorded_by_id)
    if dry_run:
        return checked
    result = _write(community.id, stream, people, progress, now, recorded_by_id, checked.rows)
    if (result.rows, result.entries) != (checked.rows, checked.entries):
        raise InvalidInput(_("The file changed while it was being imported. Nothing was imported: please try again."))
    audit.record(
        community.id, recorded_by_id, "ledger.import",
        rows=result.rows, entries=result.entries, created=result.created, existing=result.existing,
        now=now,
    )
    return result


def _check(community, stream, people: People, progress: Progress, now: datetime, recorded_by_id) -> ImportResult:
    problems = Problems()
    today, closed = community.today(now), closed_months(community.id)
    keys, states = Keys(), people.states
    counts = {"rows": 0, "entries": 0, "created": 0, "existing": 0}
    bar = progress(_("Checking"), None)

    def counted(rows):
        for row in rows:
            counts["rows"] += 1
            bar.update()
            yield row

    def pending():
        for entry in entries(counted(rows(stream, people, problems))):
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


def _session_problems(entry: EntryRows, problems: Problems) -> bool:
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


def _breach(entry: EntryRows, breach, people: People) -> tuple[int, str]:
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


def _write(community_id: int, stream, people: People, progress: Progress, now, recorded_by_id, total_rows: int) -> ImportResult:
    problems = Problems()
    keys = Keys()
    counts = {"rows": 0, "entries": 0, "created": 0, "existing": 0}
    bar = progress(_("Importing"), total_rows)

    def specs():
        for entry in entries(rows(stream, people, problems)):
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
