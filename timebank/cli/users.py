import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import Community, Membership, Role, User
from ..services.communities import get_community
from ..services.people import add_membership, create_user, erasure, normalise_email
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
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters, not a common password.")
@with_appcontext
@cli_errors
def create(email, name, role, slug, kind, password):
    community = get_community(slug)
    user = create_user(email, name, password)
    add_membership(user, community, role=role, kind_code=kind)
    db.session.commit()
    click.echo(f"Created {user.email} as {role} in {community.slug}")


@users.command(help="Erase the personal details of someone who has left (UK GDPR), keeping their time in the books "
               "under a new reference. This cannot be undone.")
@click.option("--email", required=True)
@click.option("--reason", required=True, help="Why (kept in the audit log, without their name).")
@click.option("--community", "slug", help="The community's short name (needed when they are in more than one).")
@with_appcontext
@cli_errors
def erase(email, reason, slug):
    query = select(Membership).join(User, User.id == Membership.user_id).where(User.email == normalise_email(email))
    if slug:
        query = query.join(Community, Community.id == Membership.community_id).where(Community.slug == slug)
    memberships = db.session.scalars(query).all()
    if not memberships:
        raise click.ClickException("Nobody with that email address is in that community." if slug else "Nobody uses that email address.")
    if len(memberships) > 1:
        raise click.ClickException("They are in more than one community: choose one with --community.")
    erased = erasure.erase(memberships[0], reason, actor=None)
    db.session.commit()
    done = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in erased.counts.items() if n)
    click.echo(f"Erased membership {erased.membership_id}: {done or 'nothing else held'}")
