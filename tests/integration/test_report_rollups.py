"""The report rollups (kept by the ledger core at posting time) and frozen report figures."""
from datetime import date, timedelta

import pytest
from conftest import TODAY
from sqlalchemy import select, text

from timebank import ledger, metrics
from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, exchange, rollups
from timebank.ledger.verify import verify
from timebank.metrics.data import split
from timebank.models import AccountMonth, Community, FrozenReport, KindMonth, PairMonth
from timebank.services.communities import create_organisation_account
from timebank.services.periods import close_month


def months_ago(n: int, day: int = 15) -> date:
    today = TODAY
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, day)


def rollup_check():
    (check,) = [c for c in verify() if c.invariant == "R1"]
    return check


@pytest.fixture
def people(community, make_member):
    community.backdate_days = 400
    db.session.commit()
    return {name: make_member(kind)[1] for name, kind in (("sam", "service_user"), ("pat", "professional"), ("val", "volunteer"))}


def post(spec):
    entry, _ = ledger.post_entry(spec)
    db.session.commit()
    return entry


def test_rollups_follow_postings_group_entries_and_reversals(community, people):
    sam, pat, val = people["sam"], people["pat"], people["val"]
    day = months_ago(2, 3)
    post(exchange(community.id, sam.id, pat.id, 60, day))
    post(exchange(community.id, pat.id, sam.id, 30, day + timedelta(days=1)))
    # Two givers (90 and 30 minutes) and two receivers (80 and 40): each receiver's minutes are
    # split 3:1 across the givers.
    post(EntrySpec(community.id, "group_session", day + timedelta(days=2),
                   (PostingSpec(sam.id, 90), PostingSpec(val.id, 30), PostingSpec(pat.id, -80), PostingSpec(org_free(community), -40))))
    wrong = post(exchange(community.id, val.id, sam.id, 45, day + timedelta(days=3)))

    month = day.replace(day=1)
    stored = rollups.stored(community.id)
    assert stored.pairs[(sam.id, pat.id, month, "service_user", "professional")] == [60 + 60.0, 2]
    assert stored.pairs[(val.id, pat.id, month, "volunteer", "professional")] == [20.0, 1]
    assert stored.kinds[(month, "service_user", "professional")] == 120.0
    assert stored.kinds[(month, "volunteer", "organisation")] == 10.0
    assert stored.accounts[(sam.id, month, "service_user")] == [150, 75, 4, day, day + timedelta(days=1)]

    # Reversing the last exchange takes it out of its month, first days included.
    ledger.reverse_entry(community.id, wrong.id, reason="logged by mistake", actor_id=None)
    db.session.commit()
    stored = rollups.stored(community.id)
    assert stored.accounts[(sam.id, month, "service_user")] == [150, 30, 3, day, day + timedelta(days=1)]
    assert (val.id, sam.id, month, "volunteer", "service_user") not in stored.pairs
    assert rollup_check().ok


def org_free(community) -> int:
    """An organisation account with no floor, to receive in a test."""
    account = create_organisation_account(community.id, "Health centre", floor=None)
    db.session.commit()
    return account.id


def test_first_day_is_found_again_when_the_first_entry_is_reversed(community, people):
    sam, pat = people["sam"], people["pat"]
    first = post(exchange(community.id, sam.id, pat.id, 60, months_ago(1, 2)))
    post(exchange(community.id, sam.id, pat.id, 60, months_ago(1, 20)))
    ledger.reverse_entry(community.id, first.id, reason="never happened", actor_id=None)
    db.session.commit()
    row = db.session.get(AccountMonth, (sam.id, months_ago(1, 1), "service_user"))
    assert (row.given, row.entries, row.first_given_on) == (60, 1, months_ago(1, 20))
    assert rollup_check().ok


def test_verify_finds_a_rollup_that_disagrees_with_the_postings(community, people):
    sam, pat = people["sam"], people["pat"]
    post(exchange(community.id, sam.id, pat.id, 60, months_ago(1)))
    assert rollup_check().ok
    db.session.execute(text("UPDATE rollup_kind_month SET minutes = minutes + 1"))
    db.session.execute(text("DELETE FROM rollup_pair_month"))
    db.session.commit()
    check = rollup_check()
    assert not check.ok
    assert any("rollup kinds" in v for v in check.violations)
    assert any("rollup pairs" in v for v in check.violations)


