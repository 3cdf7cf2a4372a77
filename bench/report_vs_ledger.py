"""The full funder report against ledger-cli's plain balance report, on the same data.

Seeds the demo at 10k members and 1M exchanges into a SQLite database (reused from
bench/results/ when present; PostgreSQL with --database-url), exports it as a journal with
`ledger export --format ledger`, then, in one run:

- `ledger -f JOURNAL balance`: wall time and peak memory (each run a fresh process);
- the full report (every metric of METRICS.md over the demo's whole history, unsuppressed and
  then suppressed for a funder) computed cold: each run a fresh Python process that imports
  the app, so nothing is cached; wall time of `get_report` and the process's peak memory;
- the ratio report / ledger. Targets (issue 5): at most 0.10, and under 500 MB.

Two periods are timed: the whole months of the history (as closed periods and most reports
are) and the same up to today (a part month read from the postings).

    .venv/bin/python bench/report_vs_ledger.py [--runs 3] [--database-url URL]
"""
import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
PYTHON = str(ROOT / ".venv" / "bin" / "python")

# Run in a fresh interpreter: times get_report and prints JSON with seconds and peak memory.
CHILD = """
import json, resource, sys, time
from datetime import date
sys.path.insert(0, {root!r})
import config
from timebank import create_app
from timebank.extensions import db
from timebank.models import Community
from timebank import metrics
app = create_app(type("Bench", (config.Production,), {{"SQLALCHEMY_DATABASE_URI": {url!r}, "SECRET_KEY": "bench",
                 "RATELIMIT_STORAGE_URI": "memory://"}}))
with app.app_context():
    community = db.session.query(Community).filter_by(slug="demo").one()
    start, end = date.fromisoformat({start!r}), date.fromisoformat({end!r})
    began = time.perf_counter()
    report = metrics.get_report(community, start, end, suppress={suppress})
    seconds = time.perf_counter() - began
print(json.dumps({{"seconds": seconds, "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "entries": report["A2"]["entries"], "active": report["A1"]["active"]}}))
"""


def seeded(url: str | None) -> str:
    if url:
        return url
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "report-1M.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        print("seeding 10000 members and 1000000 exchanges (several minutes) ...", flush=True)
        subprocess.run([*FLASK, "demo", "seed", "--members", "10000", "--exchanges", "1000000", "--seed", "7"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def journal(url: str) -> Path:
    path = RESULTS / f"report-{hashlib.sha256(url.encode()).hexdigest()[:12]}.journal"
    if not path.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run([*FLASK, "ledger", "export", "--format", "ledger", "--output", str(path)], cwd=ROOT, env=env, check=True)
    return path


def time_ledger(path: Path, runs: int) -> tuple[float, int]:
    times, peak = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        # `time -f %M` gives each run's own peak; RUSAGE_CHILDREN would keep the largest so far.
        done = subprocess.run(["/usr/bin/time", "-f", "%M", "ledger", "-f", str(path), "balance"],
                              check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - began)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]))
    return statistics.median(times), peak


def time_report(url: str, start: str, end: str, suppress: bool, runs: int) -> tuple[float, int, dict]:
    times, peak, last = [], 0, {}
    code = CHILD.format(root=str(ROOT), url=url, start=start, end=end, suppress=suppress)
    for _ in range(runs):
        done = subprocess.run(["/usr/bin/time", "-f", "%M", PYTHON, "-c", code], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        last = json.loads(done.stdout.strip().splitlines()[-1])
        times.append(last["seconds"])
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]))
    return statistics.median(times), peak, last


def history(url: str) -> tuple[str, str, str]:
    """First day of the history, last day of its last whole month, and its last day."""
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        first, last = connection.execute(text("SELECT min(occurred_on), max(occurred_on) FROM entry")).one()
    engine.dispose()
    first, last = (str(first)[:10], str(last)[:10])
    from datetime import date

    last_day = date.fromisoformat(last)
    whole = last_day.replace(day=1) - timedelta(days=1)
    return first[:8] + "01", whole.isoformat(), last_day.isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="an already seeded database (default: SQLite in bench/results)")
    args = parser.parse_args()
    if not shutil.which("ledger"):
        sys.exit("Error: ledger-cli is not installed (apt-get install ledger)")
    url = seeded(args.database_url)
    path = journal(url)
    start, whole_end, end = history(url)
    print(f"database: {url}\njournal: {path} ({path.stat().st_size / 1e6:.0f} MB)\nhistory: {start} to {end}")

    ledger_s, ledger_kb = time_ledger(path, args.runs)
    print(f"ledger balance:                  median {ledger_s:7.2f} s   peak {ledger_kb / 1024:6.0f} MB   ({args.runs} runs)")
    for label, period_end in (("whole months", whole_end), ("up to the last day", end)):
        for suppress in (False, True):
            seconds, kb, last = time_report(url, start, period_end, suppress, args.runs)
            who = "funder" if suppress else "coordinator"
            print(
                f"report {start}..{period_end} ({label}, {who}): median {seconds:7.2f} s   peak {kb / 1024:6.0f} MB   "
                f"ratio to ledger {seconds / ledger_s:5.3f}   ({last['entries']} entries, {last['active']} active members)"
            )
    print("targets: ratio <= 0.100, peak < 500 MB")


if __name__ == "__main__":
    main()
