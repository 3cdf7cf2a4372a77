"""The research export (`flask --app wsgi ledger export --format research -o FILE.zip`): A4, A5,
A6, C5, D4 and D6 recomputed from the zip alone and compared with the report; no name, email,
phone, listing text or note in it.

On a small demo community (a fixed seed, with listings, matches, kind changes, group sessions,
organisations, the pot and reversals). The recomputation (`Export` and `recompute_*`) uses only
csv, zipfile and the standard library: it reads nothing of the app.
"""
import csv
import io
import statistics
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

import pytest

from timebank.extensions import db

# -- the recomputation: csv + zipfile only ---------------------------------------------------

COORDINATOR_CONFIRMATIONS = {"phone", "paper", "in_person", "recorder"}
TIME_KINDS = {"exchange", "group_session"}


class Export:
    def __init__(self, path):
        with zipfile.ZipFile(path) as archive:
            self.files = {
                name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
                for name in archive.namelist() if name.endswith(".csv")
            }
        self.entries: dict[str, dict] = {}
        for row in self.files["postings.csv"]:
            entry = self.entries.setdefault(row["entry_id"], {
                "kind": row["entry_kind"], "on": date.fromisoformat(row["occurred_on"]),
                "counted": not row["reverses_entry_id"] and not row["reversed_by_entry_id"],
                "reversed": bool(row["reversed_by_entry_id"]), "postings": [],
            })
            entry["postings"].append(row)
        self.confirmation = {row["entry_id"]: row["confirmation"] for row in self.files["entries.csv"]}

    def counted(self, start, end):
        return [(i, e) for i, e in self.entries.items() if e["counted"] and (start is None or start <= e["on"]) and e["on"] <= end]

    def given(self, start, end) -> dict[str, int]:
        out = defaultdict(int)
        for _, entry in self.counted(start, end):
            for p in entry["postings"]:
                if p["account_type"] == "member" and int(p["minutes"]) > 0:
                    out[p["member_ref"]] += int(p["minutes"])
        return out


def ratio(part, whole):
    return None if not whole else part / whole


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def recompute_a4(x: Export, start, end):
    with_offer = {
        row["member_ref"] for row in x.files["listings.csv"]
        if row["type"] == "offer" and date.fromisoformat(row["opened_on"]) <= end
        and (not row["closed_on"] or date.fromisoformat(row["closed_on"]) >= start)
    }
    given = x.given(start, end)
    return ratio(sum(1 for m in with_offer if given.get(m, 0) > 0), len(with_offer))


def recompute_a5(x: Export, end):
    last_month = end.replace(day=1)
    first_cohort = add_months(last_month, -23)
    cohorts = defaultdict(list)
    for row in x.files["members.csv"]:
        joined = date.fromisoformat(row["joined_on"])
        if row["status"] != "pending" and joined <= end and joined.replace(day=1) >= first_cohort:
            cohorts[joined.replace(day=1)].append(row["member_ref"])
    last_active = {}
    for _, entry in x.counted(None, end):
        month = entry["on"].replace(day=1)
        for p in entry["postings"]:
            if p["account_type"] == "member":
                last_active[p["member_ref"]] = max(last_active.get(p["member_ref"], month), month)
    out = []
    for month in sorted(cohorts):
        members = cohorts[month]
        row = {"cohort": f"{month:%Y-%m}", "joined": len(members)}
        for k in (3, 6, 12):
            mark = add_months(month, k)
            row[f"m{k}"] = None if mark > last_month else ratio(
                sum(1 for m in members if m in last_active and last_active[m] >= mark), len(members))
        out.append(row)
    return out


def recompute_a6(x: Export, start, end):
    first_day = {}
    for _, entry in x.counted(None, end):
        for p in entry["postings"]:
            if p["account_type"] == "member" and int(p["minutes"]):
                first_day[p["member_ref"]] = min(first_day.get(p["member_ref"], entry["on"]), entry["on"])
    joined = [
        (row["member_ref"], date.fromisoformat(row["joined_on"])) for row in x.files["members.csv"]
        if row["status"] != "pending" and start <= date.fromisoformat(row["joined_on"]) <= end
    ]
    quick = sum(1 for ref, on in joined if ref in first_day and first_day[ref] <= on + timedelta(days=30))
    return {"joined": len(joined), "first_within_30d": ratio(quick, len(joined))}


def recompute_c5(x: Export, start, end):
    people = defaultdict(set)
    for row in x.files["kind_changes.csv"]:
        if row["from_kind"] and start <= date.fromisoformat(row["changed_on"]) <= end:
            people[(row["from_kind"], row["to_kind"])].add(row["member_ref"])
    return [{"from": a, "to": b, "members": len(refs)} for (a, b), refs in sorted(people.items())]


def recompute_d4(x: Export, start, end):
    time_entries = [i for i, e in x.counted(start, end) if e["kind"] in TIME_KINDS]
    coordinated = sum(1 for i in time_entries if x.confirmation[i] in COORDINATOR_CONFIRMATIONS)
    matched = 0
    for row in x.files["matches.csv"]:
        entry = x.entries.get(row["entry_id"])
        if entry is not None and start <= entry["on"] <= end and not entry["reversed"]:
            matched += 1
    return {"coordinator_share": ratio(coordinated, len(time_entries)), "matched_share": ratio(matched, len(time_entries))}


