"""The database itself guards the ledger (I1 on PostgreSQL, I5 on both), and `ledger verify`
finds whatever got past it. Raw SQL throughout: these are the paths that skip the app."""

from datetime import date

import pytest
from conftest import TODAY
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from timebank import ledger
from timebank.extensions import db
from timebank.ledger import exchange
from timebank.ledger.triggers import expected_names
from timebank.models import Entry, Posting


def months_ago(n: int, day: int = 15) -> date:
    today = TODAY
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, day)


@pytest.fixture
def book(community, make_member):
    """A small committed ledger: three members, three entries, one reversed."""
    _, a = make_member(kind="service_user")
    _, b = make_member(kind="professional")
    _, c = make_member(kind="carer")
    first, _ = ledger.post_entry(exchange(community.id, a.id, b.id, 60, months_ago(2)))
    second, _ = ledger.post_entry(exchange(community.id, b.id, c.id, 45, months_ago(2, 20)))
    third, _ = ledger.post_entry(exchange(community.id, c.id, a.id, 30, months_ago(1)))
    ledger.reverse_entry(community.id, second.id, reason="wrong day", actor_id=None)
    db.session.commit()
    assert all(check.ok for check in ledger.verify())
    return {"accounts": (a, b, c), "entries": (first, second, third)}


def first_posting(entry_id):
    return db.session.scalars(select(Posting).where(Posting.entry_id == entry_id).order_by(Posting.id)).first()


def snapshot():
    postings = db.session.execute(
        text("SELECT id, entry_id, account_id, minutes, holder_kind, sequence, balance_after FROM posting ORDER BY id")
    ).all()
    entries = db.session.execute(
        text(
            "SELECT id, kind, occurred_on, entry_note.note, reverses_id FROM entry "
            "LEFT JOIN entry_note ON entry_note.entry_id = entry.id ORDER BY id"
        )
    ).all()
    return postings, entries


def refused(sql, **params):
    """Run raw SQL that the database must refuse; roll back; prove nothing changed."""
    db.session.expire_all()
    before = snapshot()
    with pytest.raises(DBAPIError) as raised:
        db.session.execute(text(sql), params)
        db.session.flush()
    db.session.rollback()
    assert snapshot() == before
    return str(raised.value.orig)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE posting SET minutes = 90 WHERE id = :posting_id",
        "UPDATE posting SET balance_after = 0 WHERE id = :posting_id",
        "UPDATE posting SET holder_kind = 'volunteer' WHERE id = :posting_id",
        "UPDATE posting SET minutes = minutes",  # even a no-op update of every row
        "DELETE FROM posting WHERE id = :posting_id",
        "DELETE FROM posting WHERE entry_id = :entry_id",
        "UPDATE entry SET reason = 'edited' WHERE id = :entry_id",
        "UPDATE entry SET occurred_on = occurred_on WHERE id = :entry_id",
        "DELETE FROM entry WHERE id = :entry_id",
    ],
)
def test_the_database_refuses_to_change_entries_and_postings(book, sql):
    entry = book["entries"][0]
    params = {"posting_id": first_posting(entry.id).id, "entry_id": entry.id}
    params = {k: v for k, v in params.items() if f":{k}" in sql}
    message = refused(sql, **params)
    assert "immutable" in message


def test_postgresql_refuses_truncate(book, backend):
    if backend != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite's DELETE FROM is covered above)")
    for table in ("posting", "entry"):
        assert "immutable" in refused(f"TRUNCATE {table} CASCADE")


def test_a_zero_posting_is_refused_by_the_check_constraint(book):
    a, b, _ = book["accounts"]
    entry = book["entries"][0]
    next_sequence = db.session.scalar(select(func.max(Posting.sequence)).where(Posting.account_id == a.id)) + 1
    message = refused(
        "INSERT INTO posting (entry_id, account_id, minutes, holder_kind, sequence, balance_after) "
        "VALUES (:entry_id, :account_id, 0, 'service_user', :sequence, 0)",
        entry_id=entry.id,
        account_id=a.id,
        sequence=next_sequence,
    )
    assert "minutes_not_zero" in message


def test_a_duplicate_sequence_number_is_refused(book):
    a, _, _ = book["accounts"]
    entry = book["entries"][0]
    message = refused(
        "INSERT INTO posting (entry_id, account_id, minutes, holder_kind, sequence, balance_after) "
        "VALUES (:entry_id, :account_id, 5, 'service_user', 1, 5)",
        entry_id=entry.id,
        account_id=a.id,
    )
    assert "sequence" in message.lower()


