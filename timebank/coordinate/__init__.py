"""Coordinator pages, under /coordinate: everything a time broker does, from a phone or a laptop."""
from flask import Blueprint

bp = Blueprint("coordinate", __name__, url_prefix="/coordinate")

from . import (  # noqa: E402,F401
    accounts,
    activity_checks,
    alerts,
    audit,
    brokering,
    corrections,
    erasure,
    exchange_page,
    ledger_import,
    member_import,
    members,
    messages_inbox,
    periods,
    recording,
    report_access,
    safeguarding,
    sessions,
    settings,
)
