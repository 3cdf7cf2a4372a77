"""Helpers for the API tests: tokens, headers, a two-community world, and logging an exchange."""
import uuid
from dataclasses import dataclass

from coordinate_support import activity

from timebank.extensions import db
from timebank.services.communities import create_community
from timebank.services.tokens import create_token


def token_for(membership_or_user, scopes=("read", "write", "reports"), name="test") -> str:
    user = getattr(membership_or_user, "user", membership_or_user)
    _token, secret = create_token(user, name=name, scopes=list(scopes))
    db.session.commit()
    return secret


def bearer(secret: str, key: str | None = None, **extra) -> dict:
    headers = {"Authorization": f"Bearer {secret}", **extra}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def new_key() -> str:
    return uuid.uuid4().hex


@dataclass
class World:
    community: object
    other: object
    alice: object  # (membership, account) in community
    bob: object
    coordinator: object
    stranger: object  # a member of the other community only
    other_coordinator: object


def make_world(community, make_member) -> World:
    other = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    return World(
        community=community,
        other=other,
        alice=make_member(name="Alice"),
        bob=make_member(name="Bob"),
        coordinator=make_member(role="coordinator", name="Cora"),
        stranger=make_member(name="Stan", target=other),
        other_coordinator=make_member(role="coordinator", name="Otto", target=other),
    )


def exchange_body(where, partner_account, minutes=60, direction="gave", **extra) -> dict:
    """A body for POST /api/v1/exchanges in the community `where`."""
    return {
        "direction": direction,
        "partner_account_id": partner_account.id,
        "minutes": minutes,
        "occurred_on": where.today().isoformat(),
        "activity_id": activity(where),
        **extra,
    }