def _insert_entry(community_id, key):
    return db.session.execute(
        text(
            "INSERT INTO entry (community_id, kind, occurred_on, recorded_at, content_hash, limit_override, "
            "idempotency_key) VALUES (:c, 'exchange', :d, CURRENT_TIMESTAMP, :h, false, :k) RETURNING id"
        ),
        {"c": community_id, "d": months_ago(1), "h": "0" * 64, "k": key},
    ).scalar_one()


def _insert_posting(entry_id, account_id, minutes, sequence):
    db.session.execute(
        text(
            "INSERT INTO posting (entry_id, account_id, minutes, holder_kind, sequence, balance_after) "
            "VALUES (:e, :a, :m, 'volunteer', :s, :m)"
        ),
        {"e": entry_id, "a": account_id, "m": minutes, "s": sequence},
    )


def _next_sequence(account_id):
    return (
        db.session.scalar(select(func.coalesce(func.max(Posting.sequence), 0)).where(Posting.account_id == account_id))
        + 1
    )


@pytest.mark.parametrize("shape", ["one-posting", "unbalanced-pair", "no-postings"])
def test_postgresql_refuses_an_unbalanced_entry_at_commit(book, community, backend, shape):
    if backend != "postgresql":
        pytest.skip("the deferred balance trigger is PostgreSQL's (SQLite relies on the core and verify)")
    a, b, _ = book["accounts"]
    before = snapshot()
    entry_id = _insert_entry(community.id, f"raw-{shape}")
    if shape != "no-postings":
        _insert_posting(entry_id, a.id, 60, _next_sequence(a.id))
    if shape == "unbalanced-pair":
        _insert_posting(entry_id, b.id, -45, _next_sequence(b.id))
    # Deferred: the statements themselves went through ...
    assert db.session.scalar(select(func.count()).where(Entry.id == entry_id)) == 1
    # ... and the commit refuses the whole transaction.
    with pytest.raises(DBAPIError) as raised:
        db.session.commit()
    db.session.rollback()
    assert "does not balance" in str(raised.value.orig)
    assert snapshot() == before


def test_postgresql_accepts_a_balanced_raw_entry(book, community, backend):
    """The trigger refuses unbalanced entries, not every raw insert (so the test above means something)."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's deferred trigger")
    a, b, _ = book["accounts"]
    entry_id = _insert_entry(community.id, "raw-balanced")
    _insert_posting(entry_id, a.id, 60, _next_sequence(a.id))
    _insert_posting(entry_id, b.id, -60, _next_sequence(b.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Posting.entry_id == entry_id)) == 2


# -- verify finds tampering --------------------------------------------------------------------


def tamper(backend, sql, **params):
    """Get past the triggers the way an administrator with a SQL prompt could, and commit."""
    if backend == "sqlite":
        db.session.execute(text("DROP TRIGGER posting_no_update"))
        db.session.execute(text(sql), params)
    else:
        db.session.execute(text("ALTER TABLE posting DISABLE TRIGGER USER"))
        db.session.execute(text(sql), params)
        db.session.execute(text("ALTER TABLE posting ENABLE TRIGGER USER"))
    db.session.commit()


def failing(checks):
    return {(c.invariant, c.description): c.violations for c in checks if not c.ok}


def test_verify_finds_a_tampered_posting(book, backend, runner):
    a, b, _ = book["accounts"]
    entry = book["entries"][0]
    posting = first_posting(entry.id)
    assert (posting.account_id, posting.minutes) == (a.id, 60)
    tamper(backend, "UPDATE posting SET minutes = 90 WHERE id = :id", id=posting.id)
    db.session.expire_all()
    assert first_posting(entry.id).minutes == 90  # the tampering took

    checks = ledger.verify()
    bad = failing(checks)
    by_invariant = {}
    for (invariant, _), violations in bad.items():
        by_invariant.setdefault(invariant, []).extend(violations)
    assert f"entry {entry.id}: 2 postings summing to 30 minutes, 0 of them zero" in by_invariant["I1"]
    assert any(v.startswith(f"account {a.id}: cached balance") for v in by_invariant["I3"])
    assert any(v.startswith(f"posting {posting.id} (account {a.id}") for v in by_invariant["I3"])
    # The report rollups no longer match the postings either (R1).
    assert any("rollup accounts" in v for v in by_invariant["R1"])
    expected_failures = {"I1", "I3", "R1"} | ({"I5"} if backend == "sqlite" else set())
    assert set(by_invariant) == expected_failures
    # The other accounts are untouched and not blamed.
    assert not any(v.startswith(f"account {b.id}:") for v in by_invariant["I3"])

    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1, result.output
    assert "FAIL I1 " in result.stdout
    assert f"entry {entry.id}: 2 postings summing to 30 minutes" in result.stderr
    assert f"account {a.id}: cached balance" in result.stderr
    assert "ledger verify: violations found" in result.stderr
    assert "all invariants hold" not in result.output


def test_verify_finds_a_tampered_closed_month(book, backend):
    """A closed month's seal no longer matches once an entry dated in it is changed (I8)."""
    first = book["entries"][0]  # dated two months ago, like the second entry and its reversal
    month = months_ago(2, 1)
    ledger.close_period(book["accounts"][0].community_id, month, closed_by_id=None)
    db.session.commit()
    assert all(c.ok for c in ledger.verify())
    tamper(backend, "UPDATE posting SET minutes = -minutes WHERE entry_id = :e", e=first.id)
    bad = failing(ledger.verify())
    i8 = [v for (invariant, _), vs in bad.items() if invariant == "I8" for v in vs]
    assert i8 == [
        f"community {book['accounts'][0].community_id}, {month:%Y-%m}: seal no longer matches (3 entries now, 3 when closed)"
    ]


