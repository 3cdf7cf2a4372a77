"""The ledger's rules as pure functions: no database, no Flask. `core` applies them to rows.

Each rule raises its own domain error, so that the pages, the API and the CLI can say exactly
what is wrong.
"""
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from ..errors import (
    AccountClosed,
    DuplicateAccount,
    FutureDate,
    InvalidInput,
    LimitExceeded,
    NotWholeMinutes,
    PeriodClosed,
    ReasonRequired,
    SelfExchange,
    TooFewPostings,
    Unbalanced,
    UnknownAccount,
    UnknownEntryKind,
    ZeroPosting,
)
from ..models.ledger import Confirmation, CoproductionStep, EntryKind, LadderRung


@dataclass(frozen=True)
class PostingSpec:
    account_id: int
    #: Positive: the holder gave time. Negative: the holder received time.
    minutes: int


@dataclass(frozen=True)
class EntrySpec:
    """Everything that makes an entry, before it is written."""

    community_id: int
    kind: str
    occurred_on: date
    postings: tuple[PostingSpec, ...]
    recorded_by_id: int | None = None
    confirmed_by_id: int | None = None
    confirmation: str | None = None
    activity_id: int | None = None
    coproduction_step: str | None = None
    ladder_rung: str | None = None
    note: str | None = None
    idempotency_key: str | None = None
    reverses_id: int | None = None
    reason: str | None = None
    limit_override: bool = False
    #: A late entry: its service month may be closed; it is then booked today, in an open month,
    #: keeping `occurred_on` (I8). Without it, a closed service month is refused.
    late: bool = False


class AccountState(NamedTuple):
    id: int
    balance: int
    sequence: int
    floor: int | None
    ceiling: int | None
    closed: bool


class Breach(NamedTuple):
    account_id: int
    balance_after: int
    limit: int
    over_by: int
    side: str  # "floor" or "ceiling"


class PostingRow(NamedTuple):
    account_id: int
    minutes: int
    sequence: int
    balance_after: int


def exchange(community_id: int, giver_account_id: int, receiver_account_id: int, minutes: int, occurred_on: date, **kw):
    """The two postings of a plain exchange: the giver earns, the receiver spends."""
    return EntrySpec(
        community_id=community_id,
        kind=kw.pop("kind", EntryKind.EXCHANGE),
        occurred_on=occurred_on,
        postings=(PostingSpec(giver_account_id, minutes), PostingSpec(receiver_account_id, -minutes)),
        **kw,
    )


def check_shape(spec: EntrySpec) -> None:
    """I1 and the entry's own fields: kinds known, whole non-zero minutes, two or more accounts,
    no account twice, summing to zero."""
    if spec.kind not in EntryKind.__members__.values():
        raise UnknownEntryKind()
    for posting in spec.postings:
        if not isinstance(posting.minutes, int) or isinstance(posting.minutes, bool):
            raise NotWholeMinutes()
    if any(p.minutes == 0 for p in spec.postings):
        raise ZeroPosting()
    if len(spec.postings) < 2:
        raise TooFewPostings()
    signs: dict[int, int] = {}
    for posting in spec.postings:
        sign = 1 if posting.minutes > 0 else -1
        if posting.account_id in signs:
            raise SelfExchange() if signs[posting.account_id] != sign else DuplicateAccount()
        signs[posting.account_id] = sign
    if sum(p.minutes for p in spec.postings) != 0:
        raise Unbalanced()
    if (spec.kind == EntryKind.REVERSAL) != (spec.reverses_id is not None):
        raise InvalidInput("a reversal, and only a reversal, names the entry it reverses")
    if spec.limit_override and not (spec.reason or "").strip():
        raise ReasonRequired()
    if spec.confirmation is not None and spec.confirmation not in Confirmation.__members__.values():
        raise InvalidInput("unknown confirmation method")
    if spec.coproduction_step is not None and spec.coproduction_step not in CoproductionStep.__members__.values():
        raise InvalidInput("unknown co-production step")
    if spec.ladder_rung is not None and spec.ladder_rung not in LadderRung.__members__.values():
        raise InvalidInput("unknown ladder rung")


def month_of(day: date) -> date:
    return day.replace(day=1)


def check_date(occurred_on: date, today: date, closed_months: Iterable[date], *, late: bool = False) -> date | None:
    """I8 at the door: nothing in the future, nothing booked into a closed month. Returns the
    booking date: None (booked in its service month), or, for a late entry whose service month
    is closed, `today` (whose month is always open: a month closes only once it has ended)."""
    if occurred_on > today:
        raise FutureDate()
    month = month_of(occurred_on)
    if month in closed_months:
        if not late or month_of(today) in closed_months:
            raise PeriodClosed(month)
        return today
    return None


def apply_postings(
    states: dict[int, AccountState], postings: Iterable[PostingSpec], *, limit_override: bool = False
) -> list[PostingRow]:
    """I3 and I4: number each posting, carry the balance forward, and refuse any posting that
    would move an account past its floor or ceiling. Updates `states` only if all is well.

    A posting is refused only when it moves an account further past a limit: an account already
    below its floor (after a coordinator's override) may still earn its way back up.
    """
    rows, new_states, breaches = [], {}, []
    for posting in postings:
        state = new_states.get(posting.account_id) or states.get(posting.account_id)
        if state is None:
            raise UnknownAccount(account_id=posting.account_id)
        if state.closed:
            raise AccountClosed(account_id=posting.account_id)
        after = state.balance + posting.minutes
        if not limit_override:
            if posting.minutes < 0 and state.floor is not None and after < state.floor:
                breaches.append(Breach(state.id, after, state.floor, state.floor - after, "floor"))
            if posting.minutes > 0 and state.ceiling is not None and after > state.ceiling:
                breaches.append(Breach(state.id, after, state.ceiling, after - state.ceiling, "ceiling"))
        new_states[state.id] = state._replace(balance=after, sequence=state.sequence + 1)
        rows.append(PostingRow(state.id, posting.minutes, state.sequence + 1, after))
    if breaches:
        raise LimitExceeded(breaches)
    states.update(new_states)
    return rows


def mirror(postings: Iterable[PostingSpec]) -> tuple[PostingSpec, ...]:
    """I7: a reversal's postings are the original's, negated."""
    return tuple(PostingSpec(p.account_id, -p.minutes) for p in postings)


def content_hash(spec: EntrySpec) -> str:
    """What a retry must repeat exactly to count as the same submission (I6)."""
    content = {
        "community": spec.community_id,
        "kind": str(spec.kind),
        "occurred_on": spec.occurred_on.isoformat(),
        "postings": sorted([p.account_id, p.minutes] for p in spec.postings),
        "activity": spec.activity_id,
        "step": spec.coproduction_step,
        "rung": spec.ladder_rung,
        "note": spec.note or "",
        "reverses": spec.reverses_id,
        "reason": spec.reason or "",
        "override": bool(spec.limit_override),
        "confirmation": spec.confirmation,
        "confirmed_by": spec.confirmed_by_id,
    }
    if spec.late:  # only when set, so every hash stored before late entries still matches
        content["late"] = True
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def seal_line(entry_id: int, kind: str, occurred_on: date, reverses_id: int | None, postings) -> str:
    """One entry's line in a period's seal: its identity and every posting, in posting order."""
    legs = ",".join(f"{account_id}:{minutes}" for account_id, minutes in postings)
    return f"{entry_id}|{kind}|{occurred_on.isoformat()}|{reverses_id or ''}|{legs}\n"


def seal(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode())
    return digest.hexdigest()
