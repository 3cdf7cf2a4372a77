"""The task worker, and the periodic jobs by hand."""
import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from ..tasks import huey_for, run_periodic
from ..tasks.queue import last_runs, periodic_jobs
from .errors import OneLineGroup, cli_errors


@click.group(cls=OneLineGroup, help="The task queue: its worker and periodic jobs.")
def tasks():
    pass


@tasks.command(help="Run a worker: send the email outbox and run the periodic jobs, until Ctrl-C "
               "(or SIGTERM). Run any number of them, on any machine that shares the queue.")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option("--poll", default=1.0, show_default=True, help="Longest wait, in seconds, between looks at an empty queue.")
@with_appcontext
def worker(workers, poll):
    run_worker(current_app._get_current_object(), workers=workers, max_delay=poll)


def run_worker(app, *, workers: int = 2, max_delay: float = 1.0) -> None:
    huey = huey_for(app)
    if huey.immediate:
        raise click.ClickException("TASK_QUEUE_IMMEDIATE is on: tasks run where they are enqueued, not on a worker")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True, max_delay=max_delay)
    consumer.run()


@tasks.command("run", help="Run one periodic job now (once per period still holds), for example: tasks run auto_confirm")
@click.argument("job")
@with_appcontext
@cli_errors
def run(job):
    if job not in periodic_jobs():
        raise click.ClickException(f"There is no periodic job {job!r}; the jobs are {', '.join(periodic_jobs())}.")
    outcome = run_periodic(job)
    click.echo(outcome if outcome is not None else f"{job} already ran in this period")


@tasks.command("runs", help="When each periodic job last ran, and what it did.")
@with_appcontext
def runs():
    rows = last_runs()
    if not rows:
        click.echo("No periodic job has run yet.")
        return
    for row in rows:
        finished = f"{row.finished_at:%Y-%m-%d %H:%M}" if row.finished_at else "unfinished"
        click.echo(f"{row.job:<20} {row.started_at:%Y-%m-%d %H:%M}  {finished:<16}  {row.outcome or ''}")
