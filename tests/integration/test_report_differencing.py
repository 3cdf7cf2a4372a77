"""Funder periods that cannot be differenced (METRICS.md, privacy rules; issue 12).

A hand-built ledger of five closed months with many small cells (a professional and a service
user trading a few minutes, a carer now and then, an organisation once, co-production steps
with one or two people), and a big volunteer-to-service-user flow. A funder may read every
closed month, each closed quarter and the whole programme. For every pair of published
additive figures (the same figure across two periods, or two cells of one group in a period),
their sum and difference must not equal a hidden value of that figure; nested periods must not
isolate a month that hides the cell; and no published ratio times a published figure gives back
a hidden role-flow cell. The true values come from the unsuppressed report.

One entry of the first month is reversed after that month was frozen, and before its quarter
was: the frozen quarter no longer adds up to its frozen months, and the cells it changed must
be hidden in the quarter rather than reveal the change.
"""
import itertools
from datetime import timedelta

from conftest import months_ago

from tests.metrics_support import Book, day
from tests.metrics_support import report as report_of
from timebank.dates import next_month
from timebank.extensions import db
from timebank.metrics import get_report
from timebank.metrics.context import months_between
from timebank.metrics.funder_periods import allowed_periods, get_funder_report
from timebank.metrics.privacy import additive_cells, is_hidden, lookup, suppress_consistently
from timebank.services.periods import close_month

FIRST = months_ago(6)
#: Five months: any five months in a row hold a whole quarter.
MONTHS = months_between(FIRST, months_ago(2))
#: The first month of the first quarter all of whose months are among MONTHS.
QUARTER_START = next(m for m in MONTHS if m.month in (1, 4, 7, 10))


def last_day(month):
    return next_month(month) - timedelta(days=1)


def build(book: Book):
    vols = [book.person("volunteer") for _ in range(6)]
    users = [book.person("service_user") for _ in range(6)]
    pros = [book.person("professional") for _ in range(3)]
    carers = [book.person("carer") for _ in range(2)]
    clinic = book.organisation()
    for m, month in enumerate(MONTHS):
        on = lambda k, month=month: month + timedelta(days=k)  # noqa: E731
        for k, vol in enumerate(vols):  # a big cell: 12 people every month
            book.give(vol, users[(k + m) % 6], 30 + 7 * k + 3 * m, on(k + 1), coproduction_step="do_together")
        for k in range(6):  # service users among themselves, volunteers among themselves: big
            book.give(users[k], users[(k + 1) % 6], 16 + 4 * k + m, on(k + 20))
            book.give(vols[k], vols[(k + 1) % 6], 25 + 6 * k + 2 * m, on(k + 20))
        for k, user in enumerate(users[:5]):  # 5 service users give to 5 volunteers: big
            book.give(user, vols[(k + 2 * m) % 6], 20 + 5 * k + 2 * m, on(k + 8))
        book.give(pros[m % 3], users[m % 6], 37 + 11 * m, on(14))  # professional -> service user: 2 people
        if m % 2 == 0:
            book.give(users[(m + 1) % 6], pros[(m + 1) % 3], 23 + 13 * m, on(15), ladder_rung="consultation")
        if m in (1, 3, 4):
            book.give(carers[m % 2], vols[m], 41 + 5 * m, on(16), coproduction_step="identify")
        if m == 2:
            book.give(clinic, users[2], 90, on(17))
        if month == QUARTER_START:
            small = book.give(pros[2], carers[0], 53, on(18))
    # Close every month in order; after the quarter's first month is frozen, reverse one of its
    # small entries (the reversal dated in the next, still open, month).
    for month in MONTHS:
        close_month(book.community, month, actor_id=None)
        db.session.commit()
        if month == QUARTER_START:
            book.reverse(small, on=next_month(month) + timedelta(days=20))


def make_ledger():
    book = Book.new("differencing")
    build(book)
    db.session.expire_all()
    periods = allowed_periods(book.community)
    published = {(p.start, p.end): get_funder_report(book.community, p) for p in periods}
    exact = {(p.start, p.end): get_report(book.community, p.start, p.end, suppress=False, raw=True) for p in periods}
    return book, periods, published, exact


