"""The summary at the top of a report (timebank/reports/summary.py), on hand-made report dicts:
the previous period of the same length, each headline's change, hidden figures that stay hidden
with their change, and three key messages chosen from the figures, never with a name."""
import copy
import re
from datetime import date

import pytest
from flask import Flask
from flask_babel import Babel
from report_fixture import REPORT

from timebank.reports import charts, summary
from timebank.reports.tables import TABLES, part_months
from timebank.services.report_periods import Period


@pytest.fixture(autouse=True)
def babel():
    """Dates and numbers as the pages show them (en), in a bare Flask app: no database."""
    app = Flask(__name__)
    Babel(app)
    with app.app_context(), app.test_request_context():
        yield


def report(**changes) -> dict:
    """The fixture report with figures replaced: report(**{"A2.hours": 900, "B1": None})."""
    data = copy.deepcopy(REPORT)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[last] = value
    return data


def hide(data: dict, *paths: str) -> dict:
    for path in paths:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[last] = None
        data["suppressed"][path] = "fewer than 5 people"
    return data


def by_id(result) -> dict:
    return {f.id: f for f in result.figures}


# -- the previous period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "whole_only", "expected"),
    [
        (Period(date(2026, 3, 1), date(2026, 3, 31), "month", "2026-03"), False, (date(2026, 2, 1), date(2026, 2, 28), "month")),
        (Period(date(2026, 1, 1), date(2026, 3, 31), "quarter", "2026-Q1"), False, (date(2025, 10, 1), date(2025, 12, 31), "quarter")),
        (Period(date(2025, 1, 1), date(2025, 12, 31), "year", "2025"), True, (date(2024, 1, 1), date(2024, 12, 31), "year")),
        # Still running: the same days at the start of the one before, for a coordinator...
        (Period(date(2026, 12, 1), date(2026, 12, 4), "month", "2026-12", True), False, (date(2026, 11, 1), date(2026, 11, 4), "custom")),
        (Period(date(2026, 3, 1), date(2026, 3, 31), "month", "2026-03", True), False, (date(2026, 2, 1), date(2026, 2, 28), "custom")),
        # ...and only ever a whole period for a funder.
        (Period(date(2026, 12, 1), date(2026, 12, 4), "month", "2026-12", True), True, (date(2026, 11, 1), date(2026, 11, 30), "month")),
        # A custom range: as many days just before.
        (Period(date(2026, 1, 15), date(2026, 2, 14), "custom"), False, (date(2025, 12, 15), date(2026, 1, 14), "custom")),
    ],
)
def test_the_previous_period_has_the_same_length(period, whole_only, expected):
    before = summary.previous_period(period, whole_only=whole_only)
    assert (before.start, before.end, before.kind) == expected


def test_no_previous_period_outside_what_can_be_compared():
    assert summary.previous_period(Period(date(2026, 1, 1), date(2026, 2, 1), "custom"), whole_only=True) is None
    assert summary.previous_period(Period(date(2000, 1, 1), date(2000, 1, 31), "month", "2000-01")) is None
    assert summary.previous_period(Period(date(2024, 1, 1), date(2026, 10, 31), "programme", "programme")) is None


# -- the headline figures and their change ---------------------------------------------------------


