"""A1 and D5 as fixed for issue 12, and a closed period's figures "as reported" beside the
figures restated after the ledger changed, each on a hand-built ledger with the answer worked out
by hand. Runs on SQLite and PostgreSQL (the `app` fixture).
"""
from datetime import timedelta

import pytest
from conftest import months_ago

from tests.metrics_support import END, START, Book, assert_close, day, report
from timebank import metrics
from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, post_entry, reverse_entry
from timebank.models import Confirmation, MembershipStatus
from timebank.services.periods import close_month


@pytest.fixture
def book(app):
    return Book.new("fixed")


def test_a1_count_and_share_leave_out_a_member_who_left_on_the_last_day(book):
    p = [book.person() for _ in range(5)]
    book.give(p[0], p[1], 60, day(3))
    book.give(p[2], p[3], 30, day(10))  # p3 then leaves on the last day of the period
    leaver = book.accounts[p[3].id]
    leaver.left_on, leaver.status = END, MembershipStatus.LEFT
    db.session.commit()
    rep = report(book.community)
    # Registered on `to`: p0, p1, p2, p4 (p3 left on `to`) = 4. Active and registered: p0, p1,
    # p2 = 3. The share is 3/4 and the count beside it 3 (today's code said 4 of 4, share 0.75).
    assert (rep["A1"]["active"], rep["A1"]["registered"]) == (3, 4)
    assert rep["A1"]["share"] == pytest.approx(0.75)
    assert rep["A1"]["active"] / rep["A1"]["registered"] == pytest.approx(rep["A1"]["share"])


def test_d5_a_period_starting_mid_month_leaves_out_pairs_first_met_before_it(book):
    start = months_ago(3, 15)
    a, b, c, d, e, f = (book.person() for _ in range(6))
    book.give(a, b, 30, months_ago(3, 3))  # a-b first met on the 3rd, before the period
    book.give(b, a, 30, months_ago(3, 20))
    book.give(c, d, 30, months_ago(3, 16))  # new in T
    book.give(e, f, 30, months_ago(3, 20))  # new in T
    rep = report(book.community, start, END)
    # Active in the start month's quarter, within T: a, b, c, d, e, f = 6. New pairs: c-d and
    # e-f (a-b met on the 3rd): 2 pairs, a new partner for each of two = 4; 4/6 = 0.67.
    # Today's code counted a-b too: 6/6 = 1.0.
    label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    quarters = {row["quarter"]: row["value"] for row in rep["D5"]["new_partners_per_quarter"]}
    assert quarters[label] == pytest.approx(0.67, abs=0.005)
    # From the 1st, the pair a-b is new too: 6 new partners over 6 active members.
    whole = report(book.community, months_ago(3, 1), END)
    assert {row["quarter"]: row["value"] for row in whole["D5"]["new_partners_per_quarter"]}[label] == 1.0


# -- as reported and as it stands now ---------------------------------------------------------

MONTH = months_ago(2)
MONTH_END = months_ago(1) - timedelta(days=1)


def _closed_month_with_pairs(book, clock, pairs=3):
    """`pairs` pairs of members each exchange 60 and 30 minutes in MONTH; MONTH is closed (and
    its report frozen). Returns the first entry of each pair and the freezing instant."""
    firsts = []
    for _ in range(pairs):
        x, y = book.person(), book.person()
        firsts.append(book.give(x, y, 60, MONTH + timedelta(days=2)))
        book.give(y, x, 30, MONTH + timedelta(days=5))
    frozen_at = clock()
    close_month(book.community, MONTH, actor_id=None, now=frozen_at)
    db.session.commit()
    return firsts, frozen_at


