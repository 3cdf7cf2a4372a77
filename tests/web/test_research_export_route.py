"""The research export's route (/reports/<slug>/research.zip: coordinators only, logged as an
export) and the report page's "as reported and as it stands now" box and research link."""
import io
import json
import logging
import zipfile

import pytest
from coordinate_support import sign_in, text
from report_fixture import FakeReports

from timebank.reports import views

FILES = {"postings.csv", "members.csv", "kind_changes.csv", "listings.csv", "matches.csv", "entries.csv",
         "dictionary.csv", "README.txt"}


@pytest.fixture
def coordinator(make_member):
    return make_member(kind="professional", role="coordinator", name="Cora Coordinator")[0]


def test_a_coordinator_downloads_the_archive_and_the_download_is_logged(client, auth, community, coordinator, caplog):
    caplog.set_level(logging.INFO, logger="timebank.security")
    sign_in(auth, coordinator)
    response = client.get("/reports/riverside/research.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert set(archive.namelist()) == FILES
        assert "Cora" not in b"".join(archive.read(name) for name in archive.namelist()).decode()
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]
    assert any(e.get("event") == "export.downloaded" and e.get("what") == "research.zip" for e in events), events


@pytest.mark.parametrize("role", ["member", "funder"])
def test_anyone_else_gets_404(client, auth, community, make_member, role):
    membership, _ = make_member(role=role)
    sign_in(auth, membership)
    assert client.get("/reports/riverside/research.zip").status_code == 404


def _restated(report, reasons=True):
    report["status"] = {"live": False, "frozen_at": "2026-04-03T09:00:00+00:00", "computed_at": None}
    report["restated"] = {
        "reported_at": "2026-04-03T09:00:00+00:00", "as_of": "2026-05-10T08:00:00+00:00", "changed": True,
        "reasons": {"reversed_entries": 3, "reversed_minutes": 180, "late_entries": 0, "late_minutes": 0} if reasons else None,
        "figures": {"A2.hours": {"reported": 1234.5, "now": 1231.5, "difference": -3.0}} if reasons else {},
        "suppressed": None if reasons else "fewer than 5 people",
    }
    return report


def test_the_page_shows_the_restated_figures_and_the_research_link_to_a_coordinator(client, auth, community, coordinator, monkeypatch):
    monkeypatch.setattr(views, "compute_report", lambda *a: _restated(FakeReports()(*a)))
    sign_in(auth, coordinator)
    response = client.get("/reports/riverside/?period=2026-03")
    page = text(response)
    assert "As reported on 3 April 2026, and as it stands now" in page
    assert "3 entries of this period were reversed (3 h)" in page
    assert "1,234.5" in page and "1,231.5" in page and "-3" in page
    assert "/reports/riverside/research.zip" in response.get_data(as_text=True)


def test_a_funder_sees_only_that_the_ledger_changed_and_no_research_link(app, community):
    # A funder's view of a closed period, as get_report gives it when few people are behind the
    # change; the partials drawn as the report page draws them.
    from flask import render_template_string

    report = _restated({"period": {"from": "2026-03-01", "to": "2026-03-31"}}, reasons=False)
    with app.test_request_context("/reports/riverside/"):
        html = render_template_string(
            '{% include "reports/_restated.html" %}{% include "reports/_research_link.html" %}',
            report=report, community=community, unsuppressed=False,
        )
    assert "As reported on 3 April 2026, and as it stands now" in html
    assert "the change involves fewer than 5 people, so the restated figures are not shown" in html
    assert "research.zip" not in html and "<table" not in html
