"""Funders read only closed periods (issue 12): the page, its CSVs, report.json and the API
refuse custom dates and open months with `period_not_available`, coordinators keep any range;
the picker lists only the closed periods for a funder and shows the one on display; the status
line never calls a past period "Live"; and the API serves the same consistently suppressed
reports as `get_funder_report`."""
import re
from datetime import timedelta

import pytest
from api_support import bearer, token_for
from coordinate_support import give, last_month, sign_in, text

from timebank.extensions import db
from timebank.metrics.funder_periods import allowed_periods, get_funder_report
from timebank.services.periods import close_month


@pytest.fixture
def world(app, community, make_member):
    """Riverside with two closed months of exchanges among nine members, a coordinator and a funder."""
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    fiona, _ = make_member(role="funder", name="Fiona Funder")
    accounts = [make_member(kind=kind)[1] for kind in ["service_user", "volunteer", "carer"] * 3]
    last = last_month(community)
    before = (last - timedelta(days=1)).replace(day=1)
    for month in (before, last):
        for i, giver in enumerate(accounts):
            give(community, giver, accounts[(i + 1) % len(accounts)], 30 + 5 * i, month + timedelta(days=i + 1))
    db.session.commit()
    for month in (before, last):
        close_month(community, month, actor_id=cora.user_id)
    db.session.commit()
    return {"cora": cora, "fiona": fiona, "last": last, "before": before, "community": community}


def options(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', response.get_data(as_text=True))


def selected(response) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected', response.get_data(as_text=True))


def test_a_funder_lands_on_the_last_closed_period_and_chooses_only_closed_ones(client, auth, world):
    sign_in(auth, world["fiona"])
    last, before = world["last"], world["before"]
    response = client.get("/reports/riverside/")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    # Two closed months and the programme; no quarter (it needs all three of its months).
    assert set(options(response)) == {f"{last:%Y-%m}", f"{before:%Y-%m}", "programme"}
    assert selected(response) == [f"{last:%Y-%m}"]
    page = text(response)
    assert f"Showing: {last:%B %Y}" in page
    assert 'name="from"' not in response.get_data(as_text=True)  # no custom dates for a funder
    assert "Frozen on" in page and "Live" not in page
    # The whole programme, shown as such and selected.
    programme = client.get("/reports/riverside/?period=programme")
    assert programme.status_code == 200
    assert selected(programme) == ["programme"]
    assert "Showing: The whole programme" in text(programme)
    # The exact dates of a closed month are that month (the page's own CSV and JSON links).
    query = f"from={last.isoformat()}&to={(world['community'].today().replace(day=1) - timedelta(days=1)).isoformat()}"
    assert client.get(f"/reports/riverside/report.json?{query}").status_code == 200
    assert client.get(f"/reports/riverside/role_flow.csv?{query}").status_code == 200
    coordinator_sees_the_period_on_display(client, auth, world)


def test_a_funder_cannot_ask_for_custom_dates_or_an_open_period(client, auth, world):
    today = world["community"].today()
    last = world["last"]
    for query in (
        f"from={last.isoformat()}&to={(last + timedelta(days=9)).isoformat()}",  # custom dates
        f"period={today:%Y-%m}",  # the month still open
        f"period={last.year}-Q{(last.month - 1) // 3 + 1}",  # a quarter not all closed
    ):
        refused_to_a_funder_and_shown_to_a_coordinator(client, auth, world, query)


def refused_to_a_funder_and_shown_to_a_coordinator(client, auth, world, query):
    sign_in(auth, world["fiona"])
    page = client.get(f"/reports/riverside/?{query}")
    assert page.status_code == 400
    assert "That period cannot be shown" in text(page) and 'name="period"' in page.get_data(as_text=True)
    assert client.get(f"/reports/riverside/role_flow.csv?{query}").status_code == 400
    json = client.get(f"/reports/riverside/report.json?{query}")
    assert json.status_code == 400 and json.get_json()["error"]["code"] == "period_not_available"
    api = client.get(f"/api/v1/communities/riverside/report?{query}", headers=bearer(token_for(world["fiona"])))
    assert api.status_code == 400 and api.get_json()["code"] == "period_not_available"
    programme = client.get(f"/reports/?{query}")
    assert programme.status_code == 400 and "That period cannot be shown" in text(programme)
    # A coordinator may ask for any of these.
    sign_in(auth, world["cora"])
    assert client.get(f"/reports/riverside/?{query}").status_code == 200
    assert client.get(f"/reports/riverside/report.json?{query}").status_code == 200
    assert client.get(f"/api/v1/communities/riverside/report?{query}", headers=bearer(token_for(world["cora"]))).status_code == 200


def test_the_api_serves_every_allowed_period_as_the_funder_report(client, world):
    community = world["community"]
    secret = token_for(world["fiona"])
    periods = allowed_periods(community)
    assert periods
    for period in periods:
        response = client.get(f"/api/v1/communities/riverside/report?period={period.value}", headers=bearer(secret))
        assert response.status_code == 200, response.get_data(as_text=True)
        got, expected = response.get_json(), get_funder_report(community, period)
        for report in (got, expected):
            report.pop("status", None)
        assert got == expected, period.value
        assert got["suppressed"], "nine members: some cells are hidden"


def coordinator_sees_the_period_on_display(client, auth, world):
    sign_in(auth, world["cora"])
    year = client.get("/reports/riverside/?period=2024")
    assert year.status_code == 200 and selected(year) == ["2024"]
    assert "Showing: 2024" in text(year)
    old = client.get("/reports/riverside/?period=2020-03")  # older than the list: still shown
    assert selected(old) == ["2020-03"]
    # A past range that is not closed is not "Live" (the 2020 bug).
    page = text(client.get("/reports/riverside/?from=2020-01-01&to=2020-12-31"))
    assert "Live" not in page and "not closed all its months yet" in page
    custom = client.get("/reports/riverside/?from=2024-01-05&to=2024-02-10")
    assert 'name="from"' in custom.get_data(as_text=True) and selected(custom) == [""]
