"""The command line: --help everywhere, one readable line and a non-zero exit on bad input."""
from datetime import date

import pytest
from conftest import TODAY
from sqlalchemy import select

from timebank.extensions import db
from timebank.ledger import exchange, post_entry
from timebank.models import Account, Membership, ReportingPeriod, User

COMMANDS = [
    ["ledger", "verify"],
    ["ledger", "export"],
    ["ledger", "balances"],
    ["ledger", "import"],
    ["backup", "create"],
    ["backup", "restore"],
    ["period", "close"],
    ["users", "create"],
    ["users", "erase"],
    ["exchanges", "auto-confirm"],
    ["demo", "seed"],
    ["mail", "outbox"],
    ["tasks", "worker"],
    ["tasks", "run"],
    ["tasks", "runs"],
]


def one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


def months_ago(n: int) -> date:
    today = TODAY
    month = today.month - n
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def test_the_help_check_covers_every_command_of_ours(app):
    import click

    from timebank.cli import register_cli

    probe = click.Group()
    probe.add_command = lambda group, name=None: ours.append(group)
    ours: list = []
    register_cli(type("App", (), {"cli": probe})())
    registered = {(group.name, name) for group in ours for name in group.commands}
    assert registered == {tuple(command) for command in COMMANDS}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_users_create_makes_a_member_who_can_sign_in(runner, community, auth):
    result = runner.invoke(
        args=["users", "create", "--email", "Ada@Example.org", "--name", "Ada", "--community", "riverside",
              "--kind", "carer", "--password", "long enough password"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.role == "member" and membership.kind.code == "carer"
    assert db.session.scalar(select(Account).where(Account.membership_id == membership.id)) is not None
    assert auth.login("ada@example.org", "long enough password").status_code == 302


def test_users_create_funder_gets_no_account(runner, community):
    result = runner.invoke(
        args=["users", "create", "--email", "f@example.org", "--name", "Fay", "--role", "funder",
              "--community", "riverside", "--password", "long enough password"]
    )
    assert result.exit_code == 0, result.output
    membership = db.session.scalar(select(Membership).join(User).where(User.email == "f@example.org"))
    assert membership.kind_id is None
    assert db.session.scalar(select(Account).where(Account.membership_id == membership.id)) is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--email", "not-an-email"], "email address in the right format"),
        (["--password", "short"], "at least 8 characters"),
        (["--kind", "wizard"], "A kind is one of"),
        (["--role", "king"], "Invalid value for '--role'"),
        (["--community", "nowhere"], "no community called nowhere"),
    ],
)
def test_users_create_rejects_bad_input_in_one_line(runner, community, args, message):
    base = {"--email": "ok@example.org", "--name": "Ok", "--community": "riverside", "--password": "long enough password"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = runner.invoke(args=["users", "create", *[x for pair in base.items() for x in pair]])
    assert message in one_line_error(result)
    assert db.session.scalar(select(User).where(User.email == "ok@example.org")) is None


def test_users_create_refuses_a_second_account_for_an_email(runner, community, make_member):
    membership, _ = make_member()
    email = membership.user.email
    result = runner.invoke(
        args=["users", "create", "--email", email.upper(), "--name", "Again", "--community", "riverside",
              "--password", "long enough password"]
    )
    assert "already uses the email address" in one_line_error(result)


def test_period_close_seals_an_ended_month(runner, community, make_member):
    _, a = make_member()
    _, b = make_member()
    month = months_ago(2)
    post_entry(exchange(community.id, a.id, b.id, 45, month.replace(day=10)))
    db.session.commit()
    result = runner.invoke(args=["period", "close", f"{month:%Y-%m}", "--community", "riverside"])
    assert result.exit_code == 0, result.output
    period = db.session.scalar(select(ReportingPeriod))
    assert period.month == month and period.entry_count == 1
    assert period.seal in result.output


def test_period_close_needs_no_community_when_there_is_one(runner, community):
    result = runner.invoke(args=["period", "close", f"{months_ago(1):%Y-%m}"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "month, message",
    [
        (lambda: f"{TODAY:%Y-%m}", "only after it has ended"),
        (lambda: f"{months_ago(-2):%Y-%m}", "only after it has ended"),
        (lambda: "2026-13", "is not a month written YYYY-MM"),
        (lambda: "last month", "is not a month written YYYY-MM"),
    ],
)
def test_period_close_refuses_bad_months(runner, community, month, message):
    result = runner.invoke(args=["period", "close", month(), "--community", "riverside"])
    assert message in one_line_error(result)
    assert db.session.scalar(select(ReportingPeriod)) is None


def test_period_close_twice_is_refused(runner, community):
    month = f"{months_ago(3):%Y-%m}"
    assert runner.invoke(args=["period", "close", month]).exit_code == 0
    assert "already closed" in one_line_error(runner.invoke(args=["period", "close", month]))


def test_period_close_unknown_community(runner, community):
    assert "no community called elsewhere" in one_line_error(
        runner.invoke(args=["period", "close", "2026-01", "--community", "elsewhere"])
    )


def test_export_rejects_an_unknown_format_in_one_line(runner, community):
    assert "Invalid value for '--format'" in one_line_error(runner.invoke(args=["ledger", "export", "--format", "xml"]))
