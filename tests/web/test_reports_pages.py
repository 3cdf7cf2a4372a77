"""The report pages against a report dict in the documented shape (tests/report_fixture.py):
periods, the page's sections, each CSV against the JSON, and the programme view."""
import csv
import io
import re
from datetime import date

import pytest
from coordinate_support import sign_in, text
from csv_support import spreadsheet_text
from report_fixture import REPORT, FakeReports
from werkzeug.datastructures import MultiDict

from timebank.extensions import db
from timebank.reports import views
from timebank.reports.tables import TABLES
from timebank.services.communities import create_community
from timebank.services.people import add_membership
from timebank.services.periods import close_month
from timebank.services.report_periods import InvalidPeriod, parse_period

TODAY = date(2026, 11, 26)


def period(**args):
    return parse_period(MultiDict(args), TODAY)


# -- periods (no database) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "start", "end", "kind", "to_date"),
    [
        ({"period": "2026-10"}, date(2026, 10, 1), date(2026, 10, 31), "month", False),
        ({"period": "2024-02"}, date(2024, 2, 1), date(2024, 2, 29), "month", False),
        ({"period": "2026-11"}, date(2026, 11, 1), TODAY, "month", True),
        ({"period": "2026-Q3"}, date(2026, 7, 1), date(2026, 9, 30), "quarter", False),
        ({"period": "2025-q4"}, date(2025, 10, 1), date(2025, 12, 31), "quarter", False),
        ({"period": "2026-Q4"}, date(2026, 10, 1), TODAY, "quarter", True),
        ({"period": "2025"}, date(2025, 1, 1), date(2025, 12, 31), "year", False),
        ({"from": "2026-01-15", "to": "2026-02-14"}, date(2026, 1, 15), date(2026, 2, 14), "custom", False),
        ({"from": "2026-03-01", "to": "2026-03-01"}, date(2026, 3, 1), date(2026, 3, 1), "custom", False),
        ({}, date(2026, 1, 1), TODAY, "year", True),
        ({"period": ""}, date(2026, 1, 1), TODAY, "year", True),
    ],
)
def test_periods_parse(app, args, start, end, kind, to_date):
    parsed = period(**args)
    assert (parsed.start, parsed.end, parsed.kind, parsed.to_date) == (start, end, kind, to_date)
    assert parsed.label


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-00"}, "period"),
        ({"period": "2026-Q5"}, "period"),
        ({"period": "last month"}, "period"),
        ({"period": "2027"}, "period"),
        ({"period": "2026-12"}, "period"),
        ({"period": "1850"}, "period"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "26-01-01", "to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"from": "2026-03-01"}, "to"),
        ({"to": "2026-03-01"}, "from"),
        ({"from": "2026-01-01", "to": "2026-12-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-31"}, "from"),
        ({"period": "custom"}, "from"),
    ],
)
def test_bad_periods_say_what_is_wrong(app, args, field):
    with pytest.raises(InvalidPeriod) as raised:
        period(**args)
    assert raised.value.code == "invalid_period" and raised.value.status == 400
    assert raised.value.details["field"] == field
    assert str(raised.value)


# -- pages -----------------------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch):
    reports = FakeReports()
    monkeypatch.setattr(views, "compute_report", reports)
    return reports


@pytest.fixture
def coordinator(make_member):
    membership, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    return membership


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(spreadsheet_text(response))))


def test_the_report_page_reads_in_the_order_of_the_metrics(client, auth, community, coordinator, fake):
    sign_in(auth, coordinator)
    response = client.get("/reports/riverside/?period=2026-Q1")
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    page = text(response)
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", response.get_data(as_text=True))
    sections = ["How to read this report", "Participation", "Mutuality", "Blurred roles", "Networks", "Value",
                "Co-production", "Methods"]
    assert [h for h in headings if h in sections] == sections
    assert "Of the 212 people who took part, 61% both gave and received." in page
    assert "fewer than 5 people" in page  # A4, hidden in the fixture
    # Q1 2026 has ended but none of its months is closed: not "Live" (the 2020 bug).
    assert "This period has ended, but a coordinator has not closed all its months yet" in page
    assert "Live:" not in page
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 5 and "<script" not in html
    assert 'class="num heat-4"' in html  # the largest role flow, shaded and numbered
    # The report, then the previous quarter for the summary's comparison, alike.
    assert fake.calls == [("riverside", date(2026, 1, 1), date(2026, 3, 31), False),
                          ("riverside", date(2025, 10, 1), date(2025, 12, 31), False)]


