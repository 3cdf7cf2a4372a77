"""The story first (issue 12): the summary at the top of the report page for a funder and a
coordinator, with each headline figure's change against the previous period of the same length,
fetched through the same `compute_report` call and so suppressed alike; and a header that offers
a funder no "Messages" link (the page answers 403 to anyone without a time account)."""
import copy
import re
from datetime import date, timedelta
from html import unescape

import pytest
from coordinate_support import sign_in, text
from report_fixture import REPORT

from timebank.reports import views
from timebank.services.report_periods import Period


class TwoPeriods:
    """Stands in for `compute_report`: the fixture's report for the period asked for, with the
    previous quarter's figures lower, and B1 hidden before; records (start, end, suppress)."""

    def __init__(self):
        self.calls = []

    def __call__(self, community, period, unsuppressed):
        self.calls.append((period.start, period.end, not unsuppressed))
        report = copy.deepcopy(REPORT)
        report["period"] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
        report["community"] = {"slug": community.slug, "name": community.name}
        if period.start < date(2026, 1, 1):
            report["A2"]["hours"], report["A2"]["minutes"] = 1000.0, 60000
            report["A1"]["active"] = 200
            report["B1"] = None
            report["suppressed"]["B1"] = "fewer than 5 people"
            report["C2"]["symmetric"] = 0.92
        return report


@pytest.fixture
def reports(monkeypatch):
    fake = TwoPeriods()
    monkeypatch.setattr(views, "compute_report", fake)
    # The closed periods a funder may choose from (here: no month has been closed for real).
    monkeypatch.setattr(views, "allowed_periods", lambda community: [
        Period(date(2025, 10, 1), date(2025, 12, 31), "quarter", "2025-Q4"),
        Period(date(2026, 1, 1), date(2026, 3, 31), "quarter", "2026-Q1"),
    ])
    return fake


def summary_text(response) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'<section class="report-summary".*?</section>', html, re.S)
    assert match, "no summary"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(0)))).strip()


@pytest.fixture
def coordinator(make_member):
    membership, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    return membership


@pytest.fixture
def funder(make_member):
    membership, _ = make_member(role="funder", name="Fiona Funder")
    return membership


@pytest.mark.parametrize("who", ["funder", "coordinator"])
def test_the_summary_leads_the_report(client, auth, community, reports, request, who):
    sign_in(auth, request.getfixturevalue(who))
    response = client.get("/reports/riverside/?period=2026-Q1")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    h2s = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert h2s[0] == "Summary", h2s  # before the picker and every section
    summary = summary_text(response)
    assert "Changes are against Q4 2025." in summary
    # Hours 1,000 -> 1,234.5 (+23%); members 200 -> 212 (+6%); C2 unchanged.
    assert "1,234.5" in summary and "+23%" in summary and "(was 1,000)" in summary
    assert "212" in summary and "+6%" in summary
    assert "0.92" in summary and "no change" in summary
    # B1 is shown, but was hidden last quarter: its change stays hidden too.
    assert "61%" in summary and "No comparison: fewer than 5 people" in summary
    messages = re.findall(r"<li>(.*?)</li>", html.split('class="summary-messages"')[1].split("</ul>")[0])
    assert len(messages) == 3
    assert "Members exchanged 1,234.5 hours, 23% more than in Q4 2025." in messages
    assert not any(name in summary for name in ("Cora", "Fiona", "Person")), "a name in the summary"
    # The previous quarter came through the same call, with the same suppression.
    suppress = who == "funder"
    assert reports.calls == [(date(2026, 1, 1), date(2026, 3, 31), suppress), (date(2025, 10, 1), date(2025, 12, 31), suppress)]


def test_a_custom_range_compares_with_as_many_days_before(client, auth, community, coordinator, reports):
    sign_in(auth, coordinator)
    response = client.get("/reports/riverside/?from=2026-01-15&to=2026-02-14")
    assert response.status_code == 200
    assert reports.calls[1] == (date(2025, 12, 15), date(2026, 1, 14), False)
    assert "Changes are against 15 Dec 2025 to 14 Jan 2026." in text(response)


def test_a_month_still_running_compares_like_with_like(client, auth, community, coordinator, reports):
    today = community.today()
    first = today.replace(day=1)
    before_last = first - timedelta(days=1)
    before_first = before_last.replace(day=1)
    sign_in(auth, coordinator)
    client.get("/reports/riverside/?period=" + today.strftime("%Y-%m"))
    # The same days at the start of the month before: 1 to 4 November against 1 to 4 December.
    assert reports.calls[1] == (before_first, min(before_last, before_first + (today - first)), False)


def test_the_part_month_is_marked_in_the_table(client, auth, community, coordinator, reports):
    sign_in(auth, coordinator)
    page = text(client.get("/reports/riverside/?from=2026-01-01&to=2026-03-20"))
    assert "2026-03, part month: to 20 Mar" in page
    assert "2026-01, part month" not in page
    html = client.get("/reports/riverside/?from=2026-01-01&to=2026-03-20").get_data(as_text=True)
    assert 'fill="url(#chart-monthly-hours-part)"' in html


def test_the_role_flow_chart_says_when_a_total_is_only_of_the_cells_shown(client, auth, community, funder, reports):
    sign_in(auth, funder)
    html = client.get("/reports/riverside/?period=2026-Q1").get_data(as_text=True)
    chart = html.split('id="chart-role-flow-title"')[1].split("</svg>")[0]
    assert "Carer (68 h: total of the cells shown)" in chart  # C1.carer.pot is hidden in the fixture
    assert "Volunteer (292 h)" in chart  # nothing hidden: the true total


def test_a_funder_is_not_offered_messages(client, auth, community, funder, coordinator, reports):
    sign_in(auth, funder)
    html = client.get("/reports/riverside/?period=2026-Q1").get_data(as_text=True)
    header = html.split('<header class="site-header">')[1].split("</header>")[0]
    assert "/notifications" not in header and "Reports" in header
    assert client.get("/notifications").status_code == 403  # what the link would have led to
    sign_in(auth, coordinator)
    header = client.get("/reports/riverside/?period=2026-Q1").get_data(as_text=True).split("</header>")[0]
    assert "/notifications" in header
