"""How fast does `ledger import` take in a 100k-row file, and how much memory does it use?

Generates a CSV file of past exchanges (with a group session of five every 50 rows) among 200
members, builds a fresh database for each backend (SQLite in a temporary folder; PostgreSQL too
if one answers at postgresql+psycopg://postgres@127.0.0.1:5432/postgres, in a database of its own
that is dropped afterwards), and runs the real command, `flask --app wsgi ledger import`, twice:
the first import writes everything, the second finds everything already there. Prints rows/s and
the command's peak resident memory, and the ratio of the second run's time to the first.

    .venv/bin/python bench/import_rate.py [--rows 100000]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PEOPLE = 200


def migrate_and_seed(url: str) -> tuple[list[str], date]:
    """A community called `bench` with PEOPLE members whose accounts have no limits."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    sys.path.insert(0, str(ROOT))
    import config
    from timebank import create_app
    from timebank.extensions import db
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership, create_user, member_account

    app = create_app(type("Bench", (config.Development,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        community = create_community("bench", "Bench Timebank")
        emails = []
        for i in range(PEOPLE):
            user = create_user(f"member{i}@bench.example", f"Member {i}")
            membership = add_membership(user, community, role="member", kind_code="volunteer", joined_on=date(2025, 1, 1))
            account = member_account(membership.id)
            account.floor, account.ceiling = None, None
            emails.append(user.email)
        today = community.today()
        db.session.commit()
        db.engine.dispose()
    return emails, today


def write_file(path: Path, rows: int, emails: list[str], today: date) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "giver_email", "receiver_email", "minutes", "activity", "note", "kind"])
        n = 0
        while n < rows:
            day = (today - timedelta(days=1 + n % 300)).isoformat()
            giver = emails[n % len(emails)]
            if n % 50 == 0:
                for k in range(1, 6):
                    writer.writerow([day, giver, emails[(n + k) % len(emails)], 10 * k, "Peer support", f"session {n}", "group_session"])
                n += 5
            else:
                writer.writerow([day, giver, emails[(n + 1) % len(emails)], 15 + n % 90, "Gardening", f"row {n}", ""])
                n += 1


def run_import(url: str, path: Path) -> tuple[float, float, str]:
    """Seconds, peak resident MB of the command, and its summary line."""
    env = {**os.environ, "DATABASE_URL": url}
    start = time.perf_counter()
    process = subprocess.Popen([*FLASK, "ledger", "import", str(path), "--community", "bench"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"ledger import failed ({process.returncode}): {output}")
    return seconds, usage.ru_maxrss / 1024, output.strip()  # ru_maxrss: kilobytes on Linux


def postgres_database():
    """A fresh database on the local server, and a function that drops it; None if unreachable."""
    try:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        name = f"tb_bench_import_{uuid.uuid4().hex[:8]}"
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        print(f"(PostgreSQL not measured: {str(error).splitlines()[0]})")
        return None

    def drop():
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="import-rate-") as folder:
        backends = [("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", None)]
        postgres = postgres_database()
        if postgres:
            backends.append(("PostgreSQL", *postgres))
        path = Path(folder) / "past.csv"
        try:
            for name, url, _drop in backends:
                emails, today = migrate_and_seed(url)
                if not path.exists():
                    write_file(path, args.rows, emails, today)
                print(f"{name}: importing {args.rows} rows ({path.stat().st_size / 1e6:.1f} MB) ...", flush=True)
                first = run_import(url, path)
                again = run_import(url, path)
                results.append((name, first, again))
        finally:
            for _name, _url, drop in backends:
                if drop:
                    drop()
    print(f"{'backend':<12}{'run':<16}{'seconds':>9}{'rows/s':>10}{'peak RSS':>11}")
    for name, first, again in results:
        for label, (seconds, rss, _line) in (("first import", first), ("same file again", again)):
            print(f"{name:<12}{label:<16}{seconds:>9.1f}{args.rows / seconds:>10.0f}{rss:>8.0f} MB")
        print(f"{'':<12}{'again / first':<16}{again[0] / first[0]:>9.2f}")
        print(f"{'':<12}{first[2]}")
        print(f"{'':<12}{again[2]}")


if __name__ == "__main__":
    main()