def test_each_headline_shows_its_change():
    before = report(**{"B1": 0.55, "A2.hours": 1000.0, "A2.minutes": 60000, "A1.active": 250, "C2.symmetric": 0.92})
    result = summary.build(report(), before, Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    figures = by_id(result)
    assert [f.id for f in result.figures] == ["B1", "A2", "A1", "C2"]
    assert (figures["B1"].text, figures["B1"].change, figures["B1"].direction) == ("61%", "+6 points", "up")
    assert (figures["A2"].text, figures["A2"].change, figures["A2"].previous_text) == ("1,234.5", "+23%", "1,000")
    assert (figures["A1"].change, figures["A1"].direction) == ("\u221215%", "down")
    assert (figures["C2"].change, figures["C2"].direction) == ("no change", "same")
    assert result.previous_label == "Q4 2025"


def test_a_hidden_figure_stays_hidden_and_so_does_its_change():
    # Hidden now: no value, no change, whatever the previous period showed.
    result = summary.build(hide(report(), "B1"), report(B1=0.5), Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    b1 = by_id(result)["B1"]
    assert (b1.value, b1.text, b1.change, b1.previous_text) == (None, "fewer than 5 people", None, None)
    assert b1.no_change_reason == "fewer than 5 people"
    # Hidden before: the figure is shown, its change is not (it would give the hidden one back).
    result = summary.build(report(), hide(report(), "C2.symmetric"), Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    c2 = by_id(result)["C2"]
    assert c2.text == "0.92" and c2.change is None and c2.previous_text is None
    assert not any("0.92" in m and "now" in m for m in result.messages)


def test_a_previous_period_with_nothing_in_it_is_no_comparison():
    empty = report(**{"A2.minutes": 0, "A2.hours": 0, "A1.active": 0, "B1": None, "C2.symmetric": None})
    result = summary.build(report(), empty, Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    assert result.previous_label is None
    assert all(f.change is None for f in result.figures)
    assert by_id(result)["A2"].no_change_reason == "no figures for Q4 2025"
    assert len(result.messages) == 3


# -- key messages ------------------------------------------------------------------------------


def test_three_messages_lead_with_the_most_notable_change():
    before = report(**{"A2.hours": 600.0, "A2.minutes": 36000, "B1": 0.6, "A1.active": 210})
    result = summary.build(report(), before, Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    assert len(result.messages) == 3
    assert result.messages[0] == "Members exchanged 1,234.5 hours, 106% more than in Q4 2025."
    assert "61% of the members who took part both gave and received time." in result.messages


def test_a_fall_is_said_plainly():
    before = report(**{"B1": 0.75, "A1.active": 300})
    result = summary.build(report(), before, Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    assert result.messages[:2] == [
        "88 fewer members took part than in Q4 2025: 212 in all.",  # -29%: the larger change
        "The share of members who both gave and received fell from 75% to 61% since Q4 2025.",
    ]


def test_without_a_comparison_the_messages_are_facts():
    result = summary.build(report(), None, None)
    assert result.previous_label is None
    assert result.messages == [
        "61% of the members who took part both gave and received time.",
        "Service users give professionals almost as much time as they receive from them (0.92, where 1 is equal both ways).",
        "70% of the service users who took part also gave time, not only received it.",
    ]


def test_when_everything_is_hidden_the_messages_say_so_and_invent_nothing():
    data = hide(report(), "B1", "A2.hours", "A1.active", "C2.symmetric", "C3.service_users_giving")
    result = summary.build(data, None, None)
    assert result.messages == ["Some figures are hidden because fewer than 5 people are behind them."]
    assert all(f.text == "fewer than 5 people" for f in result.figures)


def test_no_message_carries_a_name_or_a_hidden_number():
    data = hide(report(), "C2.symmetric")
    data["community"]["name"] = "Riverside Timebank"
    before = report(**{"A2.hours": 100.0, "A2.minutes": 6000})
    result = summary.build(data, before, Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"))
    text = " ".join(result.messages)
    assert "Riverside" not in text and "0.92" not in text
    assert "@" not in text


# -- charts: part months and totals ----------------------------------------------------------------


def test_the_part_month_is_hatched_and_labelled_in_the_charts():
    data = report(period={"from": "2026-01-01", "to": "2026-03-20"})
    data["series"]["two_way_share"][2]["share"] = 0.6
    assert part_months(data) == {"2026-03": "to 20 Mar"}
    tables = {name: build(data) for name, build in TABLES.items()}
    assert tables["monthly"].rows[-1][0].label == "2026-03, part month: to 20 Mar"
    drawn = charts.for_report(data, tables, str, str)
    assert 'fill="url(#chart-monthly-hours-part)"' in drawn["monthly_hours"]
    assert ">to 20 Mar</text>" in drawn["monthly_hours"] and "2026-03 is a part month" in drawn["monthly_hours"]
    assert 'fill="#fff" stroke=' in drawn["two_way_share"]  # the part month's point is hollow


def test_a_row_total_with_hidden_cells_says_it_is_of_the_cells_shown():
    tables = {name: build(REPORT) for name, build in TABLES.items()}
    drawn = str(charts.for_report(REPORT, tables, str, str)["role_flow"])
    assert "Carer (68 h: total of the cells shown)" in drawn  # C1.carer.pot is hidden
    assert "Service user (157 h)" in drawn


def test_no_label_is_drawn_outside_the_chart():
    data = report(period={"from": "2025-12-10", "to": "2026-12-04"})
    data["A2"]["monthly"] = [{"month": f"{2025 + (m + 11) // 12}-{(m + 11) % 12 + 1:02d}", "minutes": 60000 * (m + 1),
                              "entries": 900} for m in range(13)]
    data["series"]["two_way_share"] = [{"month": item["month"], "share": 0.5, "active": 100} for item in data["A2"]["monthly"]]
    tables = {name: build(data) for name, build in TABLES.items()}
    for name, svg in charts.for_report(data, tables, str, str).items():
        for match in re.finditer(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(\w+)"[^>]*?(?:textLength="(\d+)")?[^>]*>([^<]*)</text>',
                                 str(svg)):
            x, anchor, squeezed, label = float(match[1]), match[2], match[3], match[4]
            width = float(squeezed) if squeezed else charts.text_width(label)
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            assert left >= 0 and left + width <= charts.WIDTH, f"{name}: {label!r} at {left:.0f}..{left + width:.0f}"


def test_a_figure_hidden_because_it_changed_says_so_not_that_few_people_are_behind_it():
    """Across funder periods a sum that no longer adds up to its months (an entry reversed since
    it was reported) is hidden for that reason: the page must not call it "fewer than 5 people"."""
    from timebank.metrics.privacy import CHANGED

    changed = report(**{"A2.hours": None})
    changed["suppressed"] = {**(changed.get("suppressed") or {}), "A2.hours": CHANGED}
    few = report(**{"B1": None})
    few["suppressed"] = {**(few.get("suppressed") or {}), "B1": "fewer than 5 people"}
    shown = {h.path: h.text for h in summary.headlines(changed, None)}
    assert shown["A2.hours"] == "hidden: it changed after the period was reported"
    assert {h.path: h.text for h in summary.headlines(few, None)}["B1"] == "fewer than 5 people"
