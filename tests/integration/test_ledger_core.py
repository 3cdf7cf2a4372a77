"""The ledger core (timebank.ledger.core and periods) against a real database, on both dialects."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import TODAY
from sqlalchemy import func, select

from timebank import ledger
from timebank.errors import (
    AccountClosed,
    AlreadyReversed,
    CannotReverseReversal,
    FutureDate,
    IdempotencyConflict,
    InvalidInput,
    LimitExceeded,
    NotFound,
    PeriodAlreadyClosed,
    PeriodClosed,
    PeriodNotFinished,
    ReasonRequired,
    SelfExchange,
    UnknownAccount,
)
from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, exchange
from timebank.models import Account, Entry, Posting, ReportingPeriod
from timebank.services.communities import create_community, create_organisation_account, pot_account
from timebank.services.people import kind_by_code


def months_ago(n: int, day: int = 15) -> date:
    today = TODAY
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, day)


def month_start(n: int) -> date:
    return months_ago(n, 1)


DAY = months_ago(3)  # a day some months back, never in the future


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(Entry)),
        db.session.scalar(select(func.count()).select_from(Posting)),
    )


def balances(*accounts):
    return [ledger.balance(a.id) for a in accounts]


def postings_of(entry_id):
    return db.session.scalars(select(Posting).where(Posting.entry_id == entry_id).order_by(Posting.id)).all()


def legs(entry_id):
    return [(p.account_id, p.minutes, p.sequence, p.balance_after) for p in postings_of(entry_id)]


def post(spec, **kw):
    entry, replayed = ledger.post_entry(spec, **kw)
    db.session.commit()
    return entry, replayed


def refused(error, call, *args, **kw):
    """Call, expect `error`, roll back as a view would, and prove nothing was written."""
    before = counts()
    with pytest.raises(error) as raised:
        call(*args, **kw)
    db.session.rollback()
    assert counts() == before
    return raised.value


@pytest.fixture
def two(make_member):
    """A professional and a service user: the roles co-production blurs."""
    _, pro = make_member(kind="professional")
    _, user = make_member(kind="service_user")
    return pro, user


def test_an_exchange_writes_two_numbered_postings_with_balances_and_kinds(community, two):
    pro, user = two
    entry, replayed = post(exchange(community.id, user.id, pro.id, 90, DAY, note="helped with the rota"))
    assert replayed is False
    assert entry.kind == "exchange" and entry.occurred_on == DAY and entry.community_id == community.id
    assert entry.recorded_at.tzinfo is not None
    assert entry.note == "helped with the rota"
    # The service user gave (earns), the professional received (spends).
    assert legs(entry.id) == [(user.id, 90, 1, 90), (pro.id, -90, 1, -90)]
    assert [p.holder_kind for p in postings_of(entry.id)] == ["service_user", "professional"]

    second, _ = post(exchange(community.id, pro.id, user.id, 30, DAY))
    assert legs(second.id) == [(pro.id, 30, 2, -60), (user.id, -30, 2, 60)]
    assert balances(user, pro) == [60, -60]
    assert [a.sequence for a in db.session.scalars(select(Account).where(Account.id.in_([user.id, pro.id])))] == [2, 2]
    assert all(check.ok for check in ledger.verify())


def test_recorded_at_is_the_given_now(community, two):
    pro, user = two
    # Recorded the day after the service date, never in the future of the real clock either.
    now = datetime.combine(DAY + timedelta(days=1), time(12, 30), tzinfo=UTC)
    entry, _ = post(exchange(community.id, user.id, pro.id, 15, DAY), now=now)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).recorded_at == now


def test_organisation_and_pot_postings_snapshot_their_kinds(community, make_member):
    _, carer = make_member(kind="carer")
    clinic = create_organisation_account(community.id, "Riverside Clinic", floor=None)
    pot = pot_account(community.id)
    db.session.commit()
    given, _ = post(exchange(community.id, carer.id, clinic.id, 120, DAY))
    donated, _ = post(exchange(community.id, pot.id, carer.id, 45, DAY, kind="donation"))
    assert [(p.account_id, p.holder_kind) for p in postings_of(given.id)] == [
        (carer.id, "carer"),
        (clinic.id, "organisation"),
    ]
    assert [(p.account_id, p.holder_kind) for p in postings_of(donated.id)] == [
        (pot.id, "community_pot"),
        (carer.id, "carer"),
    ]
    assert balances(carer, clinic, pot) == [75, -120, 45]


def test_the_kind_is_a_snapshot_at_posting_time(community, make_member, two):
    pro, _ = two
    membership, user = make_member(kind="service_user")
    first, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    membership.kind_id = kind_by_code(community.id, "volunteer").id
    db.session.commit()
    second, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    assert postings_of(first.id)[0].holder_kind == "service_user"
    assert postings_of(second.id)[0].holder_kind == "volunteer"


def test_a_group_session_posts_every_leg(community, make_member):
    _, host = make_member(kind="volunteer")
    guests = [make_member(kind="service_user")[1] for _ in range(3)]
    spec = EntrySpec(
        community_id=community.id,
        kind="group_session",
        occurred_on=DAY,
        postings=(PostingSpec(host.id, 180), *(PostingSpec(g.id, -60) for g in guests)),
    )
    entry, _ = post(spec)
    assert [(p.account_id, p.minutes, p.sequence) for p in postings_of(entry.id)] == [
        (host.id, 180, 1),
        *((g.id, -60, 1) for g in guests),
    ]
    assert balances(host, *guests) == [180, -60, -60, -60]


def test_a_batch_is_all_or_nothing(community, make_member):
    _, a = make_member(floor=-120, ceiling=240)
    _, b = make_member(floor=-120, ceiling=240)
    _, c = make_member(floor=-120, ceiling=240)
    post(exchange(community.id, a.id, c.id, 30, DAY))
    before = counts()
    specs = [
        exchange(community.id, a.id, b.id, 60, DAY),
        exchange(community.id, c.id, b.id, 45, DAY),
        # b is at -105 after the first two: 30 more would take it to -135, past its floor.
        exchange(community.id, a.id, b.id, 30, DAY),
    ]
    with pytest.raises(LimitExceeded) as raised:
        ledger.post_entries(specs)
    db.session.rollback()
    assert [(br.account_id, br.over_by, br.side) for br in raised.value.breaches] == [(b.id, 15, "floor")]
    assert counts() == before
    assert balances(a, b, c) == [30, 0, -30]

    # The first two alone go through, in one transaction, numbered in order.
    posted = ledger.post_entries(specs[:2])
    db.session.commit()
    assert [p.replayed for p in posted] == [False, False]
    assert legs(posted[0].entry_id) == [(a.id, 60, 2, 90), (b.id, -60, 1, -60)]
    assert legs(posted[1].entry_id) == [(c.id, 45, 2, 15), (b.id, -45, 2, -105)]
    assert all(check.ok for check in ledger.verify())


def test_a_batch_belongs_to_one_community(community, two):
    pro, user = two
    other = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    refused(
        InvalidInput,
        ledger.post_entries,
        [exchange(community.id, pro.id, user.id, 10, DAY), exchange(other.id, pro.id, user.id, 10, DAY)],
    )


def test_a_limit_breach_is_refused_and_reports_who_and_by_how_much(community, make_member):
    _, giver = make_member(floor=-120, ceiling=100)
    _, taker = make_member(floor=-120, ceiling=240)
    error = refused(LimitExceeded, ledger.post_entry, exchange(community.id, giver.id, taker.id, 150, DAY))
    assert [(b.account_id, b.over_by, b.side) for b in error.breaches] == [
        (giver.id, 50, "ceiling"),
        (taker.id, 30, "floor"),
    ]
    assert balances(giver, taker) == [0, 0]


def test_a_coordinator_override_lets_a_breach_through_and_is_flagged(community, make_member):
    _, giver = make_member(floor=-120, ceiling=240)
    _, taker = make_member(floor=-120, ceiling=240)
    spec = exchange(community.id, giver.id, taker.id, 180, DAY, limit_override=True)
    refused(ReasonRequired, ledger.post_entry, spec)
    entry, _ = post(dataclasses.replace(spec, reason="agreed at the care review"))
    assert entry.limit_override is True and entry.reason == "agreed at the care review"
    assert balances(giver, taker) == [180, -180]
    assert all(check.ok for check in ledger.verify())
    # Below its floor, the taker may still give time back, but not receive more.
    post(exchange(community.id, taker.id, giver.id, 20, DAY))
    assert balances(taker) == [-160]
    refused(LimitExceeded, ledger.post_entry, exchange(community.id, giver.id, taker.id, 1, DAY))


def test_self_exchange_is_refused(community, two):
    pro, _ = two
    refused(SelfExchange, ledger.post_entry, exchange(community.id, pro.id, pro.id, 30, DAY))


def test_an_unknown_account_is_refused(community, two):
    pro, _ = two
    error = refused(UnknownAccount, ledger.post_entry, exchange(community.id, pro.id, 987654, 30, DAY))
    assert error.details == {"account_id": 987654}


def test_another_communitys_account_is_unknown_here(community, make_member, two):
    pro, _ = two
    hillside = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    _, stranger = make_member(target=hillside)
    refused(UnknownAccount, ledger.post_entry, exchange(community.id, pro.id, stranger.id, 30, DAY))
    refused(UnknownAccount, ledger.post_entry, exchange(hillside.id, pro.id, stranger.id, 30, DAY))
    assert balances(pro, stranger) == [0, 0]


def test_a_closed_account_takes_no_postings(community, two, now):
    pro, user = two
    user.closed_at = now
    db.session.commit()
    refused(AccountClosed, ledger.post_entry, exchange(community.id, pro.id, user.id, 30, DAY))
    refused(AccountClosed, ledger.post_entry, exchange(community.id, user.id, pro.id, 30, DAY))


def test_a_future_date_is_refused(community, two):
    pro, user = two
    tomorrow = community.today().toordinal() + 1
    refused(FutureDate, ledger.post_entry, exchange(community.id, pro.id, user.id, 30, date.fromordinal(tomorrow)))
    # Today is fine.
    post(exchange(community.id, pro.id, user.id, 30, community.today()))


def test_nothing_is_dated_into_a_closed_period(community, two):
    pro, user = two
    month = month_start(2)
    post(exchange(community.id, pro.id, user.id, 30, months_ago(2, 10)))
    period = ledger.close_period(community.id, months_ago(2, 20), closed_by_id=None)
    db.session.commit()
    assert period.month == month and period.entry_count == 1 and len(period.seal) == 64
    assert ledger.closed_months(community.id) == {month}
    for day in (1, 15, 28):
        error = refused(
            PeriodClosed, ledger.post_entry, exchange(community.id, pro.id, user.id, 30, months_ago(2, day))
        )
        assert error.month == month
    # The months either side stay open.
    post(exchange(community.id, pro.id, user.id, 30, months_ago(3, 28)))
    post(exchange(community.id, pro.id, user.id, 30, months_ago(1, 1)))
    assert all(check.ok for check in ledger.verify())


def test_close_period_refuses_an_unfinished_month_and_a_second_close(community, two):
    refused(PeriodNotFinished, ledger.close_period, community.id, community.today(), closed_by_id=None)
    ledger.close_period(community.id, month_start(1), closed_by_id=None)
    db.session.commit()
    refused(PeriodAlreadyClosed, ledger.close_period, community.id, months_ago(1, 5), closed_by_id=None)
    assert db.session.scalar(select(func.count()).select_from(ReportingPeriod)) == 1


def test_a_period_is_closed_per_community(community, two, make_member):
    hillside = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    _, a = make_member(target=hillside)
    _, b = make_member(target=hillside)
    ledger.close_period(community.id, month_start(2), closed_by_id=None)
    db.session.commit()
    post(exchange(hillside.id, a.id, b.id, 30, months_ago(2)))


def test_a_reversal_mirrors_the_original_exactly(community, make_member):
    _, host = make_member()
    guests = [make_member()[1] for _ in range(2)]
    original, _ = post(
        EntrySpec(
            community_id=community.id,
            kind="group_session",
            occurred_on=DAY,
            postings=(PostingSpec(host.id, 120), PostingSpec(guests[0].id, -50), PostingSpec(guests[1].id, -70)),
            coproduction_step="do_together",
            ladder_rung="co_production",
        )
    )
    reversal, replayed = ledger.reverse_entry(community.id, original.id, reason="  logged twice  ", actor_id=None)
    db.session.commit()
    assert replayed is False
    assert reversal.kind == "reversal" and reversal.reverses_id == original.id
    assert reversal.reason == "logged twice"
    assert reversal.occurred_on == original.occurred_on  # its month is open
    assert reversal.coproduction_step == "do_together" and reversal.ladder_rung == "co_production"
    assert sorted((p.account_id, p.minutes) for p in postings_of(reversal.id)) == sorted(
        (p.account_id, -p.minutes) for p in postings_of(original.id)
    )
    assert [(p.sequence, p.balance_after) for p in postings_of(reversal.id)] == [(2, 0), (2, 0), (2, 0)]
    assert balances(host, *guests) == [0, 0, 0]
    assert all(check.ok for check in ledger.verify())


def test_a_reversal_of_an_entry_in_a_closed_month_is_dated_today(community, two):
    pro, user = two
    original, _ = post(exchange(community.id, user.id, pro.id, 60, months_ago(2)))
    period = ledger.close_period(community.id, month_start(2), closed_by_id=None)
    db.session.commit()
    reversal, _ = ledger.reverse_entry(community.id, original.id, reason="wrong person", actor_id=None)
    db.session.commit()
    assert reversal.occurred_on == community.today()
    assert balances(pro, user) == [0, 0]
    # The closed month's seal still holds: nothing was dated into it.
    checks = {c.invariant + c.description: c for c in ledger.verify()}
    assert all(c.ok for c in checks.values()), [c.violations for c in checks.values()]
    assert ledger.closed_months(community.id) == {period.month}


def test_a_reversal_needs_a_reason(community, two):
    pro, user = two
    original, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    refused(ReasonRequired, ledger.reverse_entry, community.id, original.id, reason="  ", actor_id=None)


def test_an_entry_is_reversed_at_most_once(community, two):
    pro, user = two
    original, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    ledger.reverse_entry(community.id, original.id, reason="mistake", actor_id=None)
    db.session.commit()
    refused(AlreadyReversed, ledger.reverse_entry, community.id, original.id, reason="again", actor_id=None)
    assert balances(pro, user) == [0, 0]


def test_a_reversal_cannot_be_reversed(community, two):
    pro, user = two
    original, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    reversal, _ = ledger.reverse_entry(community.id, original.id, reason="mistake", actor_id=None)
    db.session.commit()
    refused(CannotReverseReversal, ledger.reverse_entry, community.id, reversal.id, reason="undo", actor_id=None)


def test_another_communitys_entry_cannot_be_reversed_here(community, two, make_member):
    pro, user = two
    original, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    hillside = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    refused(NotFound, ledger.reverse_entry, hillside.id, original.id, reason="mistake", actor_id=None)


def test_a_reversal_is_refused_when_it_would_breach_a_limit(community, make_member):
    _, a = make_member(floor=-60, ceiling=240)
    _, b = make_member(floor=-120, ceiling=240)
    _, c = make_member(floor=-120, ceiling=240)
    original, _ = post(exchange(community.id, a.id, b.id, 60, DAY))
    post(exchange(community.id, c.id, a.id, 120, DAY))  # a spends its 60 and 60 more: at its floor
    refused(LimitExceeded, ledger.reverse_entry, community.id, original.id, reason="mistake", actor_id=None)
    reversal, _ = ledger.reverse_entry(community.id, original.id, reason="mistake", actor_id=None, limit_override=True)
    db.session.commit()
    assert reversal.limit_override is True
    assert balances(a, b, c) == [-120, 0, 120]


def test_a_retry_with_the_same_key_and_content_returns_the_same_entry(community, two):
    pro, user = two
    spec = exchange(community.id, user.id, pro.id, 60, DAY, idempotency_key="form-123")
    entry, replayed = post(spec)
    assert replayed is False
    before = counts()
    again, replayed = post(spec)
    assert replayed is True and again.id == entry.id
    assert counts() == before
    assert balances(pro, user) == [-60, 60]
    # A retry may list the postings in another order: still the same content.
    reordered = dataclasses.replace(spec, postings=tuple(reversed(spec.postings)))
    assert post(reordered) == (entry, True)
    assert counts() == before


def test_the_same_key_with_other_content_is_a_conflict(community, two):
    pro, user = two
    spec = exchange(community.id, user.id, pro.id, 60, DAY, idempotency_key="form-123")
    post(spec)
    for other in (
        dataclasses.replace(spec, postings=(PostingSpec(user.id, 45), PostingSpec(pro.id, -45))),
        dataclasses.replace(spec, note="another visit"),
        dataclasses.replace(spec, occurred_on=months_ago(4)),
        exchange(community.id, pro.id, user.id, 60, DAY, idempotency_key="form-123"),
    ):
        error = refused(IdempotencyConflict, ledger.post_entry, other)
        assert error.details == {"idempotency_key": "form-123"}
    assert balances(pro, user) == [-60, 60]


def test_a_key_is_unique_per_community_not_per_installation(community, two, make_member):
    pro, user = two
    post(exchange(community.id, user.id, pro.id, 60, DAY, idempotency_key="k"))
    hillside = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    _, a = make_member(target=hillside)
    _, b = make_member(target=hillside)
    entry, replayed = post(exchange(hillside.id, a.id, b.id, 60, DAY, idempotency_key="k"))
    assert replayed is False and entry.community_id == hillside.id


def test_a_key_repeated_inside_one_batch_writes_one_entry(community, two):
    pro, user = two
    spec = exchange(community.id, user.id, pro.id, 60, DAY, idempotency_key="dup")
    posted = ledger.post_entries([spec, spec])
    db.session.commit()
    assert posted[0].entry_id == posted[1].entry_id
    assert [p.replayed for p in posted] == [False, True]
    assert counts() == (1, 2)
    refused(
        IdempotencyConflict,
        ledger.post_entries,
        [
            exchange(community.id, user.id, pro.id, 10, DAY, idempotency_key="x"),
            exchange(community.id, user.id, pro.id, 20, DAY, idempotency_key="x"),
        ],
    )


def test_a_retry_after_its_month_was_closed_still_returns_the_original(community, two):
    """A phone on poor signal retries a submission that was in fact recorded; the coordinator
    has since closed that month. The retry must get the original entry back, not a "period
    closed, record it with today's date" error that invites recording the same hour twice."""
    pro, user = two
    spec = exchange(community.id, user.id, pro.id, 60, months_ago(1), idempotency_key="late-retry")
    entry, _ = post(spec)
    ledger.close_period(community.id, month_start(1), closed_by_id=None)
    db.session.commit()
    before = counts()
    again, replayed = post(spec)
    assert (again.id, replayed) == (entry.id, True)
    assert counts() == before


