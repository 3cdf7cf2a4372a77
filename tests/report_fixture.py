"""A report dict in the shape of docs/report-format.md, for the report pages' tests, and a
stand-in for `get_report` that records how it was called."""
import copy

KINDS = {
    "service_user": "Service user", "carer": "Carer", "volunteer": "Volunteer", "professional": "Professional",
    "organisation": "Organisation", "pot": "Community pot",
}

REPORT = {
    "period": {"from": "2026-01-01", "to": "2026-03-31"},
    "community": {"slug": "riverside", "name": "Riverside Timebank"},
    "status": {"live": True, "frozen_at": None, "computed_at": "2026-04-02T10:00:00+00:00"},
    "threshold": 5,
    "suppressed": {"A4": "fewer than 5 people", "C1.carer.pot": "fewer than 5 people", "A5.2026-02.m3": "fewer than 5 people",
                   "B2.histogram.0": "fewer than 5 people"},
    "kinds": KINDS,
    "A1": {"share": 0.61, "share_90d": 0.55, "active": 212, "registered": 347, "active_90d": 190},
    "A2": {
        "hours": 1234.5, "minutes": 74070, "entries": 980, "hours_per_active": 5.82, "median_minutes_per_entry": 60,
        "monthly": [
            {"month": "2026-01", "minutes": 24000, "entries": 320},
            {"month": "2026-02", "minutes": 25070, "entries": 330},
            {"month": "2026-03", "minutes": 25000, "entries": 330},
        ],
        "by_flow": {"member": {"minutes": 60000, "entries": 800}, "organisation": {"minutes": 12070, "entries": 160},
                    "pot": {"minutes": 2000, "entries": 20}},
    },
    "A3": {"top20_share": 0.52, "gini": 0.41},
    "A4": None,
    "A4_base": {"with_offer": 60, "gave": 29},
    "A5": [
        {"cohort": "2026-01", "joined": 14, "m3": 0.71, "m6": None, "m12": None},
        {"cohort": "2026-02", "joined": 6, "m3": None, "m6": None, "m12": None},
    ],
    "A6": {"joined": 23, "first_within_30d": 0.65},
    "B1": 0.61,
    "B2": {"histogram": [None, 30, 80, 50, 40], "within_half": 0.7},
    "B3": {"r": 0.31, "rho": 0.29, "r_w": 0.22},
    "B4": {"member_share": 0.8, "minute_share": 0.9},
    "B5": {"median_days": 21, "within_90d": 0.74},
    "B6": {"beyond_25h": 0.03, "gini_given": 0.5, "gini_received": 0.45},
    "C1": {
        "service_user": {"service_user": 3000, "carer": 900, "volunteer": 4000, "professional": 1200, "organisation": 300, "pot": 0},
        "carer": {"service_user": 2000, "carer": 400, "volunteer": 1000, "professional": 700, "organisation": 0, "pot": None},
        "volunteer": {"service_user": 9000, "carer": 1500, "volunteer": 6000, "professional": 800, "organisation": 200, "pot": 0},
        "professional": {"service_user": 1100, "carer": 300, "volunteer": 900, "professional": 2000, "organisation": 0, "pot": 0},
        "organisation": {"service_user": 5000, "carer": 1000, "volunteer": 4000, "professional": 0, "organisation": 0, "pot": 0},
        "pot": {"service_user": 1200, "carer": 0, "volunteer": 800, "professional": 0, "organisation": 0, "pot": 0},
    },
    "C2": {"ratio": 1.09, "symmetric": 0.92},
    "C3": {"professionals_receiving": 0.4, "service_users_giving": 0.7},
    "C4": -0.12,
    "C5": [{"from": "service_user", "to": "volunteer", "members": 6}],
    "D1": {"components": 3, "largest_share": 0.97},
    "D2": 0.12,
    "D3": 0.4,
    "D4": {"coordinator_share": 0.3, "matched_share": 0.08},
    "D5": {"median_partners": 4, "max_partners": 31, "new_partners_per_quarter": [{"quarter": "2026-Q1", "value": 1.2}]},
    "D6": {"requests": 40, "matched_share": 0.6, "median_days": 9},
    "E1": {"low": 15073.0, "central": 18517.5, "high": 30862.5, "currency": "GBP", "hours": 1234.5},
    "G1": {"steps": {"identify": {"minutes": 600, "entries": 5}, "do_together": {"minutes": 3000, "entries": 40}},
           "rungs": {"co_design": {"minutes": 900, "entries": 12}}},
    "series": {"two_way_share": [
        {"month": "2026-01", "share": 0.5, "active": 100},
        {"month": "2026-02", "share": 0.55, "active": 110},
        {"month": "2026-03", "share": None, "active": 4},
    ]},
    "corrections": {"reversed_entries": 3},
}


class FakeReports:
    """Stands in for `compute_report`: answers REPORT with the community and period asked for,
    and remembers every call as (slug, start, end, suppress)."""

    def __init__(self):
        self.calls = []

    def __call__(self, community, period, unsuppressed):
        self.calls.append((community.slug, period.start, period.end, not unsuppressed))
        report = copy.deepcopy(REPORT)
        report["period"] = {"from": period.start.isoformat(), "to": period.end.isoformat()}
        report["community"] = {"slug": community.slug, "name": community.name}
        return report
