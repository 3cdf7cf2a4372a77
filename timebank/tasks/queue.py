"""The task queue: one Huey per app, built from the app's config when the app is made.

Tasks are plain functions registered here by name (`@task`, `@periodic(every_minutes=...)`);
`init_tasks(app)` hands them to the app's Huey, each wrapped so that it runs in an app context
of its own (its own database session, committed by the task). Storage comes from
TASK_QUEUE_URL: a SQLite file by default, Redis in production. TASK_QUEUE_IMMEDIATE (tests)
runs a task at once, in the process that enqueues it.

A periodic job runs once per period however many workers enqueue it: before it runs, it inserts
a `PeriodicRun` row for (job, period start), and the unique key lets only one insert win.
"""
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from flask import Flask, current_app, g
from huey import Huey, PriorityRedisHuey, SqliteHuey
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import PeriodicRun
from ..models.types import utcnow

log = logging.getLogger(__name__)

_TASKS: dict[str, Callable] = {}
_PERIODIC: dict[str, tuple[int, Callable]] = {}


def task(fn: Callable) -> Callable:
    """Register `fn` as a task: `enqueue("name", *args)` runs it on a worker."""
    _TASKS[fn.__name__] = fn
    return fn


def periodic(*, every_minutes: int) -> Callable:
    """Register `fn(now)` to run every `every_minutes` (a divisor of a day, counted from
    midnight UTC), once per period across all workers. It returns a short line for the record."""
    if every_minutes <= 0 or 1440 % every_minutes:
        raise ValueError("every_minutes must divide a day")

    def register(fn: Callable) -> Callable:
        _PERIODIC[fn.__name__] = (every_minutes, fn)
        return fn

    return register


def init_tasks(app: Flask) -> None:
    from . import jobs, outbox, tokens  # noqa: F401  (register the tasks)

    huey = _make_huey(app.config)
    wrappers = {name: huey.task(name=name)(_in_app_context(app, fn)) for name, fn in _TASKS.items()}
    for name, (minutes, fn) in _PERIODIC.items():
        job = _in_app_context(app, _once_per_period(name, minutes, fn))
        wrappers[name] = huey.periodic_task(_every(minutes), name=name)(job)
    app.extensions["huey"] = huey
    app.extensions["timebank_tasks"] = wrappers


def periodic_jobs() -> list[str]:
    return sorted(_PERIODIC)


def huey_for(app: Flask) -> Huey:
    return app.extensions["huey"]


def enqueue(name: str, *args, delay: float | None = None):
    """Put task `name` on the queue (run at once in immediate mode)."""
    wrapper = current_app.extensions["timebank_tasks"][name]
    if delay is None:
        return wrapper(*args)
    return wrapper.schedule(args, delay=delay)


def run_periodic(name: str, now: datetime | None = None) -> str | None:
    """Run periodic job `name` for the period holding `now`, here and now (the CLI and tests),
    with the same once-per-period guard as the worker. None when it has already run."""
    minutes, fn = _PERIODIC[name]
    return _claim_and_run(name, minutes, fn, now or utcnow())


def period_start(now: datetime, minutes: int) -> datetime:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = int((now - midnight).total_seconds() // 60)
    return midnight + timedelta(minutes=elapsed - elapsed % minutes)


def claim_period(job: str, start: datetime, now: datetime) -> PeriodicRun | None:
    """Insert this period's run of `job` and commit it; None if another worker got there first."""
    run = PeriodicRun(job=job, period_start=start, started_at=now)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def finish_period(run: PeriodicRun, outcome: str | None) -> None:
    run.finished_at = utcnow()
    run.outcome = (outcome or "")[:200] or None
    db.session.commit()


def last_runs() -> list[PeriodicRun]:
    """The latest run of each periodic job (for the CLI)."""
    latest = select(PeriodicRun.job, db.func.max(PeriodicRun.id).label("id")).group_by(PeriodicRun.job).subquery()
    return list(db.session.scalars(select(PeriodicRun).join(latest, latest.c.id == PeriodicRun.id).order_by(PeriodicRun.job)))


# -- helpers ---------------------------------------------------------------------------------


def _make_huey(config) -> Huey:
    # No result store: what a task did is in the database (the outbox row, the periodic run).
    url = config["TASK_QUEUE_URL"]
    immediate = bool(config.get("TASK_QUEUE_IMMEDIATE"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey("timebank", url=url, immediate=immediate, results=False, utc=True)
    if url.startswith("sqlite:"):
        return SqliteHuey("timebank", filename=make_url(url).database, immediate=immediate, results=False, utc=True)
    raise RuntimeError(f"TASK_QUEUE_URL must be sqlite:///path or redis://..., not {url!r}")


def _in_app_context(app: Flask, fn: Callable) -> Callable:
    """Run `fn` in an app context of its own: on a worker thread, or inline in immediate mode
    (where the caller's session may be just committing), with a session of its own."""

    @wraps(fn)
    def run(*args):
        with app.app_context():
            g.write_transaction = True  # SQLite: begin IMMEDIATE, even inline in a GET (tests)
            try:
                return fn(*args)
            except BaseException:
                db.session.rollback()
                raise

    return run


def _once_per_period(name: str, minutes: int, fn: Callable) -> Callable:
    @wraps(fn)
    def job():
        return _claim_and_run(name, minutes, fn, utcnow())

    return job


def _claim_and_run(name: str, minutes: int, fn: Callable, now: datetime) -> str | None:
    run = claim_period(name, period_start(now, minutes), now)
    if run is None:
        log.info("%s already ran for this period", name)
        return None
    outcome = fn(now)
    finish_period(run, outcome)
    return outcome


def _every(minutes: int) -> Callable[[datetime], bool]:
    def due(timestamp: datetime) -> bool:
        return (timestamp.hour * 60 + timestamp.minute) % minutes == 0

    return due
