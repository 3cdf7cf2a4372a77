"""Passkeys: WebAuthn credentials a person registered, for passwordless sign-in or as a second
factor. Only the public half is kept: a copy of the database signs nobody in."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

#: The longest name a person may give a passkey.
PASSKEY_NAME_MAX = 60


class Passkey(db.Model):
    __tablename__ = "passkey"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: The credential id (base64url, as the browser sends it); at most 1023 bytes, so 1364 characters.
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    #: The COSE public key.
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: The authenticator's signature counter (up to 2**32 - 1); 0 when it does not count.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    #: How the browser may reach the authenticator ("internal hybrid usb"), space-separated.
    transports: Mapped[str] = mapped_column(String(200), default="")
    #: The WebAuthn user handle (base64url of random bytes, one per person): never their id or email.
    user_handle: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(PASSKEY_NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
