"""Reciprocity reports, under /reports: the report page of a community, its tables as CSV and the
whole report as JSON, and the programme view of every community a funder is granted.

Funders see a community's report only where they hold an active funder membership (the grant,
made by a coordinator under "Report access"), and only with the privacy rules applied.
Coordinators and administrators see their own community's report unsuppressed. Everything else
answers 404, so that a report's existence is not given away.
"""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import research, views  # noqa: E402,F401