def test_a_reversal_must_mirror_its_original(community, two, make_member):
    pro, user = two
    _, third = make_member()
    original, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    for postings in (
        (PostingSpec(user.id, -45), PostingSpec(pro.id, 45)),  # other minutes
        (PostingSpec(third.id, -60), PostingSpec(pro.id, 60)),  # another account
        (PostingSpec(user.id, 60), PostingSpec(pro.id, -60)),  # the same, not mirrored
    ):
        spec = EntrySpec(
            community_id=community.id,
            kind="reversal",
            occurred_on=DAY,
            postings=postings,
            reverses_id=original.id,
            reason="mistake",
        )
        refused(InvalidInput, ledger.post_entry, spec)
    assert balances(pro, user, third) == [-60, 60, 0]


def test_a_retried_reversal_returns_the_same_reversal(community, two):
    """A coordinator double-clicks "reverse": the second click is the same submission."""
    pro, user = two
    original, _ = post(exchange(community.id, user.id, pro.id, 60, DAY))
    first, replayed = ledger.reverse_entry(
        community.id, original.id, reason="mistake", actor_id=None, idempotency_key="rev-1"
    )
    db.session.commit()
    assert replayed is False
    before = counts()
    again, replayed = ledger.reverse_entry(
        community.id, original.id, reason="mistake", actor_id=None, idempotency_key="rev-1"
    )
    db.session.commit()
    assert (again.id, replayed) == (first.id, True)
    assert counts() == before
    assert balances(pro, user) == [0, 0]