def test_a_reversal_into_a_closed_month_restates_the_figures_beside_the_reported_ones(book, clock):
    firsts, frozen_at = _closed_month_with_pairs(book, clock)
    before = report(book.community, MONTH, MONTH_END)
    assert before["status"]["live"] is False and before["restated"] is None  # nothing changed yet

    reverse_entry(book.cid, firsts[0], reason="logged twice", actor_id=None, now=frozen_at + timedelta(minutes=5))
    db.session.commit()
    rep = report(book.community, MONTH, MONTH_END)
    # The frozen figures stay as reported: 6 entries, 270 minutes = 4.5 h.
    assert (rep["A2"]["entries"], rep["A2"]["hours"]) == (6, 4.5)
    restated = rep["restated"]
    assert restated["reported_at"] == frozen_at.isoformat(timespec="seconds")
    assert restated["reasons"] == {"reversed_entries": 1, "reversed_minutes": 60, "late_entries": 0, "late_minutes": 0}
    # Now: 5 entries, 210 minutes = 3.5 h; every member is still active, so A1 is unchanged.
    assert_close(restated["figures"]["A2.entries"], {"reported": 6, "now": 5, "difference": -1})
    assert_close(restated["figures"]["A2.hours"], {"reported": 4.5, "now": 3.5, "difference": -1.0})
    assert "A1.active" not in restated["figures"]
    # B1: the first pair's giver now only received, its receiver only gave: 4 of 6 two-way.
    assert restated["figures"]["B1"]["now"] == pytest.approx(4 / 6, abs=5.001e-5)
    assert restated["suppressed"] is None

    # A funder: two people are behind the change, fewer than 5, so only the fact of a change.
    funder = report(book.community, MONTH, MONTH_END, suppress=True)["restated"]
    assert funder["changed"] is True
    assert funder["reasons"] is None and funder["figures"] == {}
    assert funder["suppressed"] == "fewer than 5 people"


def test_a_funder_sees_the_restated_figures_when_enough_people_are_behind_the_change(book, clock):
    firsts, frozen_at = _closed_month_with_pairs(book, clock, pairs=4)
    for entry_id in firsts[:3]:
        reverse_entry(book.cid, entry_id, reason="logged twice", actor_id=None, now=frozen_at + timedelta(minutes=5))
    db.session.commit()
    funder = report(book.community, MONTH, MONTH_END, suppress=True)
    # 6 people behind the three reversals: shown, through the same suppression as the rest.
    restated = funder["restated"]
    assert restated["reasons"] == {"reversed_entries": 3, "reversed_minutes": 180, "late_entries": 0, "late_minutes": 0}
    assert_close(restated["figures"]["A2.entries"], {"reported": 8, "now": 5, "difference": -3})
    for cell in restated["figures"].values():
        assert set(cell) == {"reported", "now", "difference"}
    # A value hidden in the funder's report is never given as a restated value: both sides of
    # each restated figure are what the funder's own report shows (or null).
    assert restated["figures"]["A2.entries"]["reported"] == funder["A2"]["entries"]


def test_a_late_entry_in_a_frozen_period_is_a_reason_of_its_own(book, clock):
    x, y = book.person(), book.person()
    book.give(x, y, 60, day(2))
    frozen_at = clock()
    # Frozen without closing the month (as a late-entry path would allow): a later entry keeps
    # its service date in the period.
    metrics.freeze_closed(book.community, START, now=frozen_at)
    db.session.commit()
    spec = EntrySpec(
        community_id=book.cid, kind="exchange", occurred_on=day(4),
        postings=(PostingSpec(y.id, 45), PostingSpec(x.id, -45)), confirmation=Confirmation.MEMBER,
    )
    post_entry(spec, now=frozen_at + timedelta(minutes=1))
    db.session.commit()
    rep = report(book.community, START, months_ago(2) - timedelta(days=1))
    assert rep["restated"]["reasons"] == {"reversed_entries": 0, "reversed_minutes": 0, "late_entries": 1, "late_minutes": 45}
    assert_close(rep["restated"]["figures"]["A2.entries"], {"reported": 1, "now": 2, "difference": 1})
    assert rep["restated"]["figures"]["B1"] == {"reported": 0.0, "now": 1.0, "difference": 1.0}


def test_a_restated_figure_the_published_report_hides_is_hidden_too():
    from timebank.metrics.restated import published

    cell = {"reported": 6, "now": 5, "difference": -1}
    report = {"suppressed": {"A2.entries": "hidden because a month of the period hides it"},
              "restated": {"figures": {"A2.entries": dict(cell), "A2.hours": {"reported": 4.5, "now": 3.5, "difference": -1.0}}}}
    out = published(report)["restated"]["figures"]
    assert out["A2.entries"] == {"reported": None, "now": None, "difference": None}
    assert out["A2.hours"]["now"] == 3.5