def test_a_clean_ledger_verifies_and_prints_each_invariant(book, runner):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    checks = ledger.verify()
    assert len(lines) == len(checks) + 1
    for line, check in zip(lines, checks, strict=False):
        assert line == f"ok   {check.invariant} {check.description}: {check.checked} checked"
    assert [line.split()[1] for line in lines[:-1]] == ["I1", "I2", "I3", "I3", "I4", "I5", "I6", "I7", "I8", "R1"]
    assert lines[-1] == "ledger verify: all invariants hold"
    assert result.stderr == ""
    # The counts are real: 4 entries (one a reversal), 8 postings.
    assert checks[0].checked == 4 and checks[3].checked == 8


def test_an_empty_ledger_verifies(app, runner):
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


DROP = {
    "sqlite": "DROP TRIGGER {name}",
    "postgresql": "DROP TRIGGER {name} ON {table}",
}


@pytest.mark.parametrize("which", [0, -1])
def test_a_missing_trigger_makes_i5_fail(book, backend, runner, which):
    name = sorted(expected_names(backend))[which]
    table = next(t for t in ("reporting_period", "audit_event", "entry", "posting") if name.startswith(t))
    db.session.execute(text(DROP[backend].format(name=name, table=table)))
    db.session.commit()
    bad = failing(ledger.verify())
    assert list(bad) == [("I5", "the database refuses updates and deletes of entries, postings, closed periods and the audit log")]
    assert list(bad.values()) == [[f"trigger {name} is missing"]]
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "FAIL I5" in result.stdout
    assert f"trigger {name} is missing" in result.stderr


def test_a_disabled_trigger_makes_i5_fail(book, backend):
    """On PostgreSQL a trigger can be left installed but disabled: it then refuses nothing, so
    I5 ("the database refuses updates and deletes") no longer holds and verify must say so."""
    if backend != "postgresql":
        pytest.skip("SQLite triggers cannot be disabled")
    db.session.execute(text("ALTER TABLE posting DISABLE TRIGGER posting_immutable"))
    db.session.commit()
    # The guard is really gone: an update now succeeds.
    db.session.execute(text("UPDATE posting SET holder_kind = holder_kind"))
    db.session.rollback()
    bad = failing(ledger.verify())
    assert [invariant for invariant, _ in bad] == ["I5"]
    assert any("posting_immutable" in v for v in next(iter(bad.values())))


def test_a_closed_period_cannot_be_reopened_or_resealed(app, community, today):
    """Deleting a sealed month's row would let entries be dated into it again (I8)."""
    from timebank.ledger import close_period

    close_period(community.id, date(today.year - 1, 1, 1), closed_by_id=None)
    db.session.commit()
    for statement in ("UPDATE reporting_period SET seal = 'x'", "DELETE FROM reporting_period"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert db.session.execute(text("SELECT COUNT(*) FROM reporting_period")).scalar() == 1
