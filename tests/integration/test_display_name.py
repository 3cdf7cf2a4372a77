"""`Membership.name` is one expression: the name a member shows, the same in Python and in SQL
(selected, ordered, and through an alias), with no join to the user written by the query."""
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from timebank.extensions import db
from timebank.models import Account, Membership


def test_the_sql_name_is_the_python_name(make_member):
    plain, _ = make_member(name="Zoe Plain")
    shown, _ = make_member(name="Alan Real")
    shown.display_name = "Bea Shown"
    db.session.commit()

    names = dict(db.session.execute(select(Membership.id, Membership.name)).all())
    assert names == {plain.id: "Zoe Plain", shown.id: "Bea Shown"}
    assert names == {m.id: m.name for m in (plain, shown)}

    ordered = db.session.scalars(select(Membership.id).order_by(func.lower(Membership.name))).all()
    assert ordered == [shown.id, plain.id]

    other = aliased(Membership)
    assert db.session.scalar(select(other.name).where(other.id == shown.id)) == "Bea Shown"


def test_an_account_without_a_member_has_no_member_name(make_member, community):
    membership, account = make_member(name="Cy Member")
    rows = dict(
        db.session.execute(
            select(Account.id, Membership.name)
            .outerjoin(Membership, Membership.id == Account.membership_id)
            .where(Account.community_id == community.id)
        ).all()
    )
    assert rows[account.id] == "Cy Member"
    assert all(name is None for account_id, name in rows.items() if account_id != account.id)
