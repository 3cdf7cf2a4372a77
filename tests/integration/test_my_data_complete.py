"""The member's data download is complete: every column linked to a person (a column of `user`,
`membership` or `account`, or of a table with a foreign key to one of them) is in what
`my_data` builds, or on the written list of what it leaves out, with the reason
(timebank/services/people/my_data_columns.py). A new column about people fails here until
someone decides which."""
import json

import pytest
from conftest import utc_now
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, select

from timebank.extensions import db
from timebank.models import ApiToken, Community, Membership, Passkey
from timebank.services.people.my_data_columns import EXPORTED, LEFT_OUT, person_linked_columns, unaccounted
from timebank.services.people.profile import my_data

SMALL = ["--members", "30", "--exchanges", "400", "--seed", "5"]


def test_every_column_linked_to_a_person_is_exported_or_left_out_with_a_reason(app):
    missing = unaccounted(db.metadata)
    assert missing == [], (
        "these columns are linked to a person but neither in my_data (EXPORTED) nor left out with a reason "
        f"(LEFT_OUT), in timebank/services/people/my_data_columns.py: {missing}"
    )


def test_the_lists_name_only_real_columns_once(app):
    columns = set(person_linked_columns(db.metadata))
    assert set(EXPORTED) & set(LEFT_OUT) == set(), "a column is either exported or left out"
    assert set(EXPORTED) - columns == set(), "exported columns that are not person-linked columns (renamed?)"
    assert set(LEFT_OUT) - columns == set(), "left-out columns that do not exist (renamed or dropped?)"
    assert all(len(reason) > 20 for reason in LEFT_OUT.values())


def test_a_new_column_about_people_is_caught():
    metadata = MetaData()
    Table("user", metadata, Column("id", Integer, primary_key=True), Column("name", Text), Column("shoe_size", Integer))
    Table("diary", metadata, Column("id", Integer, primary_key=True), Column("user_id", ForeignKey("user.id")),
          Column("entry", Text))
    Table("weather", metadata, Column("id", Integer, primary_key=True), Column("today", Text))
    assert unaccounted(metadata) == ["user.shoe_size", "diary.id", "diary.user_id", "diary.entry"]


@pytest.fixture
def downloads(app, runner):
    """my_data for every membership of the demo (one of whom has an API token)."""
    result = runner.invoke(args=["demo", "seed", *SMALL])
    assert result.exit_code == 0, result.output
    community = db.session.scalar(select(Community).where(Community.slug == "demo"))
    memberships = db.session.scalars(select(Membership).where(Membership.community_id == community.id)).all()
    db.session.add(ApiToken(user_id=memberships[-1].user_id, name="spreadsheet", token_hash="2" * 64, hint="tb_ab", scopes="read"))
    db.session.add(Passkey(user_id=memberships[-1].user_id, name="My phone", credential_id="c" * 22, public_key=b"k" * 32,
                           sign_count=0, user_handle="h" * 22, created_at=utc_now(), last_used_at=utc_now()))
    db.session.flush()
    return [my_data(m) for m in memberships]


def test_every_exported_column_is_in_the_download(downloads):
    """Each place EXPORTED names is in some member's download, in a section that is not empty."""
    keys: dict[str, set] = {}
    for data in downloads:
        json.dumps(data)  # as /my-data.json serves it
        for section, value in data.items():
            rows = value if isinstance(value, list) else [value] if value else []
            for row in rows:
                keys.setdefault(section, set()).update(row)
    absent = sorted({place for place in EXPORTED.values() if place.partition(".")[2] not in keys.get(place.partition(".")[0], set())})
    assert absent == [], f"EXPORTED names places that no download holds (or whose section is always empty): {absent}"
