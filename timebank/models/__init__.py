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
from .exchanges import Exchange, ExchangeStatus
from .ledger import Account, AccountType, Confirmation, CoproductionStep, Entry, EntryKind, LadderRung, Posting
from .listings import HelpOffer, Listing, ListingStatus, ListingType
from .notifications import FormSubmission, Notification
from .people import ContactBy, KindChange, Membership, MembershipStatus, Role, User

__all__ = [
    "BUILT_IN_KINDS",
    "ORGANISATION_KIND",
    "POT_KIND",
    "Account",
    "AccountType",
    "ActivityCategory",
    "Community",
    "Confirmation",
    "ContactBy",
    "CoproductionStep",
    "Entry",
    "EntryKind",
    "Exchange",
    "ExchangeStatus",
    "FormSubmission",
    "HelpOffer",
    "KindChange",
    "LadderRung",
    "Listing",
    "ListingStatus",
    "ListingType",
    "MemberKind",
    "Membership",
    "Notification",
    "MembershipStatus",
    "Posting",
    "ReportingPeriod",
    "Role",
    "User",
]
