"""The JSON API's own tables: personal access tokens, and the idempotency keys of API writes."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, one_of, utcnow


class TokenScope(StrEnum):
    READ = "read"  # every GET
    WRITE = "write"  # every POST
    REPORTS = "reports"  # the reciprocity report of a community


class ApiToken(db.Model):
    """A personal access token: the person sees the secret once, when it is made; only its
    SHA-256 is kept, so a copy of the database lets no one in."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    #: What the person called it ("my spreadsheet", "the council's system").
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 (hex) of the whole secret, `tb_` prefix included.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the secret, so that the person can tell their tokens apart.
    hint: Mapped[str] = mapped_column(String(12))
    #: Space-separated scopes (see TokenScope).
    scopes: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class IdempotencyStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DONE = "done"


class IdempotencyRecord(db.Model):
    """An API write's Idempotency-Key, claimed in the same transaction as the write, with the
    response it gave, so that a retry gets that response instead of a second write."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint(one_of("status", IdempotencyStatus), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Keys belong to a person: two people may use the same key.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 of method, path and canonical body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=IdempotencyStatus.IN_PROGRESS)
    response_status: Mapped[int | None] = mapped_column(Integer)
    #: The JSON body first returned, replayed byte for byte.
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
