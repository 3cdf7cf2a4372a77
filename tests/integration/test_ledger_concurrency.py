"""Many writers at once (DESIGN.md, "Concurrency and durability").

PostgreSQL: accounts are locked in id order, so writers queue instead of deadlocking or
breaking a limit. SQLite: every write transaction begins IMMEDIATE, so writers queue for the
file's write lock (a smaller run, since SQLite serialises everything anyway).

Each thread has its own app context, hence its own session and connection. The only refusals
allowed are the domain's own (a limit, a closed month, a conflicting key): a deadlock, a
serialisation failure, an IntegrityError or a RuntimeError from the balance guard fails the test.
"""

import random
import threading
import time
import traceback
from datetime import date

import pytest
from conftest import TODAY
from sqlalchemy import func, select

from timebank import ledger
from timebank.errors import IdempotencyConflict, LimitExceeded, PeriodClosed
from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, exchange
from timebank.models import Account, Entry, ReportingPeriod

# Threads and several connections: each test needs a database of its own, committed for real.
pytestmark = pytest.mark.real_commits

SIZES = {"postgresql": (8, 50), "sqlite": (4, 20)}  # threads, entries per thread


def months_ago(n: int, day: int = 15) -> date:
    today = TODAY
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, day)


def run_threads(app, count, work):
    """Run work(i) in `count` threads, each in its own app context; return results in order.
    Any exception escaping `work` is reported with its traceback."""
    results, failures = [None] * count, []
    barrier = threading.Barrier(count)

    def target(i):
        try:
            with app.app_context():
                try:
                    barrier.wait(timeout=60)
                    results[i] = work(i)
                finally:
                    db.session.rollback()
                    db.session.remove()
        except BaseException:  # noqa: BLE001 (reported below)
            failures.append(traceback.format_exc())

    threads = [threading.Thread(target=target, args=(i,), name=f"writer-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    assert not failures, "\n".join(failures)
    return results


def release_main_session():
    """The test's own session must hold no transaction (on SQLite: no write lock) while the
    threads run."""
    db.session.commit()


def entries_in(community_id):
    return db.session.scalar(select(func.count()).select_from(Entry).where(Entry.community_id == community_id))


def assert_verified():
    failures = [(c.invariant, c.violations) for c in ledger.verify() if not c.ok]
    assert not failures, failures


def test_concurrent_writers_on_hot_accounts_keep_every_invariant(app, backend, community, make_member, today):
    threads, per_thread = SIZES[backend]
    accounts = [make_member(floor=-120, ceiling=240)[1].id for _ in range(4)]
    community_id = community.id
    days = [months_ago(2), months_ago(1), today.replace(day=1)]
    release_main_session()

    def work(i):
        rng = random.Random(1000 + i)
        posted = refused = 0
        for n in range(per_thread):
            day = rng.choice(days)
            if rng.random() < 0.3:
                # A group session over three of the hot accounts, listed in random order.
                host, *guests = rng.sample(accounts, 3)
                each = rng.randint(5, 60)
                spec = EntrySpec(
                    community_id=community_id,
                    kind="group_session",
                    occurred_on=day,
                    postings=(PostingSpec(host, 2 * each), *(PostingSpec(g, -each) for g in guests)),
                )
            else:
                giver, receiver = rng.sample(accounts, 2)
                key = f"t{i}-{n}" if rng.random() < 0.5 else None
                spec = exchange(community_id, giver, receiver, rng.randint(5, 90), day, idempotency_key=key)
            try:
                _, replayed = ledger.post_entry(spec)
                db.session.commit()
                assert replayed is False
                posted += 1
            except LimitExceeded:
                db.session.rollback()
                refused += 1
        return posted, refused

    results = run_threads(app, threads, work)
    posted = sum(p for p, _ in results)
    refused = sum(r for _, r in results)
    assert posted + refused == threads * per_thread
    # The limits are tight enough that both outcomes really happened.
    assert posted > threads * per_thread // 4 and refused > 0, results

    db.session.expire_all()
    assert_verified()
    assert entries_in(community_id) == posted
    rows = db.session.execute(select(Account.balance, Account.sequence).where(Account.id.in_(accounts))).all()
    assert sum(balance for balance, _ in rows) == 0
    assert all(-120 <= balance <= 240 for balance, _ in rows), rows
    # Every successful post added to the accounts' sequences: 2 or 3 postings each.
    assert sum(sequence for _, sequence in rows) >= 2 * posted


def test_concurrent_retries_of_one_submission_write_one_entry(app, backend, community, make_member):
    _, giver = make_member()
    _, receiver = make_member()
    spec = exchange(community.id, giver.id, receiver.id, 60, months_ago(1), idempotency_key="double-tap")
    community_id, giver_id = community.id, giver.id
    release_main_session()

    def work(i):
        entry, replayed = ledger.post_entry(spec)
        db.session.commit()
        return entry.id, replayed

    results = run_threads(app, 8, work)
    assert len({entry_id for entry_id, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 7
    assert entries_in(community_id) == 1
    assert ledger.balance(giver_id) == 60
    assert_verified()


def test_a_key_raced_with_different_content_writes_one_entry(app, backend, community, make_member):
    """Different requests with one key on disjoint accounts do not queue on the same account
    locks: the unique constraint settles it, and the losers get IdempotencyConflict."""
    pairs = [(make_member()[1].id, make_member()[1].id) for _ in range(6)]
    community_id = community.id
    release_main_session()

    def work(i):
        giver, receiver = pairs[i]
        spec = exchange(community_id, giver, receiver, 30 + i, months_ago(1), idempotency_key="contested")
        try:
            entry, replayed = ledger.post_entry(spec)
            db.session.commit()
            return ("posted", entry.id, replayed)
        except IdempotencyConflict:
            db.session.rollback()
            return ("conflict", None, None)

    results = run_threads(app, len(pairs), work)
    assert sorted(outcome for outcome, _, _ in results) == ["conflict"] * (len(pairs) - 1) + ["posted"]
    ((_, entry_id, replayed),) = [r for r in results if r[0] == "posted"]
    assert replayed is False
    assert entries_in(community_id) == 1
    assert_verified()


def race_a_close(app, backend, community, make_member, cap):
    """Writers post into last month until they are refused (or reach `cap` entries); meanwhile
    one thread closes it. Returns (entries sealed, [(posted, saw_the_close) per writer])."""
    threads, _ = SIZES[backend]
    accounts = [make_member(floor=None, ceiling=None)[1].id for _ in range(4)]
    community_id = community.id
    month = months_ago(1, 1)
    release_main_session()

    def work(i):
        if i == 0:
            # Let the others get going, then close the month under them.
            while entries_in(community_id) < 3 * threads:
                db.session.rollback()
                time.sleep(0.001)
            db.session.rollback()
            period = ledger.close_period(community_id, month, closed_by_id=None)
            db.session.commit()
            return period.entry_count
        rng = random.Random(i)
        posted = 0
        while posted < cap:
            giver, receiver = rng.sample(accounts, 2)
            day = months_ago(1, rng.randint(1, 28))
            try:
                ledger.post_entry(exchange(community_id, giver, receiver, rng.randint(5, 90), day))
                db.session.commit()
                posted += 1
            except PeriodClosed:
                db.session.rollback()
                return posted, True
            time.sleep(0.002)  # a little air between requests, as real ones have
        return posted, False

    results = run_threads(app, threads, work)
    sealed_count, writers = results[0], results[1:]
    posted = sum(n for n, _ in writers)
    db.session.expire_all()
    assert_verified()  # I8: the seal matches the entries dated in the month
    assert entries_in(community_id) == posted == sealed_count
    period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.community_id == community_id))
    assert period.month == month and period.entry_count == posted
    return sealed_count, writers


def test_closing_a_month_while_others_post_into_it_keeps_the_seal(app, backend, community, make_member):
    """The month is sealed over exactly the entries that made it in; every later one is refused."""
    race_a_close(app, backend, community, make_member, cap=40)


def test_a_month_close_gets_in_while_writers_keep_posting(app, backend, community, make_member):
    """A coordinator closing a month on a busy installation must not wait for posting to stop:
    once the close is waiting, new writers queue behind it. Each writer posts up to 150 entries
    a couple of milliseconds apart; the close starts after the first couple of dozen and must
    land long before the writers run out."""
    _, writers = race_a_close(app, backend, community, make_member, cap=150)
    assert all(saw_close for _, saw_close in writers), (
        f"the close waited until the writers stopped (posted, saw the close): {writers}"
    )


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.name.startswith("writer-")]
    assert not leaked
