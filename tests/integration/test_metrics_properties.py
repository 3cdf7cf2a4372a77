"""Properties of the report over random small ledgers (Hypothesis): shares lie in [0, 1]; the
rows and columns of C1 add up to the minutes each kind gave and received; entries that were
reversed change no figure; B1, B3, C1 and D1 agree with a recomputation from the export rows;
and suppression never leaves a small cell recoverable from what is published.

Each example builds its own communities inside one database (communities never see each
other's rows), so the per-example cost is a few inserts. Runs on SQLite and PostgreSQL.
"""
import math
from collections import defaultdict
from datetime import timedelta

from conftest import TODAY
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import config
from tests.metrics_support import (
    END,
    RAW_POT,
    START,
    Book,
    assert_c1_matches,
    assert_close,
    figures,
    normalised_c1,
    recompute,
    report,
)
from timebank.extensions import db
from timebank.ledger.export import CSV_COLUMNS, posting_rows
from timebank.services.people import kind_by_code

KINDS = ["service_user", "carer", "volunteer", "professional"]
SPAN = (END - START).days
TO_TODAY = (TODAY - START).days - 1  # the community's today may lag UTC by a day
SETTINGS = settings(
    max_examples=config.METRICS_EXAMPLES,  # more for a longer hunt
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Every key METRICS.md or docs/report-format.md documents as a share (a fraction 0..1).
SHARES = [
    ("A1", "share"), ("A1", "share_90d"), ("A3", "top20_share"), ("A3", "gini"), ("A4",),
    ("A6", "first_within_30d"), ("B1",), ("B2", "within_half"), ("B3", "r"), ("B3", "r_w"),
    ("B4", "member_share"), ("B4", "minute_share"), ("B5", "within_90d"), ("B6", "beyond_25h"),
    ("B6", "gini_given"), ("B6", "gini_received"), ("C2", "symmetric"), ("C3", "professionals_receiving"),
    ("C3", "service_users_giving"), ("D1", "largest_share"), ("D4", "coordinator_share"),
    ("D4", "matched_share"), ("D6", "matched_share"),
]


# -- random ledgers ---------------------------------------------------------------------------


@st.composite
def entry(draw, n_accounts):
    """(postings as [(account index, minutes)], day offset from START)."""
    on = draw(st.integers(-40, SPAN + 20))
    if n_accounts < 3 or draw(st.integers(0, 3)):
        giver, receiver = draw(st.lists(st.integers(0, n_accounts - 1), min_size=2, max_size=2, unique=True))
        minutes = draw(st.integers(1, 300))
        return [(giver, minutes), (receiver, -minutes)], on
    people = draw(st.lists(st.integers(0, n_accounts - 1), min_size=3, max_size=min(6, n_accounts), unique=True))
    k = draw(st.integers(1, len(people) - 1))
    givers, receivers = people[:k], people[k:]
    gave = [draw(st.integers(10, 180)) for _ in givers]
    total = sum(gave)
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=len(receivers) - 1,
                                max_size=len(receivers) - 1, unique=True)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=False)]
    return [(g, m) for g, m in zip(givers, gave, strict=False)] + [(r, -m) for r, m in zip(receivers, parts, strict=False)], on


@st.composite
def ledgers(draw):
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=8))
    organisations = draw(st.integers(0, 1))
    pot = draw(st.booleans())
    n_accounts = len(kinds) + organisations + int(pot)
    kept = draw(st.lists(entry(n_accounts), min_size=1, max_size=10))
    undone = draw(st.lists(entry(n_accounts), max_size=4))
    # Reversals dated as the original, or today (as when the original's month is closed).
    late = [draw(st.booleans()) for _ in undone]
    order = draw(st.permutations(range(len(kept) + len(undone))))
    # Kind changes: before the i-th kept entry is posted, member m becomes kind k.
    changes = draw(st.lists(st.tuples(st.integers(0, len(kept) - 1), st.integers(0, len(kinds) - 1),
                                      st.sampled_from(KINDS)), max_size=2))
    # The period: whole months, or cut anywhere (part months are read from the postings), up to today.
    if draw(st.booleans()):
        period = (START, END)
    else:
        first = draw(st.integers(-45, SPAN + 25))
        last = draw(st.integers(first, TO_TODAY))
        period = (START + timedelta(days=first), START + timedelta(days=last))
    return {"kinds": kinds, "organisations": organisations, "pot": pot, "kept": kept, "undone": undone,
            "late": late, "order": order, "changes": changes, "period": period}