def recompute_d6(x: Export, start, end):
    opened = {
        row["listing_id"]: date.fromisoformat(row["opened_on"]) for row in x.files["listings.csv"]
        if row["type"] == "request" and start <= date.fromisoformat(row["opened_on"]) <= end
    }
    first = {}
    for row in x.files["matches.csv"]:
        if row["request_listing_id"] in opened and row["entry_id"]:
            on = x.entries[row["entry_id"]]["on"]
            first[row["request_listing_id"]] = min(first.get(row["request_listing_id"], on), on)
    waits = [max(0, (on - opened[i]).days) for i, on in first.items()]
    return {
        "requests": len(opened),
        "matched_share": ratio(len(first), len(opened)),
        "median_days": round(statistics.median(waits), 1) if waits else None,
    }


# -- the test --------------------------------------------------------------------------------


def close(actual, expected, path):
    if isinstance(expected, dict):
        assert set(actual) == set(expected), f"{path}: {actual} != {expected}"
        for key in expected:
            close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: {actual} != {expected}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=5.001e-5), f"{path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


@pytest.fixture
def demo(app):
    from sqlalchemy import select

    from timebank.demo import seed_demo
    from timebank.models import Membership, MembershipStatus, Role
    from timebank.services.people import kind_by_code
    from timebank.services.people.standing import set_kind

    summary = seed_demo(members=30, exchanges=500, seed=12, password=app.config["DEMO_PASSWORD"])
    # The demo gives each member one kind; some change kind on dates through its history.
    memberships = db.session.scalars(
        select(Membership).where(Membership.role == Role.MEMBER, Membership.status == MembershipStatus.ACTIVE).order_by(Membership.id)
    ).all()
    coordinator = db.session.scalars(select(Membership).where(Membership.role == Role.COORDINATOR)).first()
    targets = ["volunteer", "carer", "professional", "volunteer", "service_user", "volunteer", "carer"]
    for k, (membership, target) in enumerate(zip(memberships[::5], targets, strict=False)):
        kind = kind_by_code(coordinator.community_id, target)
        if membership.kind_id != kind.id:
            on = datetime.combine(summary.end - timedelta(days=25 * k + 3), time(12), tzinfo=UTC)
            set_kind(coordinator, membership.id, kind.id, now=on)
    db.session.commit()
    return summary


def test_six_figures_recompute_from_the_research_export_alone_which_names_nobody(app, runner, demo, tmp_path):
    from timebank.metrics import get_report
    from timebank.services.communities import get_community

    path = tmp_path / "research.zip"
    result = runner.invoke(args=["ledger", "export", "--format", "research", "-o", str(path)])
    assert result.exit_code == 0, result.output
    x = Export(path)
    for name in ("listings.csv", "matches.csv", "kind_changes.csv", "members.csv", "entries.csv"):
        assert x.files[name], f"{name} is empty: the demo should give it rows"
    community = get_community("demo")
    first_month = demo.end.replace(day=1)
    periods = [(demo.start, demo.end), (add_months(first_month, -3), first_month - timedelta(days=1)),
               (add_months(first_month, -5) + timedelta(days=14), demo.end)]
    for start, end in periods:
        db.session.expire_all()
        rep = get_report(community, start, end, suppress=False)
        label = f"{start}..{end}"
        close(rep["A4"], recompute_a4(x, start, end), f"{label} A4")
        close(rep["A5"], recompute_a5(x, end), f"{label} A5")
        close(rep["A6"], recompute_a6(x, start, end), f"{label} A6")
        close(rep["C5"], recompute_c5(x, start, end), f"{label} C5")
        close(rep["D4"], recompute_d4(x, start, end), f"{label} D4")
        close(rep["D6"], recompute_d6(x, start, end), f"{label} D6")
        if (start, end) == (demo.start, demo.end):  # not a comparison of empty figures
            assert rep["A4"] and rep["A5"] and rep["A6"]["joined"] and rep["C5"] and rep["D4"]["matched_share"]
            assert rep["D6"]["requests"] and rep["D6"]["matched_share"]

    # The same archive holds no name, email, phone, profile or listing text, note or reason.
    from sqlalchemy import select

    from timebank.models import Entry, Listing, Membership, User

    with zipfile.ZipFile(path) as archive:
        body = "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    secrets = set()
    for user in db.session.scalars(select(User)):
        secrets.update({user.email, user.name})
    for membership in db.session.scalars(select(Membership)):
        secrets.update(v for v in (membership.display_name, membership.phone, membership.skills, membership.application_note) if v)
    for listing in db.session.scalars(select(Listing)):
        secrets.update(v for v in (listing.title, listing.description) if v and len(v) > 12)
    for entry in db.session.scalars(select(Entry)):
        secrets.update(v for v in (entry.note, entry.reason) if v and len(v) > 8)
    secrets = {s for s in secrets if s}
    assert len(secrets) > 40  # the demo has people, listings and notes to hide
    found = sorted(s for s in secrets if s in body)
    assert not found, found[:5]


def test_an_unknown_community_is_one_line_and_a_non_zero_exit(app, runner, tmp_path):
    result = runner.invoke(args=["ledger", "export", "--format", "research", "--community", "nowhere", "-o", str(tmp_path / "r.zip")])
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0 and "nowhere" in result.output
