from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import join, passkeys, passwords, routes, sessions  # noqa: E402,F401