def build(ledger, *, with_undone: bool) -> Book:
    book = Book.new()
    accounts = [book.person(kind) for kind in ledger["kinds"]]
    accounts += [book.organisation(f"Organisation {i}") for i in range(ledger["organisations"])]
    if ledger["pot"]:
        accounts.append(book.pot())
    entries = ledger["kept"] + (ledger["undone"] if with_undone else [])
    posted = {}
    for i in ledger["order"]:
        if i >= len(entries):
            continue
        for at, member, kind in ledger["changes"]:
            if at == i:  # the same changes, at the same point among the kept entries, in both books
                book.accounts[accounts[member].id].kind_id = kind_by_code(book.cid, kind).id
                db.session.commit()
        postings, on = entries[i]
        posted[i] = book.post([(accounts[a], m) for a, m in postings], START + timedelta(days=on),
                              kind="exchange" if len(postings) == 2 else "group_session")
    if with_undone:
        for j in range(len(ledger["undone"])):
            entry_id = posted[len(ledger["kept"]) + j]
            book.reverse(entry_id, on=book.community.today() if ledger["late"][j] else None)
    return book


def export_rows(book) -> list[dict]:
    rows = [dict(zip(CSV_COLUMNS, row, strict=False)) for row in posting_rows()]
    rows = [r for r in rows if r["community"] == book.community.slug]
    for row in rows:  # as the CSV writer would write them
        for key, value in row.items():
            row[key] = "" if value is None else str(value)
    return rows


def dig(rep, path):
    value = rep
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


# -- properties -------------------------------------------------------------------------------


def assert_shares_in_unit_interval(rep):
    for path in SHARES:
        value = dig(rep, path)
        assert value is None or 0 <= value <= 1, f"{'.'.join(path)} = {value}"
    for cohort in rep.get("A5") or []:
        for key in ("m3", "m6", "m12"):
            assert cohort.get(key) is None or 0 <= cohort[key] <= 1, f"A5 {cohort}"
    for point in (rep.get("series") or {}).get("two_way_share") or []:
        assert point.get("share") is None or 0 <= point["share"] <= 1, f"series {point}"
    for key in ("C4", "D3"):
        assert rep[key] is None or -1 - 1e-9 <= rep[key] <= 1 + 1e-9, f"{key} = {rep[key]}"
    assert rep["B3"]["rho"] is None or rep["B3"]["rho"] <= 1 + 1e-9


def given_and_received_by_kind(rows, start, end):
    """Minutes given and received by each kind, from the export rows (entries in T, reversed
    ones and reversals left out)."""
    by_entry = defaultdict(list)
    for row in rows:
        by_entry[row["entry_id"]].append(row)
    given, received = defaultdict(int), defaultdict(int)
    for postings in by_entry.values():
        first = postings[0]
        if first["reverses_entry_id"] or first["reversed_by_entry_id"]:
            continue
        if not start.isoformat() <= first["occurred_on"] <= end.isoformat():
            continue
        for p in postings:
            kind = {"organisation": "organisation", "pot": "pot"}.get(p["account_type"], p["member_kind"])
            minutes = int(p["minutes"])
            if minutes > 0:
                given[kind] += minutes
            else:
                received[kind] -= minutes
    return given, received


