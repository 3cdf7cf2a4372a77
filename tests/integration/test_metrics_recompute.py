"""An independent recomputation: B1, B3 (r, rho, r_w), C1 and D1 computed from
`flask --app wsgi ledger export --format csv` alone (never the app's tables), compared with the
report a coordinator reads as `/reports/<slug>/report.json` (unsuppressed) and with
`timebank.metrics.get_report(..., suppress=False)`.

On the demo community (a fixed seed: about 60 members and 3000 entries, with group sessions,
organisations, the pot and reversals) and on a small hand-built ledger.
"""
from datetime import timedelta

import pytest

from tests.metrics_support import (
    END,
    PASSWORD,
    START,
    Book,
    assert_c1_matches,
    assert_close,
    day,
    read_export,
    recompute,
    report,
)
from timebank.extensions import db
from timebank.models import Role


def export_csv(runner) -> str:
    result = runner.invoke(args=["ledger", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    return result.output


def report_json(client, slug, start, end):
    """The report.json a signed-in coordinator gets, or None while the route does not exist."""
    response = client.get(f"/reports/{slug}/report.json?from={start.isoformat()}&to={end.isoformat()}")
    if response.status_code == 404 and not (response.is_json and "B1" in (response.get_json() or {})):
        return None
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()


def assert_matches(rep, again, label):
    assert_close(rep["B1"], again.B1(), f"{label} B1")
    assert_close(rep["B3"], again.B3(), f"{label} B3")
    assert_close(rep["D1"], again.D1(), f"{label} D1")
    assert_c1_matches(rep["C1"], again.C1(), f"{label} C1")


def route_exists(app) -> bool:
    return any(rule.rule.startswith("/reports/") and rule.rule.endswith("report.json") for rule in app.url_map.iter_rules())


def check(app, client, runner, community, periods):
    rows = read_export(export_csv(runner), community.slug)
    assert rows, "the export has no rows for this community"
    has_route = route_exists(app)
    for start, end in periods:
        again = recompute(rows, start, end)
        assert_matches(report(community, start, end), again, f"get_report {start}..{end}")
        if has_route:
            published = report_json(client, community.slug, start, end)
            assert published is not None, "report.json is routed but answered 404"
            assert_matches(published, again, f"report.json {start}..{end}")
    return has_route


@pytest.fixture
def demo(app):
    from timebank.demo import seed_demo

    summary = seed_demo(members=60, exchanges=3000, seed=7, password=app.config["DEMO_PASSWORD"])
    db.session.commit()
    return summary


def quarter_before(day_):
    first = day_.replace(day=1)
    index = first.year * 12 + first.month - 1 - 3
    start = first.replace(year=index // 12, month=index % 12 + 1)
    return start, first - timedelta(days=1)


def test_the_demo_reports_figures_recompute_from_the_export(app, client, runner, auth, demo):
    from timebank.demo import COORDINATOR_EMAIL
    from timebank.services.communities import get_community

    community = get_community("demo")
    assert auth.login(COORDINATOR_EMAIL, app.config["DEMO_PASSWORD"]).status_code == 302
    periods = [(demo.start, demo.end), quarter_before(demo.end), (demo.end.replace(day=1), demo.end)]
    check(app, client, runner, community, periods)


def test_a_hand_built_ledgers_figures_recompute_from_the_export(app, client, runner, auth):
    book = Book.new("recount")
    coordinator = book.person("professional", role=Role.COORDINATOR)
    s1, s2 = book.person("service_user"), book.person("service_user")
    p, v, c = book.person("professional"), book.person("volunteer"), book.person("carer")
    clinic, pot = book.organisation(), book.pot()
    book.give(s1, p, 90, day(1))
    book.give(p, s1, 45, day(2))
    book.group({v: 100, p: 50}, {s1: 50, s2: 50, c: 50}, day(3))
    book.give(c, clinic, 30, day(4))
    book.give(pot, s2, 60, day(40), kind="grant")
    wrong = book.give(s2, v, 500, day(41))
    book.reverse(wrong)
    book.give(v, c, 20, START - timedelta(days=5))  # before the period
    book.give(c, v, 25, END + timedelta(days=5))  # after it
    book.person("carer")  # registered, never active
    db.session.commit()

    # By hand, for the period: members s1, s2, p, v, c active (5), the coordinator not.
    # Member-to-member w: s1->p 90, p->s1 45 + 50*50/150 = 61.67, v->s1 33.33, v->s2 33.33,
    # p->s2 16.67, v->c 33.33, p->c 16.67. Two-way: s1 (G 90, R 95), p (G 95, R 90),
    # c (G 30, R 50); v only gave, s2 only received: B1 = 3/5.
    # Ties: s1->p, p->s1, v->s1, v->s2, p->s2, v->c, p->c: L = 7; reciprocated 2: r = 2/7.
    # a = 7/20; rho = (2/7 - 7/20)/(13/20) = (40 - 49)/140 * 20/13 = -9/91.
    # r_w = 2 * min(90, 61.67) / (90 + 61.67 + 33.33*3 + 16.67*2) = 123.33/285 = 74/171.
    rep = report(book.community)
    assert rep["B1"] == pytest.approx(3 / 5)
    assert_close(rep["B3"], {"r": 2 / 7, "rho": -9 / 91, "r_w": 74 / 171})
    assert_close(rep["D1"], {"components": 1, "largest_share": 1.0})

    assert auth.login(book.accounts[coordinator.id].user.email, PASSWORD).status_code == 302
    check(app, client, runner, book.community, [(START, END), (START - timedelta(days=30), END + timedelta(days=10))])