def _the_allowed_periods_are_the_closed_months_quarters_and_programme(ledger):
    book, periods, _, _ = ledger
    months = [p for p in periods if p.kind == "month"]
    assert [p.start for p in months] == MONTHS
    quarters = [p for p in periods if p.kind == "quarter"]
    assert quarters and all(set(months_between(q.start, q.end)) <= set(MONTHS) for q in quarters)
    assert len(quarters) == sum(1 for m in MONTHS if m.month in (1, 4, 7, 10) and m <= MONTHS[-3])
    programme = [p for p in periods if p.kind == "programme"]
    assert [(p.start, p.end) for p in programme] == [(FIRST, last_day(MONTHS[-1]))]
    assert not [p for p in periods if p.kind == "year"]  # no year has all twelve months closed


def additive_values(report: dict) -> dict:
    """(cell key, compared path) -> value, for every additive figure of a report."""
    out = {}
    for key, (_paths, compared) in additive_cells(report).items():
        for path, _tolerance in compared:
            out[(key, path.rsplit(".", 1)[-1])] = lookup(report, path)
    return out


def hidden_and_shown(published: dict, exact: dict):
    """Per period: {figure: true value} of what is hidden, and {figure: value} of what is shown."""
    hidden, shown = {}, {}
    for period, report in published.items():
        true = additive_values(exact[period])
        for figure, value in additive_values(report).items():
            if figure[0][0] == "series.two_way_share":
                continue  # shares of one month, not sums over months
            if value is None:
                if true.get(figure):
                    hidden.setdefault(period, {})[figure] = true[figure]
            else:
                shown.setdefault(period, {})[figure] = value
    return hidden, shown


def _something_is_hidden_and_the_big_cells_are_shown(ledger):
    _, periods, published, _ = ledger
    month = published[(MONTHS[0], last_day(MONTHS[0]))]
    assert month["C1"]["professional"]["service_user"] is None
    assert month["A2"]["minutes"] is not None
    assert month["G1"]["steps"]["do_together"]["minutes"] is not None
    assert month["G1"]["rungs"]["consultation"]["minutes"] is None  # two people
    programme = next(p for p in periods if p.kind == "programme")
    whole = published[(programme.start, programme.end)]
    # Over the programme the professional-to-service-user cell has 6 people, but its months do
    # not: hidden all the same (over-suppression, the price of consistency).
    assert whole["C1"]["professional"]["service_user"] is None
    assert "a month of the period hides it" in whole["suppressed"]["C1.professional.service_user"]
    # A cell every month shows, and that adds up, is shown over the programme.
    assert whole["G1"]["steps"]["do_together"]["minutes"] == sum(
        published[(m, last_day(m))]["G1"]["steps"]["do_together"]["minutes"] for m in MONTHS)
    assert whole["B1"] is not None  # not additive: the threshold in the period itself


def _no_sum_or_difference_of_two_published_figures_gives_back_a_hidden_one(ledger):
    _, periods, published, exact = ledger
    hidden, shown = hidden_and_shown(published, exact)
    assert sum(len(cells) for cells in hidden.values()) > 20, "the ledger should have many hidden cells"
    hidden_values: dict = {}
    for cells in hidden.values():
        for figure, value in cells.items():
            hidden_values.setdefault(figure, set()).add(value)
    tried = 0
    # The same figure in two periods (nested, overlapping or apart).
    for (p, p_cells), (q, q_cells) in itertools.combinations(shown.items(), 2):
        for figure in p_cells.keys() & q_cells.keys():
            x, y = p_cells[figure], q_cells[figure]
            tolerance = {"C1": 0.5, "E1": 0.006}.get(figure[0][0], 1e-6)
            for combination in (x - y, y - x, x + y):
                tried += 1
                assert not any(abs(combination - h) < tolerance for h in hidden_values.get(figure, ())), (
                    f"{figure} in {p} and {q}: {x} and {y} give {combination}, a hidden value")
    # Two cells of one group (a row, a column, the whole role-flow matrix) in one period, and
    # a cell against the period's minutes.
    for period, report in published.items():
        matrix, true = report["C1"], exact[period]["C1"]
        kinds = list(matrix)
        groups = [[(a, b) for b in kinds] for a in kinds] + [[(b, a) for b in kinds] for a in kinds]
        everything = [(a, b) for a in kinds for b in kinds]
        for group in [*groups, everything]:
            values = {cell: matrix[cell[0]][cell[1]] for cell in group}
            secret = {true[a][b] for (a, b), v in values.items() if v is None and true[a][b]}
            visible = [v for v in values.values() if v is not None]
            total = report["A2"]["minutes"]
            candidates = [x + y for x, y in itertools.combinations(visible, 2)]
            candidates += [abs(x - y) for x, y in itertools.combinations(visible, 2)]
            if total is not None and group is everything:
                candidates += [total - x for x in visible]
            tried += len(candidates)
            assert not [c for c in candidates if any(abs(c - s) < 0.5 for s in secret)], (period, group)
    assert tried > 1000


