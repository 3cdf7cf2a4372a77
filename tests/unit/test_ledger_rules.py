"""The ledger's pure rules (timebank.ledger.rules): no database, no app.

Each rule refuses with its own domain error, so pages, the API and the CLI can say exactly what
is wrong; these tests pin which error each mistake raises.
"""

import dataclasses
from datetime import date

import pytest

from timebank import errors
from timebank.errors import (
    AccountClosed,
    DuplicateAccount,
    FutureDate,
    LedgerError,
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
from timebank.ledger import rules
from timebank.ledger.rules import AccountState, EntrySpec, PostingSpec, exchange

DAY = date(2026, 8, 14)
TODAY = date(2026, 11, 26)


def spec(*legs, **kw):
    """An entry of community 1 with the given (account_id, minutes) legs."""
    fields = {"community_id": 1, "kind": "exchange", "occurred_on": DAY}
    fields.update(kw)
    return EntrySpec(postings=tuple(PostingSpec(a, m) for a, m in legs), **fields)


def state(account_id, balance=0, sequence=0, floor=-600, ceiling=6000, closed=False):
    return AccountState(account_id, balance, sequence, floor, ceiling, closed)


# -- check_shape ---------------------------------------------------------------------------


def test_a_plain_exchange_passes_and_gives_to_the_giver():
    entry = exchange(1, 10, 20, 90, DAY)
    rules.check_shape(entry)  # no error
    assert entry.kind == "exchange"
    assert entry.postings == (PostingSpec(10, 90), PostingSpec(20, -90))


def test_a_balanced_group_session_of_several_accounts_passes():
    rules.check_shape(spec((1, 120), (2, -40), (3, -40), (4, -40), kind="group_session"))


@pytest.mark.parametrize(
    ("legs", "error"),
    [
        (((1, 0), (2, 0)), ZeroPosting),
        (((1, 60), (2, 0), (3, -60)), ZeroPosting),
        (((1, 60),), TooFewPostings),
        ((), TooFewPostings),
        (((1, 60), (2, -30)), Unbalanced),
        (((1, 60), (2, -30), (3, -20)), Unbalanced),
        (((1, 60.0), (2, -60.0)), NotWholeMinutes),
        (((1, 1.5), (2, -1.5)), NotWholeMinutes),
        (((1, True), (2, -1)), NotWholeMinutes),
        (((1, "60"), (2, -60)), NotWholeMinutes),
        (((1, 60), (1, -60)), SelfExchange),
        (((1, 30), (1, 30), (2, -60)), DuplicateAccount),
        (((1, 60), (2, -30), (2, -30)), DuplicateAccount),
    ],
    ids=[
        "all-zero",
        "one-zero",
        "one-posting",
        "no-postings",
        "unbalanced",
        "unbalanced-group",
        "float-whole",
        "float-fraction",
        "bool",
        "string",
        "self-exchange",
        "same-account-twice-giving",
        "same-account-twice-receiving",
    ],
)
def test_check_shape_refuses_each_mistake_with_its_own_error(legs, error):
    with pytest.raises(error) as raised:
        rules.check_shape(spec(*legs))
    # Exactly that class, not merely a sibling or parent.
    assert type(raised.value) is error
    assert raised.value.code == error.code


def test_unknown_entry_kind_is_refused():
    with pytest.raises(UnknownEntryKind):
        rules.check_shape(spec((1, 60), (2, -60), kind="gift"))


@pytest.mark.parametrize("kind", ["exchange", "group_session", "donation", "grant", "opening_balance", "adjustment"])
def test_every_known_non_reversal_kind_passes(kind):
    rules.check_shape(spec((1, 60), (2, -60), kind=kind))


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_limit_override_needs_a_reason(reason):
    with pytest.raises(ReasonRequired):
        rules.check_shape(spec((1, 60), (2, -60), limit_override=True, reason=reason))


def test_a_limit_override_with_a_reason_passes():
    rules.check_shape(spec((1, 60), (2, -60), limit_override=True, reason="agreed at the review"))


def test_a_reversal_must_name_its_original_and_only_a_reversal_may():
    with pytest.raises(errors.InvalidInput):
        rules.check_shape(spec((1, 60), (2, -60), kind="reversal"))
    with pytest.raises(errors.InvalidInput):
        rules.check_shape(spec((1, 60), (2, -60), reverses_id=7))
    rules.check_shape(spec((1, 60), (2, -60), kind="reversal", reverses_id=7))


@pytest.mark.parametrize(
    "field", [{"confirmation": "telepathy"}, {"coproduction_step": "step5"}, {"ladder_rung": "top"}]
)
def test_unknown_confirmation_step_or_rung_is_invalid_input(field):
    with pytest.raises(errors.InvalidInput):
        rules.check_shape(spec((1, 60), (2, -60), **field))


# -- check_date ----------------------------------------------------------------------------


def test_dates_up_to_today_pass():
    rules.check_date(TODAY, TODAY, set())
    rules.check_date(DAY, TODAY, {date(2026, 7, 1), date(2026, 9, 1)})


def test_a_future_date_is_refused():
    with pytest.raises(FutureDate):
        rules.check_date(date(2026, 11, 27), TODAY, set())


@pytest.mark.parametrize("day", [date(2026, 8, 1), date(2026, 8, 14), date(2026, 8, 31)])
def test_a_date_in_a_closed_month_is_refused_and_the_error_names_the_month(day):
    with pytest.raises(PeriodClosed) as raised:
        rules.check_date(day, TODAY, {date(2026, 8, 1)})
    assert raised.value.month == date(2026, 8, 1)
    assert raised.value.details == {"month": "2026-08-01"}
    assert "August 2026" in str(raised.value)


def test_the_future_is_refused_before_a_closed_month_is_considered():
    # A future date is never in a closed month, but the check must not depend on that order.
    with pytest.raises(FutureDate):
        rules.check_date(date(2026, 12, 5), TODAY, {date(2026, 12, 1)})


# -- apply_postings ------------------------------------------------------------------------


def test_apply_postings_numbers_each_posting_and_carries_the_balance():
    states = {1: state(1, balance=100, sequence=4), 2: state(2, balance=-30, sequence=2)}
    rows = rules.apply_postings(states, [PostingSpec(1, 45), PostingSpec(2, -45)])
    assert rows == [rules.PostingRow(1, 45, 5, 145), rules.PostingRow(2, -45, 3, -75)]
    assert states[1].balance == 145 and states[1].sequence == 5
    assert states[2].balance == -75 and states[2].sequence == 3


def test_apply_postings_carries_forward_across_calls_on_the_same_states():
    states = {1: state(1), 2: state(2)}
    rules.apply_postings(states, [PostingSpec(1, 60), PostingSpec(2, -60)])
    rows = rules.apply_postings(states, [PostingSpec(2, 20), PostingSpec(1, -20)])
    assert rows == [rules.PostingRow(2, 20, 2, -40), rules.PostingRow(1, -20, 2, 40)]


def test_a_floor_breach_is_refused_and_states_are_unchanged():
    states = {1: state(1, balance=0), 2: state(2, balance=-550, sequence=3, floor=-600)}
    before = dict(states)
    with pytest.raises(LimitExceeded) as raised:
        rules.apply_postings(states, [PostingSpec(1, 60), PostingSpec(2, -60)])
    assert raised.value.breaches == [rules.Breach(2, -610, -600, 10, "floor")]
    assert raised.value.details["breaches"] == [
        {"account_id": 2, "balance_after": -610, "limit": -600, "over_by": 10, "side": "floor"}
    ]
    assert states == before


def test_a_ceiling_breach_is_refused():
    states = {1: state(1, balance=5990, ceiling=6000), 2: state(2)}
    with pytest.raises(LimitExceeded) as raised:
        rules.apply_postings(states, [PostingSpec(1, 30), PostingSpec(2, -30)])
    assert raised.value.breaches == [rules.Breach(1, 6020, 6000, 20, "ceiling")]


def test_reaching_a_limit_exactly_is_allowed():
    states = {1: state(1, balance=5940, ceiling=6000), 2: state(2, balance=-540, floor=-600)}
    rows = rules.apply_postings(states, [PostingSpec(1, 60), PostingSpec(2, -60)])
    assert [r.balance_after for r in rows] == [6000, -600]


def test_limit_exceeded_lists_every_breaching_account_with_over_by():
    states = {
        1: state(1, balance=230, ceiling=240),
        2: state(2, balance=-100, floor=-120),
        3: state(3, balance=-115, floor=-120),
        4: state(4, balance=0, floor=-120),
    }
    before = dict(states)
    postings = [PostingSpec(1, 90), PostingSpec(2, -30), PostingSpec(3, -30), PostingSpec(4, -30)]
    with pytest.raises(LimitExceeded) as raised:
        rules.apply_postings(states, postings)
    assert sorted(raised.value.breaches) == sorted(
        [
            rules.Breach(1, 320, 240, 80, "ceiling"),
            rules.Breach(2, -130, -120, 10, "floor"),
            rules.Breach(3, -145, -120, 25, "floor"),
        ]
    )
    assert states == before


def test_an_account_below_its_floor_may_still_earn():
    # Below its floor after a coordinator's override: giving time brings it back up.
    states = {1: state(1, balance=-700, sequence=5, floor=-600), 2: state(2)}
    rows = rules.apply_postings(states, [PostingSpec(1, 30), PostingSpec(2, -30)])
    assert rows[0] == rules.PostingRow(1, 30, 6, -670)
    # ... but may not go further down.
    with pytest.raises(LimitExceeded) as raised:
        rules.apply_postings(states, [PostingSpec(2, 10), PostingSpec(1, -10)])
    assert raised.value.breaches == [rules.Breach(1, -680, -600, 80, "floor")]


def test_an_account_above_its_ceiling_may_still_spend():
    states = {1: state(1, balance=6100, ceiling=6000), 2: state(2)}
    rules.apply_postings(states, [PostingSpec(2, 50), PostingSpec(1, -50)])
    assert states[1].balance == 6050


def test_no_floor_or_ceiling_means_no_limit():
    states = {1: state(1, floor=None, ceiling=None), 2: state(2, floor=None, ceiling=None)}
    rules.apply_postings(states, [PostingSpec(1, 10**6), PostingSpec(2, -(10**6))])
    assert states[2].balance == -(10**6)


def test_an_override_lets_a_breach_through():
    states = {1: state(1), 2: state(2, balance=-590, floor=-600)}
    rows = rules.apply_postings(states, [PostingSpec(1, 60), PostingSpec(2, -60)], limit_override=True)
    assert rows[1] == rules.PostingRow(2, -60, 1, -650)
    assert states[2].balance == -650


def test_an_unknown_account_is_refused_and_states_are_unchanged():
    states = {1: state(1)}
    before = dict(states)
    with pytest.raises(UnknownAccount) as raised:
        rules.apply_postings(states, [PostingSpec(1, 60), PostingSpec(99, -60)])
    assert raised.value.details == {"account_id": 99}
    assert states == before


def test_a_closed_account_is_refused_even_for_earning():
    states = {1: state(1, closed=True), 2: state(2)}
    before = dict(states)
    with pytest.raises(AccountClosed) as raised:
        rules.apply_postings(states, [PostingSpec(1, 60), PostingSpec(2, -60)])
    assert raised.value.details == {"account_id": 1}
    with pytest.raises(AccountClosed):
        rules.apply_postings(states, [PostingSpec(2, 60), PostingSpec(1, -60)])
    assert states == before


# -- mirror and hashes ---------------------------------------------------------------------


def test_mirror_negates_every_posting_in_order():
    postings = (PostingSpec(1, 120), PostingSpec(2, -40), PostingSpec(3, -80))
    assert rules.mirror(postings) == (PostingSpec(1, -120), PostingSpec(2, 40), PostingSpec(3, 80))
    assert rules.mirror(rules.mirror(postings)) == postings


def test_content_hash_ignores_posting_order():
    one = spec((1, 120), (2, -40), (3, -80), kind="group_session")
    other = spec((3, -80), (1, 120), (2, -40), kind="group_session")
    assert rules.content_hash(one) == rules.content_hash(other)
    assert len(rules.content_hash(one)) == 64


def test_content_hash_ignores_the_idempotency_key_itself():
    base = spec((1, 60), (2, -60))
    assert rules.content_hash(base) == rules.content_hash(dataclasses.replace(base, idempotency_key="abc"))


@pytest.mark.parametrize(
    "change",
    [
        {"postings": (PostingSpec(1, 61), PostingSpec(2, -61))},
        {"postings": (PostingSpec(1, 60), PostingSpec(3, -60))},
        {"postings": (PostingSpec(2, 60), PostingSpec(1, -60))},
        {"note": "gardening"},
        {"occurred_on": date(2026, 8, 15)},
        {"kind": "donation"},
        {"community_id": 2},
        {"activity_id": 4},
        {"coproduction_step": "ideas"},
        {"ladder_rung": "co_design"},
        {"limit_override": True, "reason": "review"},
        {"confirmation": "phone"},
        {"confirmed_by_id": 9},
    ],
    ids=lambda change: "+".join(change),
)
def test_content_hash_differs_when_the_content_differs(change):
    base = spec((1, 60), (2, -60))
    assert rules.content_hash(base) != rules.content_hash(dataclasses.replace(base, **change))


def test_seal_line_lists_identity_and_every_posting():
    line = rules.seal_line(12, "reversal", date(2026, 8, 3), 7, [(1, -60), (2, 60)])
    assert line == "12|reversal|2026-08-03|7|1:-60,2:60\n"
    assert rules.seal_line(3, "exchange", date(2026, 8, 3), None, [(1, 60), (2, -60)]) == (
        "3|exchange|2026-08-03||1:60,2:-60\n"
    )


def test_seal_changes_with_any_line_and_with_their_order():
    lines = [
        rules.seal_line(1, "exchange", date(2026, 8, 3), None, [(1, 60), (2, -60)]),
        rules.seal_line(2, "exchange", date(2026, 8, 4), None, [(2, 30), (1, -30)]),
    ]
    digest = rules.seal(lines)
    assert digest == rules.seal(list(lines)) and len(digest) == 64
    assert rules.seal(reversed(lines)) != digest
    assert rules.seal(lines[:1]) != digest
    tampered = [lines[0], rules.seal_line(2, "exchange", date(2026, 8, 4), None, [(2, 31), (1, -31)])]
    assert rules.seal(tampered) != digest
    # An empty month still has a seal (of nothing), distinct from any month with entries.
    assert rules.seal([]) != digest


def test_month_of_is_the_first_day():
    assert rules.month_of(date(2026, 2, 28)) == date(2026, 2, 1)


# -- the errors themselves -----------------------------------------------------------------


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_ledger_error_has_its_own_code():
    classes = list(_subclasses(LedgerError))
    named = {
        ZeroPosting, TooFewPostings, Unbalanced, NotWholeMinutes, SelfExchange, DuplicateAccount,
        UnknownEntryKind, ReasonRequired, FutureDate, PeriodClosed, LimitExceeded, UnknownAccount,
        AccountClosed, errors.AlreadyReversed, errors.CannotReverseReversal, errors.IdempotencyConflict,
        errors.PeriodNotFinished, errors.PeriodAlreadyClosed,
    }  # fmt: skip
    assert named <= set(classes)
    # A subclass that only adds detail to its parent (PeopleOverLimit names the people past a
    # limit) keeps the parent's code, so clients handle both alike.
    codes = [cls.code for cls in classes if cls.code != cls.__mro__[1].code]
    assert len(set(codes)) == len(codes), sorted(codes)
    assert LedgerError.code not in codes
    # And no ledger error reuses a code of another domain error.
    others = [cls.code for cls in _subclasses(errors.TimebankError) if not issubclass(cls, LedgerError)]
    assert not set(codes) & set(others)


def test_ledger_errors_are_timebank_errors_with_a_readable_message():
    for cls in _subclasses(LedgerError):
        if issubclass(cls, (LimitExceeded, PeriodClosed)):
            continue
        error = cls()
        assert isinstance(error, errors.TimebankError)
        assert str(error) and str(error) != "Something went wrong."
        assert 400 <= error.status < 500
