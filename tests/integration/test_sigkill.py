"""Killed with SIGKILL mid-write: nothing acknowledged is lost, nothing half-written is kept.

A writer process is forked from the test (so it starts in milliseconds, with the app already
imported) and builds an app of its own on the test's database. It writes, commits, and only
then acknowledges on a pipe; the test reads a few acknowledgements and kills it with SIGKILL,
which no handler can catch. Twenty kills a backend, ten while posting entries (one to three a
transaction) and ten in the middle of a CSV import. In every other round the writer runs on and
the kill lands wherever it lands (inside a transaction, in a commit's fsync, or between two); in
the rounds between, the writer stops inside an open transaction that has written rows and says
so, and is killed there, so some kills are certain to land mid-write whatever the machine's
speed. Then: every acknowledged entry is there, nothing unacknowledged from a held transaction
is, an import is all there or not at all, and `ledger verify` passes for the community (I1
balanced entries, I3 balances, the rollups...).

Nothing here waits for a time: the kill comes after a count of acknowledgements, and the pipe
reads are bounded only so that a stuck writer fails the test instead of hanging it.
"""
import io
import os
import select
import signal
import traceback
from collections.abc import Callable

import pytest
from conftest import config_for, months_ago
from sqlalchemy import func
from sqlalchemy import select as sql_select

from timebank import create_app
from timebank.extensions import db
from timebank.ledger import exchange, post_entries
from timebank.ledger import verify as run_verify
from timebank.models import Community, Entry
from timebank.services import ledger_import

pytestmark = pytest.mark.real_commits

KILLS = 10  # of each kind, on each backend
MEMBERS = 6
MINUTES = 30
IMPORT_ROWS, IMPORT_BATCH = 200, 50
#: Generous: only a writer that is stuck takes this long to say anything.
READ_BOUND_SECONDS = 60


def _fork(work: Callable[[io.TextIOBase], None]) -> tuple[int, io.TextIOBase]:
    """Run work(out) in a forked child with a fresh app context; the parent gets (pid, lines)."""
    db.session.remove()
    db.engine.dispose()  # no connection of the parent's is shared with the child
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_fd)
        out = os.fdopen(write_fd, "w", buffering=1)
        status = 0
        try:
            work(out)
        except BaseException:  # noqa: BLE001 (reported to the parent, which fails the test)
            out.write("error " + traceback.format_exc().replace("\n", " | ") + "\n")
            status = 1
        finally:
            out.flush()
            os._exit(status)
    os.close(write_fd)
    return pid, os.fdopen(read_fd, "r")


def _line(lines: io.TextIOBase) -> str:
    ready, _, _ = select.select([lines], [], [], READ_BOUND_SECONDS)
    assert ready, "the writer said nothing for a minute: stuck"
    line = lines.readline()
    assert not line.startswith("error"), line
    return line.strip()


def _kill(pid: int, lines: io.TextIOBase) -> list[str]:
    """SIGKILL the child; what it acknowledged before it died (still in the pipe)."""
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0, f"the writer failed: {status}"
    rest = [line.strip() for line in lines.read().splitlines()]
    lines.close()
    assert not any(line.startswith("error") for line in rest), rest
    return [line for line in rest if line]


def _in_child_app(url: str, body: Callable[[io.TextIOBase], None]) -> Callable[[io.TextIOBase], None]:
    def work(out):
        app = create_app(config_for(url))
        with app.app_context():
            body(out)
    return work


@pytest.fixture
def ring(app, community, make_member):
    """Members whose accounts pass 30 minutes round a ring: every balance stays within ±30."""
    members = [make_member() for _ in range(MEMBERS)]
    return community.id, [account.id for _, account in members], [m.user.email for m, _ in members]


def _entries(community_id: int) -> int:
    count = db.session.scalar(sql_select(func.count()).select_from(Entry).where(Entry.community_id == community_id))
    db.session.rollback()
    return count


def _keys_present(community_id: int, keys: list[str]) -> set[str]:
    found = set(
        db.session.scalars(
            sql_select(Entry.idempotency_key).where(Entry.community_id == community_id, Entry.idempotency_key.in_(keys))
        )
    )
    db.session.rollback()
    return found