def _nested_periods_never_isolate_a_month_that_hides_the_cell(ledger):
    _, periods, published, exact = ledger
    month_hidden = {}
    for month in MONTHS:
        report = published[(month, last_day(month))]
        month_hidden[month] = report["suppressed"]
    for outer, inner in itertools.permutations(periods, 2):
        if not (outer.start <= inner.start and inner.end <= outer.end):
            continue
        a, b = published[(outer.start, outer.end)], published[(inner.start, inner.end)]
        cells_a, cells_b = additive_cells(a), additive_cells(b)
        rest = [m for m in months_between(outer.start, outer.end) if not inner.start <= m <= inner.end]
        for key, (paths, _) in cells_a.items():
            if key not in cells_b or any(is_hidden(a["suppressed"], path) for path in paths):
                continue
            if any(is_hidden(b["suppressed"], path) for path in cells_b[key][0]):
                continue
            # Both published: their difference is the cell over `rest`, which must hide nowhere.
            for month in rest:
                own = additive_cells(published[(month, last_day(month))])
                if key in own:
                    assert not any(is_hidden(month_hidden[month], p) for p in own[key][0]), (outer, inner, key, month)


def _no_published_ratio_times_a_published_figure_gives_back_a_hidden_cell(ledger):
    _, _, published, exact = ledger
    for period, report in published.items():
        true = exact[period]
        hidden_cells = {
            round(true["C1"][a][b]) for a, row in report["C1"].items() for b, v in row.items() if v is None and true["C1"][a][b]
        }
        if true["A2"]["hours"] and report["A2"]["hours"] is None:
            hidden_cells.add(true["A2"]["hours"])
        figures = [v for row in report["C1"].values() for v in row.values() if v]
        figures += [v for v in (report["A2"]["minutes"], report["A1"]["active"], report["A2"]["hours"]) if v]
        ratios = [v for v in (report["C2"]["ratio"], report["C2"]["symmetric"], report["A2"]["hours_per_active"],
                              report["B1"], report["A1"]["share"]) if v]
        for ratio, figure in itertools.product(ratios, figures):
            for guess in (ratio * figure, figure / ratio):
                assert not any(abs(guess - h) < max(0.5, 1e-4 * figure) for h in hidden_cells), (period, ratio, figure)
        # C2 is hidden whenever either of its cells is.
        up, down = report["C1"]["service_user"]["professional"], report["C1"]["professional"]["service_user"]
        if up is None or down is None:
            assert report["C2"] == {"ratio": None, "symmetric": None}, period


def _a_quarter_frozen_after_a_reversal_into_its_first_month_hides_what_changed(ledger):
    _, periods, published, exact = ledger
    quarter = next(p for p in periods if p.kind == "quarter" and p.start == QUARTER_START)
    first = exact[(QUARTER_START, last_day(QUARTER_START))]
    whole = exact[(quarter.start, quarter.end)]
    months = [exact[(m, last_day(m))] for m in months_between(quarter.start, quarter.end)]
    # The frozen quarter lacks the reversed 53 minutes its frozen first month still counts.
    assert sum(m["A2"]["minutes"] for m in months) - whole["A2"]["minutes"] == 53 == first["C1"]["professional"]["carer"]
    shown = published[(quarter.start, quarter.end)]
    assert shown["A2"]["minutes"] is None and shown["C1"]["professional"]["carer"] is None
    assert "no longer equals the sum of its months" in shown["suppressed"]["A2.minutes"]


