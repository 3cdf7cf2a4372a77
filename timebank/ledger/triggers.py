"""The database triggers that guard the ledger (I1 on PostgreSQL, I5 and I8 on both dialects).

They are created by the migrations (0001: entries and postings; 0003: closed periods; 0004: the
audit log; 0005: frozen report figures; 0013: entry notes, which may be deleted, to erase a
member, but never updated, and the entry triggers strict again after 0009's note exception);
this module names them so that `ledger verify` can check that they are still
installed and enabled.
"""

EXPECTED = {
    "sqlite": {
        "entry_no_update",
        "entry_no_delete",
        "posting_no_update",
        "posting_no_delete",
        "entry_note_no_update",
        "reporting_period_no_update",
        "reporting_period_no_delete",
        "audit_event_no_update",
        "audit_event_no_delete",
        "frozen_report_no_update",
        "frozen_report_no_delete",
    },
    "postgresql": {
        "entry_immutable",
        "posting_immutable",
        "entry_no_truncate",
        "posting_no_truncate",
        "posting_entry_balanced",
        "entry_has_postings",
        "entry_note_immutable",
        "reporting_period_immutable",
        "reporting_period_no_truncate",
        "audit_event_immutable",
        "audit_event_no_truncate",
        "frozen_report_immutable",
        "frozen_report_no_truncate",
    },
}

INSTALLED_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger'",
    # A trigger that is present but disabled guards nothing.
    "postgresql": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'",
}


def expected_names(dialect: str) -> set[str]:
    return EXPECTED[dialect]
