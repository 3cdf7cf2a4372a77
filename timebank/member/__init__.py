"""Member pages: what a service user, carer, volunteer or professional does on a phone."""
from flask import Blueprint

bp = Blueprint("member", __name__)

from . import exchanges, home, listings, profile, statement, tokens  # noqa: E402,F401
