"""Telling people what happened: in the app, and by email when they want it and mail is set up.

A notification stores what happened (`kind` and `params`); its words are made when it is shown,
so they follow the reader's language and never go stale.
"""
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import mail
from ..extensions import db
from ..formatting import format_day, hours_minutes
from ..models import Membership, Notification, Role, User
from ..models.types import utcnow
from ..pagination import MESSAGES_PAGE, page_of


def describe(kind: str, params: dict) -> str:
    p = dict(params)
    for key in ("minutes", "balance"):
        if key in p and p[key] is not None:
            p[key] = hours_minutes(p[key])
    if isinstance(p.get("date"), str):  # kept as ISO in the row; read as "3 December 2026"
        try:
            p["date"] = format_day(date.fromisoformat(p["date"][:10]))
        except ValueError:
            pass
    texts = {
        "exchange_logged_gave": lambda p: _("%(name)s says they gave you %(minutes)s on %(date)s. Please confirm or decline it.", **p),
        "exchange_logged_received": lambda p: _("%(name)s says you gave them %(minutes)s on %(date)s. Please confirm or decline it.", **p),
        "exchange_posted": lambda p: _("Your exchange of %(minutes)s with %(name)s on %(date)s is recorded. Your balance is now %(balance)s.", **p),
        "exchange_declined": lambda p: _("%(name)s declined the exchange of %(minutes)s on %(date)s.", **p),
        "exchange_cancelled": lambda p: _("%(name)s cancelled the exchange of %(minutes)s on %(date)s.", **p),
        "exchange_declined_for": lambda p: _("A coordinator declined the exchange of %(minutes)s with %(name)s on %(date)s: %(reason)s", **p),
        "exchange_cancelled_for": lambda p: _("A coordinator cancelled the exchange of %(minutes)s with %(name)s on %(date)s: %(reason)s", **p),
        "entry_reversed": lambda p: _(
            "A coordinator reversed the exchange of %(minutes)s with %(name)s on %(date)s: %(reason)s. Your balance is now %(balance)s.", **p
        ),
        "exchange_needs_coordinator": lambda p: _("%(name)s logged %(minutes)s on %(date)s with %(organisation)s. Please confirm or decline it.", **p),
        "help_offered": lambda p: _("%(name)s can help with the request \u201c%(title)s\u201d.", **p),
        "message_received": lambda p: _("%(name)s sent you a message about \u201c%(title)s\u201d.", **p),
        "conversation_reported": lambda p: _("%(name)s reported a conversation. Please read it.", **p),
        "match_introduced": lambda p: _(
            "The coordinator has introduced %(name)s to help with your request \u201c%(title)s\u201d.", **p
        ),
        "listing_expiring": lambda p: (
            _("Still offering \u201c%(title)s\u201d? It stops showing on %(date)s. Keep it open, or close it.", **p)
            if p.get("type") == "offer"
            else _("Still need \u201c%(title)s\u201d? It stops showing on %(date)s. Keep it open, or close it.", **p)
        ),
        "match_introduced_helper": lambda p: _(
            "The coordinator has introduced you to %(name)s, who asked for help with \u201c%(title)s\u201d.", **p
        ),
    }
    text = texts.get(kind)
    return text(p) if text else kind


def notify(
    user: User, community_id: int | None, kind: str, params: dict, link: str | None = None, *, email=True,
    now: datetime | None = None,
) -> Notification:
    """Record a notification for `user` (made at `now`), and queue an email if they want one
    (sent on commit)."""
    now = now or utcnow()
    notification = Notification(
        user_id=user.id, community_id=community_id, kind=kind, params=params, link=link, created_at=now
    )
    db.session.add(notification)
    if email and _wants_email(user.id, community_id):
        text = describe(kind, params)
        if mail.queue(db.session, user.email, _("Timebank: %(text)s", text=text[:60]), text):
            notification.emailed_at = now
    return notification


def _wants_email(user_id: int, community_id: int | None) -> bool:
    if community_id is None:
        return True
    wants = db.session.scalar(
        select(Membership.email_notifications).where(Membership.user_id == user_id, Membership.community_id == community_id)
    )
    return bool(wants)


def notify_coordinators(
    community_id: int, kind: str, params: dict, link: str | None = None, *, now: datetime | None = None
) -> None:
    coordinators = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community_id, Membership.role.in_([Role.COORDINATOR, Role.ADMIN]))
    ).all()
    for coordinator in coordinators:
        notify(coordinator, community_id, kind, params, link, now=now)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def recent(user_id: int, before_id: int | None = None, limit: int = MESSAGES_PAGE) -> tuple[list[Notification], int | None]:
    """A person's messages, newest first, a page at a time; with the id to read on from."""
    query = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return page_of(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)).all(), limit)


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
