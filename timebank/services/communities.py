"""Creating communities with what every community needs: kinds, activities and the pot."""
import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import BUILT_IN_KINDS, Account, AccountType, ActivityCategory, Community, MemberKind
from ..models.types import utcnow

DEFAULT_ACTIVITIES = (
    "Befriending and company",
    "Shopping and errands",
    "Gardening",
    "Lifts and accompanying",
    "Cooking and meals",
    "Computer and phone help",
    "Arts and crafts",
    "Peer support",
    "Admin and paperwork",
    "Co-design and planning",
    "Training and learning",
    "Health and wellbeing",
)
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def create_community(slug: str, name: str, **settings) -> Community:
    if not SLUG_RE.match(slug):
        raise InvalidInput(_("A community's short name uses lower-case letters, digits and hyphens."))
    if db.session.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        raise InvalidInput(_("There is already a community called %(slug)s.", slug=slug))
    community = Community(slug=slug, name=name, **settings)
    db.session.add(community)
    db.session.flush()
    for code, label in BUILT_IN_KINDS.items():
        db.session.add(MemberKind(community_id=community.id, code=code, label=label, built_in=True))
    for name_ in DEFAULT_ACTIVITIES:
        db.session.add(ActivityCategory(community_id=community.id, name=name_))
    db.session.add(Account(community_id=community.id, type=AccountType.POT, name=_("Community pot")))
    db.session.flush()
    return community


def get_community(slug: str) -> Community:
    # A slug from an address may hold anything (a NUL, which PostgreSQL refuses): only one that
    # could be a slug reaches the query.
    community = db.session.scalar(select(Community).where(Community.slug == slug)) if SLUG_RE.match(slug) else None
    if community is None:
        raise NotFound(_("There is no community called %(slug)s.", slug=slug))
    return community


def check_activity(community_id: int, activity_id: int | None, field: str = "activity") -> None:
    """None, or an active activity of this community (a form offers only those; an API call
    could name any id)."""
    if activity_id is None:
        return
    activity = db.session.get(ActivityCategory, activity_id)
    if activity is None or activity.community_id != community_id or not activity.active:
        raise InvalidInput(_("Choose one of this community's activities."), field=field)


def only_community() -> Community:
    """The community when there is exactly one (so the CLI can leave --community out)."""
    communities = db.session.scalars(select(Community).limit(2)).all()
    if len(communities) != 1:
        raise InvalidInput(_("Say which community with --community SLUG."))
    return communities[0]


def pot_account(community_id: int) -> Account:
    return db.session.scalars(
        select(Account).where(Account.community_id == community_id, Account.type == AccountType.POT)
    ).one()


def create_organisation_account(community_id: int, name: str, floor: int | None = 0, *, now: datetime | None = None) -> Account:
    account = Account(
        community_id=community_id, type=AccountType.ORGANISATION, name=name, floor=floor, created_at=now or utcnow()
    )
    db.session.add(account)
    db.session.flush()
    return account
