from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import join, routes  # noqa: E402,F401