def test_a_frozen_report_says_when_it_was_frozen(client, auth, community, coordinator, monkeypatch):
    def frozen(community, period, unsuppressed):
        report = FakeReports()(community, period, unsuppressed)
        report["status"] = {"live": False, "frozen_at": "2026-04-03T09:00:00+00:00", "computed_at": None}
        return report

    monkeypatch.setattr(views, "compute_report", frozen)
    sign_in(auth, coordinator)
    page = text(client.get("/reports/riverside/?period=2026-03"))
    assert "Frozen on 3 April 2026 when March 2026 was closed." in page


@pytest.mark.parametrize("query", ["period=2026-13", "period=soon", "from=2026-05-01&to=2026-04-01", "from=2026-02-31&to=2026-03-01", "to=2026-01-01"])
def test_a_bad_period_is_a_message_not_an_error(client, auth, community, coordinator, fake, query):
    sign_in(auth, coordinator)
    response = client.get(f"/reports/riverside/?{query}")
    assert response.status_code == 400
    assert "There is a problem with the period" in text(response)
    assert 'name="period"' in response.get_data(as_text=True)  # the picker, to try again
    json = client.get(f"/reports/riverside/report.json?{query}")
    assert json.status_code == 400
    assert json.get_json()["error"]["code"] == "invalid_period" and json.get_json()["error"]["message"]
    assert client.get(f"/reports/riverside/monthly.csv?{query}").status_code == 400
    assert fake.calls == []


