"""`verify(community_id)` checks one community's rows; `verify()` (and `flask ledger verify`)
the whole database. The property tests rely on the first after every step."""
from conftest import months_ago
from sqlalchemy import text

from timebank import ledger
from timebank.extensions import db
from timebank.ledger.rules import exchange
from timebank.services.communities import create_community


def test_a_community_s_verify_sees_its_own_rows_and_only_them(app, community, make_member, runner):
    other = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    (_, a), (_, b) = make_member(), make_member()
    (_, c), (_, d) = make_member(target=other), make_member(target=other)
    ledger.post_entry(exchange(community.id, a.id, b.id, 60, months_ago(1, 10)))
    ledger.post_entry(exchange(other.id, c.id, d.id, 30, months_ago(1, 10)))
    ledger.post_entry(exchange(other.id, d.id, c.id, 15, months_ago(1, 12)))
    db.session.commit()

    whole, mine = ledger.verify(), ledger.verify(community.id)
    assert all(check.ok for check in whole + mine)
    counted = {(check.invariant, check.description): check.checked for check in mine}
    assert counted[("I1", whole[0].description)] == 1  # one entry of its own, of three
    assert whole[0].checked == 3

    # A cached balance that no longer matches its postings, in the other community only.
    db.session.execute(text("UPDATE account SET balance = balance + 5 WHERE id = :id"), {"id": c.id})
    db.session.commit()
    assert all(check.ok for check in ledger.verify(community.id))
    failed = {check.invariant for check in ledger.verify(other.id) if not check.ok}
    assert "I3" in failed and "I2" in failed
    assert {check.invariant for check in ledger.verify() if not check.ok} == failed
    result = runner.invoke(args=["ledger", "verify"])  # the command checks every community
    assert result.exit_code == 1 and f"account {c.id}" in result.output
