"""Joining: the most recent joiners' applications and approvals in the audit log, applications
still waiting for a decision, and an invitation not used yet."""
import hashlib
import random
import secrets
from datetime import datetime, timedelta
from functools import partial

from ..extensions import db
from ..models import Invitation, Membership, MembershipStatus, Role
from ..services.people import create_user
from ..services.people.invitations import INVITATION_DAYS
from . import flows, names
from .people import draw_ref
from .phrases import APPLICATIONS
from .script import PUBLIC, Script
from .stage import Stage

APPROVAL_CAP = 30  # the most recent joiners whose application and approval are in the audit log


def plan_approvals(stage: Stage, rng: random.Random, script: Script) -> None:
    """The most recent joiners applied through the sign-up form and were approved on the day
    they joined (the founding members were added before the log began)."""
    founding = min(p.joined_on for p in stage.people) + timedelta(days=14)
    joiners = sorted((p for p in stage.people if p.joined_on >= founding), key=lambda p: (p.joined_on, p.number))
    for person in joiners[-APPROVAL_CAP:]:
        mid = stage.mid(person)
        applied = script.moment(person.joined_on - timedelta(days=rng.randint(1, 6)), 7, 21)
        approved = max(script.moment(person.joined_on), applied + timedelta(hours=1))
        script.at(applied, partial(stage.record, person.user_id, "member.apply", mid, "membership", mid),
                  f"{PUBLIC}{rng.randint(2, 254)}")
        script.at(approved, partial(stage.record, stage.actor.user_id, "member.approve", mid, "membership", mid))


def plan_applications(stage: Stage, rng: random.Random, script: Script) -> None:
    """Applications waiting for a decision, from the public sign-up form."""
    for (name, email), (kind, note) in zip(_new_names(stage, rng, len(APPLICATIONS)), APPLICATIONS, strict=True):
        when = script.moment(script.ago(1, 9), 7, 21)
        ref = draw_ref(rng, stage.refs)
        address = f"{PUBLIC}{rng.randint(2, 254)}"
        script.at(when, partial(_apply, stage, name, email, kind, note, ref), address)


def plan_invitation(stage: Stage, rng: random.Random, script: Script) -> None:
    """An invitation sent a few days ago and not used yet (its link is not known to anyone:
    only the hash of a random token is kept, as the service does)."""
    ((name, email),) = _new_names(stage, rng, 1)
    script.at(script.moment(script.ago(1, 4)), partial(_invite, stage, name, email))


def _new_names(stage: Stage, rng: random.Random, count: int) -> list[tuple[str, str]]:
    found = []
    while len(found) < count:
        name = f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"
        if name not in stage.taken_names:
            stage.taken_names.add(name)
            email = "".join(c for c in name.lower().replace(" ", ".") if c.isalpha() or c == ".")
            found.append((name, f"{email}@{names.EMAIL_DOMAIN}"))
    return found


def _apply(stage: Stage, name, email, kind, note, ref, *, now: datetime) -> None:
    user = create_user(email, name, password_hash=stage.password_hash, now=now)
    membership = Membership(
        user_id=user.id, community_id=stage.cid, role=Role.MEMBER, kind_id=stage.kind_id[kind],
        status=MembershipStatus.PENDING, ref=ref, joined_on=now.date(), application_note=note, created_at=now,
    )
    db.session.add(membership)
    db.session.flush()
    stage.record(user.id, "member.apply", membership.id, "membership", membership.id, now=now)


def _invite(stage: Stage, name, email, *, now: datetime) -> None:
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        community_id=stage.cid, email=email, name=name, role=Role.MEMBER, kind_id=stage.kind_id[flows.VOL],
        token_hash=hashlib.sha256(token.encode()).hexdigest(), created_by_id=stage.actor.user_id,
        created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    stage.record(stage.actor.user_id, "member.invite", None, "invitation", invitation.id, role=Role.MEMBER, now=now)
