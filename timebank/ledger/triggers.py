"""The database triggers that guard the ledger (I1 on PostgreSQL, I5 on both dialects).

They are created by the initial migration (migrations/versions/0001_initial_schema.py); this
module names them so that `ledger verify` can check that they are still installed.
"""

EXPECTED = {
    "sqlite": {"entry_no_update", "entry_no_delete", "posting_no_update", "posting_no_delete"},
    "postgresql": {
        "entry_immutable",
        "posting_immutable",
        "entry_no_truncate",
        "posting_no_truncate",
        "posting_entry_balanced",
        "entry_has_postings",
    },
}

INSTALLED_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal",
}


def expected_names(dialect: str) -> set[str]:
    return EXPECTED[dialect]
