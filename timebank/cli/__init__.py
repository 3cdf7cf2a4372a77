"""Command-line groups, as `flask --app wsgi GROUP COMMAND`.

Every command answers bad input with one readable line on stderr and a non-zero exit.
"""
from .backup import backup
from .demo import demo
from .exchanges import exchanges
from .ledger import ledger
from .mail import mail
from .period import period
from .tasks import tasks
from .users import users


def register_cli(app) -> None:
    for group in (backup, demo, exchanges, ledger, mail, period, tasks, users):
        app.cli.add_command(group)
