"""Member pages: what a service user, carer, volunteer or professional does on a phone."""
from flask import Blueprint

bp = Blueprint("member", __name__)

from . import digest, exchanges, home, listings, messages, profile, statement, tokens  # noqa: E402,F401