def test_a_kind_change_is_kept_apart_in_the_rollups(community, people, app):
    from timebank.models import Membership
    from timebank.services.people import kind_by_code

    sam, pat = people["sam"], people["pat"]
    post(exchange(community.id, sam.id, pat.id, 60, months_ago(1, 3)))
    membership = db.session.get(Membership, sam.membership_id)
    membership.kind_id = kind_by_code(community.id, "volunteer").id
    db.session.commit()
    post(exchange(community.id, sam.id, pat.id, 30, months_ago(1, 4)))
    kinds = {k: v for k, v in rollups.stored(community.id).kinds.items()}
    month = months_ago(1, 1)
    assert kinds[(month, "service_user", "professional")] == 60
    assert kinds[(month, "volunteer", "professional")] == 30
    assert db.session.scalar(select(KindMonth.minutes).where(KindMonth.giver_kind == "volunteer")) == 30


@pytest.mark.parametrize(
    ("start", "end", "whole", "edges"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 1)), []),
        (date(2026, 1, 10), date(2026, 3, 5), (date(2026, 2, 1), date(2026, 2, 1)),
         [(date(2026, 1, 10), date(2026, 1, 31)), (date(2026, 3, 1), date(2026, 3, 5))]),
        (date(2026, 1, 10), date(2026, 1, 20), None, [(date(2026, 1, 10), date(2026, 1, 20))]),
        (None, date(2026, 2, 27), (None, date(2026, 1, 1)), [(date(2026, 2, 1), date(2026, 2, 27))]),
        (date(2026, 1, 2), date(2026, 2, 28), (date(2026, 2, 1), date(2026, 2, 1)), [(date(2026, 1, 2), date(2026, 1, 31))]),
    ],
)
def test_a_period_is_cut_into_whole_months_and_part_months(start, end, whole, edges):
    got_whole, got_edges = split(start, end)
    assert got_whole == whole
    assert got_edges == edges


def test_a_custom_period_equals_the_sum_of_its_days(community, people):
    """Figures for a period with part months agree with a period of whole months when the
    part months hold nothing else."""
    sam, pat, val = people["sam"], people["pat"], people["val"]
    base = months_ago(2, 1)
    for offset, (giver, receiver, minutes) in enumerate([(sam, pat, 60), (pat, sam, 30), (val, sam, 90), (sam, val, 15)]):
        post(exchange(community.id, giver.id, receiver.id, minutes, base + timedelta(days=3 + offset * 6)))
    month_end = months_ago(1, 1) - timedelta(days=1)
    whole = metrics.get_report(community, base, month_end, suppress=False)
    part = metrics.get_report(community, base + timedelta(days=2), month_end - timedelta(days=1), suppress=False)
    for key in ("A2", "B1", "B3", "C1", "D1"):
        assert whole[key] == part[key], key
    assert whole["A2"]["minutes"] == 195 and whole["B1"] == 1.0


def test_closing_a_month_freezes_its_report(community, people):
    sam, pat = people["sam"], people["pat"]
    month = months_ago(1, 1)
    entry = post(exchange(community.id, sam.id, pat.id, 60, months_ago(1, 10)))
    post(exchange(community.id, pat.id, sam.id, 30, months_ago(1, 11)))
    end = months_ago(0, 1) - timedelta(days=1)
    live = metrics.get_report(community, month, end, suppress=False)
    assert live["status"]["live"] is True and live["status"]["frozen_at"] is None

    close_month(db.session.get(Community, community.id), month, actor_id=None)
    db.session.commit()
    frozen = metrics.get_report(community, month, end, suppress=False)
    assert frozen["status"]["live"] is False and frozen["status"]["frozen_at"]
    assert frozen["A2"] == live["A2"] and frozen["B1"] == 1.0

    # A correction after closing is dated today; the closed month's report stays as it was.
    ledger.reverse_entry(community.id, entry.id, reason="wrong person", actor_id=None)
    db.session.commit()
    again = metrics.get_report(community, month, end, suppress=False)
    assert again["A2"]["minutes"] == 90 and again["status"]["frozen_at"] == frozen["status"]["frozen_at"]
    assert metrics.compute(community, month, end)["A2"]["minutes"] == 30  # what a live count would say
    assert len(db.session.scalars(select(FrozenReport)).all()) == 1
    assert db.session.scalar(select(PairMonth.entries).where(PairMonth.giver_account_id == sam.id)) == 0


def test_frozen_report_figures_cannot_be_changed(community, people):
    month = months_ago(1, 1)
    close_month(db.session.get(Community, community.id), month, actor_id=None)
    db.session.commit()
    with pytest.raises(Exception, match="never changed|refuse|immutable|not allowed"):
        db.session.execute(text("UPDATE frozen_report SET figures = '{}'"))
        db.session.commit()
    db.session.rollback()
    with pytest.raises(Exception, match="never changed|refuse|immutable|not allowed"):
        db.session.execute(text("DELETE FROM frozen_report"))
        db.session.commit()
    db.session.rollback()
