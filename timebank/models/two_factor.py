"""Two-factor sign-in: a person's TOTP secret and their single-use recovery codes."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class TwoFactor(db.Model):
    """A person's authenticator app (TOTP, RFC 6238): one row while two-factor sign-in is on.

    The secret must be readable to check a code, so it is kept as it is (the database is the
    thing to protect: see the README's security section); it never leaves the app after
    enrolment and is never logged."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    #: Base32 TOTP secret (160 bits).
    secret: Mapped[str] = mapped_column(String(64))
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last 30-second time step whose code was accepted: a code of that step or an earlier
    #: one is refused, so a code overheard or replayed within its window does not work twice.
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(db.Model):
    """A single-use code for signing in without the phone. Only its SHA-256 is kept: the code is
    60 random bits, so no dictionary finds it and a slow hash would only slow every sign-in."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the code, normalised (lower case, no separators).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
