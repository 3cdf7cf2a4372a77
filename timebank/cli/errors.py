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


def parse_month(value: str):
    from datetime import date

    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a month written YYYY-MM") from None
