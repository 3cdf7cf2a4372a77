"""Two copies of the same form racing on PostgreSQL give one record and no error."""
import threading
import time
import uuid
from datetime import timedelta

from sqlalchemy import event, func, select

from timebank.extensions import db
from timebank.models import Exchange, Listing
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing


def race(app, action, table):
    """Run `action` in two threads whose inserts overlap: the first to insert holds its
    transaction open for a second, so the other finds nothing yet and inserts too."""
    barrier = threading.Barrier(2, timeout=20)
    results, errors = [], []
    first = threading.Lock()

    def hold_first_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(f"INSERT INTO {table}") and first.acquire(blocking=False):
            time.sleep(1)

    event.listen(db.engine, "after_cursor_execute", hold_first_insert)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                row, created = action()
                row_id = row.id
                db.session.commit()
                results.append((row_id, created))
            except Exception as error:  # noqa: BLE001 (any error fails the test below)
                db.session.rollback()
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    event.remove(db.engine, "after_cursor_execute", hold_first_insert)
    return results, errors


def test_racing_copies_of_a_log_time_form_make_one_exchange(postgresql_app):
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership, create_user, member_account

    community = create_community("racing", "Racing")
    a = add_membership(create_user("a@racing.example", "A", "long password 1"), community)
    b = add_membership(create_user("b@racing.example", "B", "long password 1"), community)
    b_account_id = member_account(b.id).id
    a_id, community_id = a.id, community.id
    db.session.commit()
    submission = uuid.uuid4().hex

    def action():
        from timebank.models import Membership

        membership = db.session.get(Membership, a_id)
        return log_exchange(
            membership,
            gave=True,
            partner_account_id=b_account_id,
            minutes=60,
            occurred_on=membership.community.today() - timedelta(days=1),
            activity_id=None,
            note=None,
            submission_id=submission,
        )

    results, errors = race(postgresql_app, action, "exchange")
    assert errors == []
    assert len({row_id for row_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(Exchange).where(Exchange.community_id == community_id)) == 1


def test_racing_copies_of_a_listing_form_make_one_listing(postgresql_app):
    from timebank.models import Membership
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership, create_user

    community = create_community("racing2", "Racing")
    member = add_membership(create_user("c@racing.example", "C", "long password 1"), community)
    member_id = member.id
    db.session.commit()
    submission = uuid.uuid4().hex

    def action():
        return create_listing(
            db.session.get(Membership, member_id),
            type_="offer",
            title="Gardening",
            description="",
            category_id=None,
            submission_id=submission,
        )

    results, errors = race(postgresql_app, action, "listing")
    assert errors == []
    assert len({row_id for row_id, _ in results}) == 1
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 1
