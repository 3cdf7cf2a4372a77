import click
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Role
from ..services.communities import get_community
from ..services.people import add_membership, create_user
from .errors import OneLineGroup, cli_errors


@click.group(cls=OneLineGroup, help="People who can sign in.")
def users():
    pass


@users.command(help="Create a person who can sign in, and add them to a community.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default="member", show_default=True)
@click.option("--community", "slug", required=True, help="The community's short name.")
@click.option("--kind", default="volunteer", show_default=True, help="Kind of person, for members and coordinators.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
@with_appcontext
@cli_errors
def create(email, name, role, slug, kind, password):
    community = get_community(slug)
    user = create_user(email, name, password)
    add_membership(user, community, role=role, kind_code=kind)
    db.session.commit()
    click.echo(f"Created {user.email} as {role} in {community.slug}")
