"""Coordinator pages, under /coordinate: everything a time broker does, from a phone or a laptop."""
from flask import Blueprint

bp = Blueprint("coordinate", __name__, url_prefix="/coordinate")

from . import (  # noqa: E402,F401
    accounts,
    alerts,
    audit,
    brokering,
    corrections,
    erasure,
    ledger_import,
    member_import,
    members,
    periods,
    recording,
    report_access,
    safeguarding,
    sessions,
)
