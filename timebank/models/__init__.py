"""The ORM models, importable from one place."""
from .community import (
    BUILT_IN_KINDS,
    ORGANISATION_KIND,
    POT_KIND,
    ActivityCategory,
    Community,
    MemberKind,
    ReportingPeriod,
)
from .ledger import Account, AccountType, Confirmation, CoproductionStep, Entry, EntryKind, LadderRung, Posting
from .people import KindChange, Membership, MembershipStatus, Role, User

__all__ = [
    "BUILT_IN_KINDS",
    "ORGANISATION_KIND",
    "POT_KIND",
    "Account",
    "AccountType",
    "ActivityCategory",
    "Community",
    "Confirmation",
    "CoproductionStep",
    "Entry",
    "EntryKind",
    "KindChange",
    "LadderRung",
    "MemberKind",
    "Membership",
    "MembershipStatus",
    "Posting",
    "ReportingPeriod",
    "Role",
    "User",
]