def test_funder_periods_cannot_be_differenced(sqlite_app):
    """One ledger (it takes a few seconds to build and close), every check on it. On SQLite
    only, to keep the suite fast: the rule is the same Python on both backends, and the API test
    in tests/web/test_reports_funder_periods.py runs it on PostgreSQL too."""
    ledger = make_ledger()
    _the_allowed_periods_are_the_closed_months_quarters_and_programme(ledger)
    _no_sum_or_difference_of_two_published_figures_gives_back_a_hidden_one(ledger)
    _nested_periods_never_isolate_a_month_that_hides_the_cell(ledger)
    _no_published_ratio_times_a_published_figure_gives_back_a_hidden_cell(ledger)
    _a_quarter_frozen_after_a_reversal_into_its_first_month_hides_what_changed(ledger)
    _something_is_hidden_and_the_big_cells_are_shown(ledger)


def test_g1_cells_are_suppressed_by_the_people_behind_them(app):
    book = Book.new("coproduction-people")
    a, b = book.person(), book.person()
    for k in range(8):  # eight entries between two people: hidden
        book.give(a, b, 30, day(k + 1), coproduction_step="ideas")
    people = [book.person() for _ in range(5)]
    for k, giver in enumerate(people[:-1]):  # four entries among five people: shown
        book.give(giver, people[k + 1], 45, day(k + 1), ladder_rung="co_design")
    shown = report_of(book.community, suppress=True)
    assert shown["G1"]["steps"]["ideas"] == {"minutes": None, "entries": None}
    assert shown["suppressed"]["G1.steps.ideas"] == "fewer than 5 people"
    assert shown["G1"]["rungs"]["co_design"] == {"minutes": 180, "entries": 4}


def test_c2_and_other_ratios_are_hidden_with_the_figures_they_are_built_from():
    """No database: a month and a quarter made of it and two more, as plain dicts."""
    def month(up_people, up, down, active=9):
        return {
            "C1": {"service_user": {"professional": up, "service_user": 500},
                   "professional": {"service_user": down, "professional": 400}},
            "C2": {"ratio": round(up / down, 4), "symmetric": round(min(up, down) / max(up, down), 4)},
            "A1": {"active": active, "registered": 20, "share": active / 20},
            "A2": {"hours": (up + down + 900) / 60, "minutes": up + down + 900, "entries": 9, "hours_per_active": 1.0,
                   "monthly": [], "by_flow": {}},
            "_bases": {"C1.service_user.professional": [None, up_people], "C1.professional.service_user": [None, 6],
                       "C1.service_user.service_user": [None, 7], "C1.professional.professional": [None, 6],
                       "C2": [None, min(up_people, 6)], "A1.active": [None, active], "A2": [None, active]},
        }
    small, big = month(2, 30, 120), month(7, 200, 150)
    alone = suppress_consistently(small, {"m": small}, 5)
    assert alone["C2"] == {"ratio": None, "symmetric": None}
    quarter = month(11, 230 + 200, 120 + 150 + 150)
    quarter["_bases"]["C2"] = [None, 11]
    shown = suppress_consistently(quarter, {"m1": small, "m2": big, "m3": month(7, 200, 150)}, 5)
    # The quarter has 11 people behind the upward cell, but one month hides it: hidden, and C2 with it.
    assert shown["C1"]["service_user"]["professional"] is None
    assert shown["C2"] == {"ratio": None, "symmetric": None}
    assert "C2" in shown["suppressed"]
    # A month with too few active members hides its hours, and the hours per active member.
    few = month(7, 200, 150, active=3)
    shown = suppress_consistently(quarter, {"m1": few, "m2": big, "m3": big}, 5)
    assert shown["A2"]["hours"] is None and shown["A2"]["hours_per_active"] is None
