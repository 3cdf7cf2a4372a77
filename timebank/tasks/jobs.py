"""Periodic jobs: what happens because time passes.

Each is `fn(now) -> str` registered with `@periodic(every_minutes=...)`; the queue runs it once
per period across all workers and records what it returned. To add one (a reminder, a digest):
write the function here or in a module of its own imported by `queue.init_tasks`, call the
service that does the work with `now`, commit, and return a short line. Keep it idempotent, so
that a run repeated after a crash does no harm.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..models import Community, FormSubmission, IdempotencyRecord, OutboxMessage, OutboxStatus, PeriodicRun
from ..services.digest import send_digests
from ..services.exchanges.auto_confirm import auto_confirm_due
from ..services.listing_expiry import expire_listings as expire_community_listings
from ..services.retention import purge_past_retention
from .queue import periodic

log = logging.getLogger(__name__)

#: How long the record of periodic runs is kept (one row per job and period).
RUNS_KEPT = timedelta(days=7)


@periodic(every_minutes=15)
def auto_confirm(now: datetime) -> str:
    """Post every exchange past its community's auto-confirm days, one community per
    transaction. A repeat posts nothing twice: each exchange posts under the ledger idempotency
    key "exchange:<id>", and only a pending exchange is posted."""
    return "; ".join(auto_confirm_communities(now=now)) or "no communities"


def auto_confirm_communities(slugs: list[str] | None = None, *, now: datetime | None = None) -> list[str]:
    """Run auto-confirm for these communities (default: all), committing each. One line per
    community, as the CLI prints it."""
    query = select(Community.id, Community.slug).order_by(Community.id)
    if slugs is not None:
        query = query.where(Community.slug.in_(slugs))
    lines = []
    for community_id, slug in db.session.execute(query).all():
        community = db.session.get(Community, community_id)
        try:
            posted, failed = auto_confirm_due(community, now=now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("auto-confirm failed in %s", slug)
            lines.append(f"{slug}: failed (see the log)")
            continue
        line = f"{slug}: {posted} posted"
        if failed:
            line += f", {failed} left pending (they would pass an account's limit; a coordinator can help)"
        lines.append(line)
    return lines


@periodic(every_minutes=1440)
def purge_old_records(now: datetime) -> str:
    """Delete what only guards against repeats once it is older than RETENTION_DAYS: handled
    forms, API idempotency keys, sent mail; and periodic-run records after a week. Nothing in
    the ledger, and no mail still waiting or failed."""
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    counts = {
        "form submissions": _delete(delete(FormSubmission).where(FormSubmission.created_at < cutoff)),
        "idempotency keys": _delete(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)),
        "sent emails": _delete(
            delete(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < cutoff)
        ),
        "periodic runs": _delete(delete(PeriodicRun).where(PeriodicRun.started_at < now - RUNS_KEPT)),
    }
    db.session.commit()
    return ", ".join(f"{n} {what}" for what, n in counts.items())


@periodic(every_minutes=1440)
def sweep_past_retention(now: datetime) -> str:
    """Per community, let go of what is older than its retention setting (notifications, the
    text of closed offers and requests: `services.retention`), one community per transaction."""
    lines = []
    for community_id, slug in db.session.execute(select(Community.id, Community.slug).order_by(Community.id)).all():
        counts = purge_past_retention(db.session.get(Community, community_id), now=now)
        db.session.commit()
        lines.append(f"{slug}: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return "; ".join(lines) or "no communities"


@periodic(every_minutes=1440)
def expire_listings(now: datetime) -> str:
    """Remind owners of offers and requests that expire within a week (once each), and close
    those past their day, one community per transaction (`services.listing_expiry`)."""
    return "; ".join(_per_community(lambda c: "{} reminded, {} closed".format(*expire_community_listings(c, now=now)))) or "no communities"


@periodic(every_minutes=1440)
def weekly_digest(now: datetime) -> str:
    """Queue the weekly digest to each member due one (a week since their last, and something
    to say), one community per transaction (`services.digest`)."""
    return "; ".join(_per_community(lambda c: f"{send_digests(c, now=now)} sent")) or "no communities"


def _per_community(work) -> list[str]:
    """Run `work(community)` for each community, committing each; a failure is logged and
    rolled back, and the others still run."""
    lines = []
    for community_id, slug in db.session.execute(select(Community.id, Community.slug).order_by(Community.id)).all():
        try:
            line = work(db.session.get(Community, community_id))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic work failed in %s", slug)
            line = "failed (see the log)"
        lines.append(f"{slug}: {line}")
    return lines


def _delete(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
