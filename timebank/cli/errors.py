"""Turning domain errors into one line on stderr and a non-zero exit."""
import functools

import click

from ..errors import TimebankError
from ..extensions import db


def cli_errors(command):
    """Roll back and exit 1 with the error's message when a command raises a domain error."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TimebankError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None

    return wrapper


class OneLineGroup(click.Group):
    """A command group whose subcommands report bad options and arguments in one line
    ("Error: Invalid value for '--format' ...  (see --help)") instead of a usage block."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            hint = f"see '{ctx.command_path} {ctx.invoked_subcommand or ''} --help'".replace("  ", " ")
            raise click.ClickException(f"{error.format_message()} ({hint})") from None


def parse_month(value: str):
    from ..dates import parse_month as parse

    try:
        return parse(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month written YYYY-MM") from None
