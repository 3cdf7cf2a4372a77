"""Background work on a task queue (Huey): the email outbox, auto-confirm, retention purges.

`init_tasks(app)` builds the app's queue from its config; `enqueue(name, *args)` puts a task on
it; `flask --app wsgi tasks worker` runs a worker (`make run` starts one beside gunicorn).
How to add a task or a periodic job: see `queue.py` and `jobs.py`.
"""
from .queue import enqueue, huey_for, init_tasks, periodic, run_periodic, task

__all__ = ["enqueue", "huey_for", "init_tasks", "periodic", "run_periodic", "task"]
