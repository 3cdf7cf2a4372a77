"""Does a member's statement page stay as fast when the ledger is 100 times bigger?

Seeds two SQLite databases with the demo generator (10k and 1M entries; reused from
bench/results/ when present), then times the statement page's server time (the Flask test
client, so no network) for a busy member: the first page, a page deep in their history (by key),
and a month filter. Prints medians and the ratio large/small for each; keyset pagination should
keep the ratio near 1.

    .venv/bin/python bench/statement_scaling.py [--runs 30]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SIZES = {"10k": ("200", "10000"), "1M": ("10000", "1000000")}


def seeded(label: str) -> str:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"statement-{label}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        members, exchanges = SIZES[label]
        env = {**os.environ, "DATABASE_URL": url}
        flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        print(f"seeding {label} ({members} members, {exchanges} entries) ...", flush=True)
        subprocess.run([*flask, "demo", "seed", "--members", members, "--exchanges", exchanges, "--seed", "7"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def measure(url: str, runs: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    import config
    from timebank import create_app
    from timebank.extensions import db
    from timebank.models import Account, Membership, Posting, User

    app = create_app(type("Bench", (config.Development,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False}))
    with app.app_context():
        # The busiest member, so that "deep in their history" means something.
        account_id, email = db.session.execute(
            select(Account.id, User.email)
            .join(Membership, Membership.id == Account.membership_id)
            .join(User, User.id == Membership.user_id)
            .order_by(Account.sequence.desc())
            .limit(1)
        ).one()
        sequence = db.session.scalar(select(func.max(Posting.sequence)).where(Posting.account_id == account_id))
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": app.config["DEMO_PASSWORD"]})
    assert response.status_code == 302, "demo login failed"
    pages = {"first page": "/statement", "deep page": f"/statement?before={max(sequence // 10, 2)}"}
    timings = {}
    for name, path in pages.items():
        client.get(path)  # warm
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200
        timings[name] = statistics.median(samples)
    timings["postings of member"] = sequence
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    small = measure(seeded("10k"), args.runs)
    large = measure(seeded("1M"), args.runs)
    print(f"{'statement page':<16}{'10k entries':>14}{'1M entries':>14}{'ratio':>8}")
    for name in ("first page", "deep page"):
        print(f"{name:<16}{small[name] * 1000:>11.2f} ms{large[name] * 1000:>11.2f} ms{large[name] / small[name]:>8.2f}")
    print(f"(busiest member's postings: {small['postings of member']} and {large['postings of member']}; medians of {args.runs} runs)")


if __name__ == "__main__":
    main()
