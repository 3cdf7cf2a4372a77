"""What a new password must be (ASVS 6.2, the GOV.UK passwords pattern): at least 8 characters,
long passphrases welcome, no rules about kinds of character, and refused when it is one of the
100,000 passwords people use most or contains the person's own name or email address.

The list (`data/common-passwords.txt.gz`, lower-cased) is the top 100,000 of Mark Burnett's
10-million-password corpus as published in SecLists (MIT); the README names its source.
"""
import gzip
import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

from .errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
#: Well above ASVS's 64, so that a password manager's passphrase fits; argon2 hashes any length.
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
#: A part of a name or an address shorter than this is too common to refuse ("al", "jo").
_SHORTEST_PART = 3


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if line.strip())


def _personal_parts(name: str | None, email: str | None) -> set[str]:
    parts = {part for part in re.split(r"[\W_]+", (name or "").lower()) if len(part) >= _SHORTEST_PART}
    local = (email or "").lower().partition("@")[0]
    if len(local) >= _SHORTEST_PART:
        parts.add(local)
    return parts


def password_problem(password: str | None, *, name: str | None = None, email: str | None = None) -> str | None:
    """Why this password would not do, or None when it will."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("A password can have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    folded = password.lower()
    if folded in common_passwords() or folded.strip() in common_passwords():
        return _("That password is one of the most common, so it is easy to guess. Choose another: a few words you will remember work well.")
    if any(part in folded for part in _personal_parts(name, email)):
        return _("A password must not contain your name or email address. Choose another.")
    return None


def check_password(password: str | None, *, name: str | None = None, email: str | None = None, field: str = "password") -> None:
    """Refuse a new password that does not meet the policy (an InvalidInput beside `field`)."""
    problem = password_problem(password, name=name, email=email)
    if problem:
        raise InvalidInput(problem, field=field)