def _assert_ledger_holds(community_id: int) -> None:
    violations = [v for check in run_verify(community_id=community_id) for v in check.violations]
    db.session.rollback()
    assert violations == []


def test_kills_while_posting_lose_nothing_acknowledged(app, ring):
    community_id, accounts, _ = ring
    url, day = app.config["SQLALCHEMY_DATABASE_URI"], months_ago(0)
    acknowledged: list[str] = []
    held: list[str] = []
    for round_ in range(KILLS):

        commits = 2 + round_ % 4
        hold = round_ % 2 == 1

        def post(out, round_=round_, commits=commits, hold=hold):
            for n in range(10_000):
                batch = []
                for j in range(1 + n % 3):  # one, two or three entries a transaction
                    c = 3 * n + j
                    giver, receiver = accounts[c % MEMBERS], accounts[(c + 1) % MEMBERS]
                    batch.append(exchange(community_id, giver, receiver, MINUTES, day, idempotency_key=f"kill:{round_}:{c}"))
                post_entries(batch)
                keys = " ".join(spec.idempotency_key for spec in batch)
                if hold and n == commits:
                    db.session.flush()
                    out.write(f"holding {keys}\n")
                    signal.pause()  # inside the open transaction, until the SIGKILL
                db.session.commit()
                out.write(keys + "\n")

        pid, lines = _fork(_in_child_app(url, post))
        seen = [_line(lines) for _ in range(commits + hold)]
        seen += _kill(pid, lines)  # wherever it is, or inside the transaction it holds
        if hold:
            assert seen[-1].startswith("holding "), seen
            held += seen.pop().split()[1:]
        acknowledged += [key for line in seen for key in line.split()]

    assert len(acknowledged) >= 2 * KILLS
    missing = set(acknowledged) - _keys_present(community_id, acknowledged)
    assert missing == set(), f"acknowledged but lost: {sorted(missing)[:5]}"
    assert _keys_present(community_id, held) == set(), "entries of a transaction killed before its commit are there"
    _assert_ledger_holds(community_id)


def _csv(emails: list[str], round_: int) -> bytes:
    day = months_ago(0).isoformat()
    rows = ["date,giver_email,receiver_email,minutes,activity,note"]
    for i in range(IMPORT_ROWS):
        rows.append(f"{day},{emails[i % MEMBERS]},{emails[(i + 1) % MEMBERS]},{MINUTES},,import {round_} row {i}")
    return ("\n".join(rows) + "\n").encode()


def test_kills_mid_import_leave_all_of_it_or_none(app, ring):
    community_id, _, emails = ring
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    completed = 0
    for round_ in range(KILLS):
        before = _entries(community_id)

        hold = round_ % 2 == 1

        def run_import(out, round_=round_, hold=hold):
            # Fault-injection hooks, in the forked child only: smaller batches, and a word (or a
            # stop) once the first batch is posted inside the import's transaction.
            posted, batches = ledger_import.post_entries, ledger_import._batches

            def post_and_say(batch, **kw):
                result = posted(batch, **kw)
                db.session.flush()
                out.write("posted a batch\n")
                if hold:
                    signal.pause()
                return result

            ledger_import.post_entries = post_and_say
            ledger_import._batches = lambda specs: batches(specs, IMPORT_BATCH)
            community = db.session.get(Community, community_id)
            ledger_import.import_ledger(community, io.BytesIO(_csv(emails, round_)), recorded_by_id=None)
            db.session.commit()
            out.write("committed\n")

        pid, lines = _fork(_in_child_app(url, run_import))
        said = [_line(lines)]
        said += _kill(pid, lines)
        assert said[0] == "posted a batch", said
        added = _entries(community_id) - before
        if hold:
            assert said == ["posted a batch"] and added == 0, (said, added)
        if "committed" in said:
            completed += 1
            assert added == IMPORT_ROWS, f"acknowledged, but {added} of {IMPORT_ROWS} entries are there"
        else:
            assert added in (0, IMPORT_ROWS), f"a partial import: {added} of {IMPORT_ROWS} entries"

    _assert_ledger_holds(community_id)