def test_json_is_the_report_dict(client, auth, community, coordinator, fake):
    sign_in(auth, coordinator)
    response = client.get("/reports/riverside/report.json?from=2026-01-01&to=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["period"] == {"from": "2026-01-01", "to": "2026-03-31"}
    assert data["B3"] == REPORT["B3"] and data["C1"] == REPORT["C1"]


def test_json_without_dates_is_the_year_to_date(client, auth, community, coordinator, fake):
    sign_in(auth, coordinator)
    data = client.get("/reports/riverside/report.json").get_json()
    today = community.today()
    assert data["period"] == {"from": f"{today.year}-01-01", "to": today.isoformat()}


EXPECTED_HEADERS = {
    "headline": ["metric_id", "value", "suppressed"],
    "monthly": ["month", "minutes", "entries", "suppressed"],
    "flows": ["flow", "minutes", "entries", "suppressed"],
    "histogram": ["bin", "lower", "upper", "members", "suppressed"],
    "role_flow": ["giver_kind", "receiver_kind", "minutes", "suppressed"],
    "two_way_share": ["month", "share", "active", "suppressed"],
    "cohorts": ["cohort", "joined", "m3", "m6", "m12", "suppressed"],
    "kind_changes": ["from_kind", "to_kind", "members", "suppressed"],
    "coproduction": ["dimension", "code", "minutes", "entries", "suppressed"],
}


def test_every_table_has_a_csv_with_its_header(client, auth, community, coordinator, fake):
    assert set(EXPECTED_HEADERS) == set(TABLES)
    sign_in(auth, coordinator)
    page = client.get("/reports/riverside/?from=2026-01-01&to=2026-03-31").get_data(as_text=True)
    for name, header in EXPECTED_HEADERS.items():
        response = client.get(f"/reports/riverside/{name}.csv?from=2026-01-01&to=2026-03-31")
        assert response.status_code == 200, name
        assert spreadsheet_text(response).splitlines()[0] == ",".join(header), name
        assert "attachment" in response.headers["Content-Disposition"]
        assert f"/reports/riverside/{name}.csv?from=2026-01-01&amp;to=2026-03-31" in page, f"no link to {name}.csv"
    assert client.get("/reports/riverside/secrets.csv").status_code == 404


def test_the_csv_files_hold_the_numbers_of_the_json(client, auth, community, coordinator, fake):
    sign_in(auth, coordinator)
    query = "from=2026-01-01&to=2026-03-31"
    data = client.get(f"/reports/riverside/report.json?{query}").get_json()

    def get(name):
        return rows(client.get(f"/reports/riverside/{name}.csv?{query}"))

    def number(value):
        return None if value == "" else float(value)

    assert [(r["month"], int(r["minutes"]), int(r["entries"])) for r in get("monthly")] == [
        (m["month"], m["minutes"], m["entries"]) for m in data["A2"]["monthly"]
    ]
    histogram = get("histogram")
    assert [number(r["members"]) for r in histogram] == data["B2"]["histogram"]
    assert histogram[0]["suppressed"] == "members: fewer than 5 people"
    flows = {(r["giver_kind"], r["receiver_kind"]): number(r["minutes"]) for r in get("role_flow")}
    assert flows == {(a, b): minutes for a, row in data["C1"].items() for b, minutes in row.items()}
    assert [(r["month"], number(r["share"]), int(r["active"])) for r in get("two_way_share")] == [
        (m["month"], m["share"], m["active"]) for m in data["series"]["two_way_share"]
    ]
    cohorts = get("cohorts")
    assert [number(r["m3"]) for r in cohorts] == [c["m3"] for c in data["A5"]]
    assert cohorts[1]["suppressed"] == "m3: fewer than 5 people"
    assert [(r["from_kind"], r["to_kind"], int(r["members"])) for r in get("kind_changes")] == [("service_user", "volunteer", 6)]
    coproduction = {(r["dimension"], r["code"]): (number(r["minutes"]), number(r["entries"])) for r in get("coproduction")}
    assert coproduction[("steps", "do_together")] == (3000, 40) and coproduction[("rungs", "coercion")] == (0, 0)
    headline = {r["metric_id"]: r for r in get("headline")}
    assert number(headline["B1"]["value"]) == data["B1"]
    assert number(headline["B3.rho"]["value"]) == data["B3"]["rho"]
    assert number(headline["C1.service_user.professional"]["value"]) == data["C1"]["service_user"]["professional"]
    assert number(headline["A2.monthly.2026-02.minutes"]["value"]) == 25070
    assert headline["A4"]["value"] == "" and headline["A4"]["suppressed"] == "fewer than 5 people"
    assert headline["A5.2026-01.m6"]["value"] == "" and headline["A5.2026-01.m6"]["suppressed"] == ""
    assert headline["E1.currency"]["value"] == "GBP"


def test_the_programme_view_puts_two_communities_side_by_side(app, client, auth, community, make_member, fake):
    northside = create_community("northside", "Northside Timebank")
    funder, _ = make_member(role="funder", name="Fiona Funder")
    add_membership(funder.user, northside, role="funder")
    db.session.commit()
    for place in (community, northside):  # funders read closed periods only: Q1 2026 is closed
        for month in (1, 2, 3):
            close_month(place, date(2026, month, 1), actor_id=None)
    db.session.commit()
    sign_in(auth, funder)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/reports/")
    response = client.get("/reports/?period=2026-Q1")
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    page = text(response)
    assert "Northside Timebank" in page and "Riverside Timebank" in page
    assert page.index("Northside Timebank") < page.index("Riverside Timebank")
    assert sorted(call[0] for call in fake.calls) == ["northside", "riverside"]
    assert all(call[3] is True for call in fake.calls), "a funder's programme view is suppressed"
    # Combined: the sums, and B1 rebuilt from the counts (2 x 129 of 2 x 212 = 61%).
    assert "2,469" in page  # hours: 2 x 74,070 minutes
    assert "1,960" in page  # entries
    assert "cannot be combined" in page.lower()
    assert "counted in each" in page


def test_a_coordinator_is_pointed_to_their_own_report(client, auth, community, coordinator, fake):
    sign_in(auth, coordinator)
    response = client.get("/reports/")
    assert response.status_code == 200
    assert 'href="/reports/riverside/"' in response.get_data(as_text=True)
    assert fake.calls == []