def assert_c1_adds_up(rep, rows, start, end):
    given, received = given_and_received_by_kind(rows, start, end)
    c1 = normalised_c1(rep["C1"])
    cells = len({b for row in c1.values() for b in row}) or 1
    for kind in set(given) | set(c1):
        row = sum((v or 0) for v in (c1.get(kind) or {}).values())
        # Each cell is rounded to the nearest minute: a row is off by at most half a minute a cell.
        assert abs(row - given.get(kind, 0)) <= 0.5 * cells, f"C1 row {kind}: {row} != given {given.get(kind, 0)}"
    for kind in set(received) | {b for row in c1.values() for b in row}:
        column = sum((row or {}).get(kind) or 0 for row in c1.values())
        assert abs(column - received.get(kind, 0)) <= 0.5 * len(c1 or {0: 0}), (
            f"C1 column {kind}: {column} != received {received.get(kind, 0)}"
        )


@SETTINGS
@given(ledger=ledgers())
def test_shares_flows_and_reversals(app, ledger):
    start, end = ledger["period"]
    plain = build(ledger, with_undone=False)
    corrected = build(ledger, with_undone=True)
    expected = report(plain.community, start, end)
    actual = report(corrected.community, start, end)

    assert_shares_in_unit_interval(actual)
    rows = export_rows(corrected)
    assert_c1_adds_up(actual, rows, start, end)
    # Entries that were reversed (with their reversals) change no figure.
    assert_close(figures(actual), figures(expected))

    # The headline figures agree with a recomputation from the export rows alone.
    again = recompute(rows, start, end)
    assert_close(actual["B1"], again.B1())
    assert_close(actual["B3"], again.B3())
    assert_close(actual["D1"], again.D1())
    assert_c1_matches(actual["C1"], again.C1())
    assert actual["A2"]["entries"] == again.entries and actual["A2"]["minutes"] == again.minutes


# -- suppression ------------------------------------------------------------------------------


def people_in_cells(rows, start, end):
    """For each C1 cell, the member accounts whose minutes are in it (givers and receivers)."""
    by_entry = defaultdict(list)
    for row in rows:
        by_entry[row["entry_id"]].append(row)
    people = defaultdict(set)
    for postings in by_entry.values():
        first = postings[0]
        if first["reverses_entry_id"] or first["reversed_by_entry_id"]:
            continue
        if not start.isoformat() <= first["occurred_on"] <= end.isoformat():
            continue
        kind = {"organisation": "organisation", "pot": "pot"}
        givers = [p for p in postings if int(p["minutes"]) > 0]
        receivers = [p for p in postings if int(p["minutes"]) < 0]
        for g in givers:
            for r in receivers:
                cell = (kind.get(g["account_type"], g["member_kind"]), kind.get(r["account_type"], r["member_kind"]))
                for p in (g, r):
                    if p["account_type"] == "member":
                        people[cell].add(p["member_ref"])
    return people


def assert_not_recoverable(rep, full, rows, start, end):
    """`rep` is suppressed, `full` the same report unsuppressed."""
    threshold = rep["threshold"]
    suppressed = rep["suppressed"] or {}
    c1, c1_full = normalised_c1(rep["C1"]), normalised_c1(full["C1"])
    hidden = [(a, b) for a, row in c1.items() for b, v in (row or {}).items() if v is None]
    for a, b in hidden:
        a, b = (RAW_POT if k == "pot" and RAW_POT in str(suppressed) else k for k in (a, b))
        assert f"C1.{a}.{b}" in suppressed or f"C1.{a}" in suppressed or "C1" in suppressed, (a, b, suppressed)
    # A cell with minutes built from fewer than `threshold` people (even counting both its
    # givers and its receivers) is hidden.
    for (a, b), who in people_in_cells(rows, start, end).items():
        if (c1_full.get(a) or {}).get(b) and len(who) < threshold:
            assert (c1.get(a) or {}).get(b) is None, f"C1.{a}.{b} from {len(who)} people is shown"
    # Nothing hidden can be recovered by subtraction: from the published total minutes (the sum
    # of all cells), a lone hidden cell could be.
    total_published = rep["A2"]["minutes"] is not None
    if total_published and hidden:
        assert len(hidden) >= 2, f"one hidden cell {hidden} is A2.minutes minus the others"
    # C2 is the ratio of two C1 cells (and min/max of them): if it is published while one of
    # them is hidden and the other is shown and not zero, the hidden one is the shown one times
    # (or over) the ratio.
    up = (c1.get("service_user") or {}).get("professional")
    down = (c1.get("professional") or {}).get("service_user")
    ratio, symmetric = rep["C2"]["ratio"], rep["C2"]["symmetric"]
    for hidden_cell, shown_cell in ((up, down), (down, up)):
        if hidden_cell is None and shown_cell:
            assert ratio is None and not symmetric, (
                f"C2 {rep['C2']} and the shown cell {shown_cell} give away the hidden one"
            )
    # Shares and counts over fewer than `threshold` active members are hidden.
    active = full["A1"]["active"]
    if active < threshold:
        for path in (("B1",), ("B2", "within_half"), ("A3", "top20_share"), ("A3", "gini")):
            assert dig(rep, path) is None, f"{'.'.join(path)} shown for {active} active members"
    # Histogram bins under the threshold are hidden, and never just one of them when the
    # number of active members (their total) is published.
    bins = (rep["B2"] or {}).get("histogram")
    full_bins = full["B2"]["histogram"]
    if bins is not None:
        for shown, count in zip(bins, full_bins, strict=False):
            assert shown is None or shown == count
            assert shown is None or count == 0 or count >= threshold, f"a bin of {count} is shown"
        if rep["A1"].get("active") is not None:
            assert sum(1 for b in bins if b is None) != 1, "one hidden bin is the active count minus the rest"


#: Found by this test: four service users and the pot; member 0 becomes a volunteer part way
#: through, after which member 3 gives member 0 one minute twice. C1.service_user.volunteer
#: (2 minutes between 2 people) was shown under suppression.
KIND_CHANGE_CELL = {
    "kinds": ["service_user"] * 4, "organisations": 0, "pot": True,
    "kept": [([(0, 1), (1, -1)], 0), ([(0, 1), (1, -1)], 0), ([(3, 1), (0, -1)], 0), ([(0, 1), (1, -1)], 0),
             ([(0, 1), (1, -1)], -9), ([(3, 1), (0, -1)], 0), ([(0, 1), (1, -1)], 0),
             ([(0, 10), (1, -1), (2, -1), (3, -1), (4, -7)], 0)],
    "undone": [([(0, 1), (1, -1)], 0)], "late": [False], "order": [0, 1, 7, 6, 8, 3, 2, 4, 5],
    "changes": [(2, 0, "volunteer")], "period": (START, END),
}


@SETTINGS
@given(ledger=ledgers())
@example(ledger=KIND_CHANGE_CELL)
def test_suppression_leaves_nothing_small_recoverable(app, ledger):
    start, end = ledger["period"]
    book = build(ledger, with_undone=True)
    full = report(book.community, start, end)
    rep = report(book.community, start, end, suppress=True)
    assert rep["threshold"] >= 5
    # Suppression only hides: every figure shown is the unsuppressed figure.
    def same_or_hidden(shown, value, path):
        if shown is None:
            return
        if isinstance(value, dict):
            for key in value:
                same_or_hidden((shown or {}).get(key), value[key], f"{path}.{key}")
        elif isinstance(value, list) and isinstance(shown, list):
            for i, (s, v) in enumerate(zip(shown, value, strict=False)):
                same_or_hidden(s, v, f"{path}[{i}]")
        elif isinstance(value, float):
            assert math.isclose(shown, value, rel_tol=1e-9, abs_tol=1e-9), path
        else:
            assert shown == value, path

    for key, value in figures(full).items():
        same_or_hidden(rep.get(key), value, key)
    assert_not_recoverable(rep, full, export_rows(book), start, end)
