"""Coordinators and the people of their community: applications from the public sign-up form,
single-use invitations, the member list and page, role and kind, suspending and reinstating,
leaving (the balance frozen, or donated to the pot), and importing members from a CSV file.

Every function that acts takes the coordinator's membership (`actor`), refuses anyone from
another community (NotFound), flushes and never commits, and records itself in the audit log.
"""
import csv
import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from ... import mail
from ...errors import (
    CannotDonateNegative,
    ImportRejected,
    InvalidInput,
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    NotFound,
    NotPermitted,
    WrongMemberStatus,
)
from ...extensions import db
from ...ledger import EntrySpec, PostingSpec, post_entry
from ...models import (
    RESERVED_KIND_CODES,
    Account,
    AccountType,
    Community,
    Confirmation,
    EntryKind,
    Exchange,
    ExchangeStatus,
    FormSubmission,
    Invitation,
    KindChange,
    Listing,
    ListingStatus,
    MemberKind,
    Membership,
    MembershipStatus,
    Role,
    User,
)
from ...models.types import utcnow
from ...security import hash_password
from .. import audit
from ..communities import pot_account
from ..people import (
    ACCOUNT_ROLES,
    EMAIL_RE,
    MIN_PASSWORD_LENGTH,
    add_membership,
    create_user,
    new_member_ref,
    normalise_email,
)
from .safeguarding import add_note, checks_for, notes_for, restrictions_for

PAGE_SIZE = 25
INVITATION_DAYS = 14
NOTE_MAX = 1000
IMPORT_MAX_ROWS = 2000
LinkFor = Callable[[str], str]


# -- forms sent twice ------------------------------------------------------------------------


def replayed_submission(user_id: int | None, submission_id: str | None) -> str | None:
    """Where the first sending of this form led, if it was already handled. `user_id` is None
    for the public forms, sent before their sender has an account."""
    if not submission_id:
        return None
    query = select(FormSubmission.result_url).where(FormSubmission.submission_id == submission_id[:64])
    if user_id is not None:
        query = query.where(FormSubmission.user_id == user_id)
    return db.session.scalar(query)


def remember_submission(user_id: int, submission_id: str | None, result_url: str) -> None:
    if submission_id:
        db.session.add(FormSubmission(user_id=user_id, submission_id=submission_id[:64], result_url=result_url))


# -- shared ----------------------------------------------------------------------------------


def person_kinds(community_id: int) -> list[MemberKind]:
    return list(
        db.session.scalars(
            select(MemberKind)
            .where(MemberKind.community_id == community_id, MemberKind.code.not_in(RESERVED_KIND_CODES))
            .order_by(MemberKind.id)
        )
    )


def _kind(community_id: int, kind_id: int | None) -> MemberKind:
    kind = db.session.get(MemberKind, kind_id) if kind_id else None
    if kind is None or kind.community_id != community_id or kind.code in RESERVED_KIND_CODES:
        raise InvalidInput(_("Choose the kind of person they are."), field="kind")
    return kind


def _target(actor: Membership, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != actor.community_id:
        raise NotFound()
    return membership


def _manageable(actor: Membership, target: Membership) -> None:
    """Nobody changes their own standing (another coordinator must), and only an administrator
    changes an administrator."""
    if target.id == actor.id:
        raise NotPermitted(_("You cannot do this to yourself. Ask another coordinator."))
    if target.role == Role.ADMIN and actor.role != Role.ADMIN:
        raise NotPermitted(_("Only an administrator can change an administrator."))


def _grantable(actor: Membership, role: str, field: str = "role") -> None:
    if role not in set(Role):
        raise InvalidInput(_("Choose a role."), field=field)
    if role == Role.ADMIN and actor.role != Role.ADMIN:
        raise NotPermitted(_("Only an administrator can make someone an administrator."), field=field)


def _audit(actor: Membership, action: str, target: Membership, **details) -> None:
    audit.record(
        actor.community_id,
        actor.user_id,
        action,
        subject_membership_id=target.id,
        target_type="membership",
        target_id=target.id,
        **details,
    )


def _open_account(membership: Membership, community: Community, changed_by_id: int | None) -> Account:
    """The time account of someone who joins (or starts to hold one), with their first kind."""
    db.session.add(
        KindChange(
            membership_id=membership.id,
            from_kind_id=None,
            to_kind_id=membership.kind_id,
            changed_on=community.today(),
            changed_by_id=changed_by_id,
        )
    )
    account = Account(
        community_id=community.id,
        type=AccountType.MEMBER,
        membership_id=membership.id,
        floor=community.default_floor,
        ceiling=community.default_ceiling,
    )
    db.session.add(account)
    db.session.flush()
    return account


def _email(to: str, subject: str, body: str) -> None:
    mail.queue(db.session, to, subject, body)


# -- applications ----------------------------------------------------------------------------


def apply(community: Community, *, name: str, email: str, password: str, kind_id: int | None, note: str | None) -> Membership | None:
    """A pending application from the public sign-up form: a user and a membership with no
    account. When the email address already has an account, nothing is created and its owner is
    emailed instead, so that the form does not tell strangers who has an account."""
    name, email, note = (name or "").strip(), normalise_email(email), (note or "").strip()
    if not name:
        raise InvalidInput(_("Enter your name."), field="name")
    if not EMAIL_RE.match(email):
        raise InvalidInput(_("Enter an email address in the right format, like name@example.org."), field="email")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password")
    kind = _kind(community.id, kind_id)
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("Keep it to %(n)d characters or fewer.", n=NOTE_MAX), field="note")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        hash_password(password)  # as long as a new application takes, so timing tells nothing either
        _email(
            email,
            _("Your application to %(community)s", community=community.name),
            _(
                "Someone asked to join %(community)s with this email address, which already has an account. "
                "If it was you, sign in, or ask the coordinator to add you.",
                community=community.name,
            ),
        )
        return None
    user = create_user(email, name, password)
    membership = Membership(
        user_id=user.id,
        community_id=community.id,
        role=Role.MEMBER,
        kind_id=kind.id,
        status=MembershipStatus.PENDING,
        ref=new_member_ref(),
        joined_on=community.today(),
        application_note=note or None,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(community.id, user.id, "member.apply", subject_membership_id=membership.id, target_type="membership", target_id=membership.id)
    return membership


def applications(community_id: int, after: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[Membership], int | None]:
    """Pending applications, oldest first, a page at a time keyed by id (in one query)."""
    query = (
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.kind))
        .where(Membership.community_id == community_id, Membership.status == MembershipStatus.PENDING)
    )
    if after:
        query = query.where(Membership.id > after)
    rows = list(db.session.scalars(query.order_by(Membership.id).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def count_applications(community_id: int) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.community_id == community_id, Membership.status == MembershipStatus.PENDING
        )
    )


def approve(actor: Membership, membership_id: int, *, sign_in_url: str = "/login") -> Membership:
    membership = _target(actor, membership_id)
    if membership.status != MembershipStatus.PENDING:
        raise WrongMemberStatus(_("That application has already been decided."))
    community = membership.community
    membership.status = MembershipStatus.ACTIVE
    membership.joined_on = community.today()
    if membership.role in ACCOUNT_ROLES and db.session.scalar(select(Account.id).where(Account.membership_id == membership.id)) is None:
        _open_account(membership, community, actor.user_id)
    _email(
        membership.user.email,
        _("Welcome to %(community)s", community=community.name),
        _(
            "Your application to join %(community)s has been approved. Sign in at %(url)s to log the time you give and receive.",
            community=community.name,
            url=sign_in_url,
        ),
    )
    _audit(actor, "member.approve", membership)
    return membership


def decline(actor: Membership, membership_id: int, message: str | None = None) -> Membership:
    membership = _target(actor, membership_id)
    if membership.status != MembershipStatus.PENDING:
        raise WrongMemberStatus(_("That application has already been decided."))
    message = (message or "").strip()[:NOTE_MAX]
    community = membership.community
    membership.status = MembershipStatus.LEFT
    membership.left_on = community.today()
    body = _("Thank you for applying to join %(community)s. We are sorry, but we cannot accept your application.", community=community.name)
    if message:
        body += "\n\n" + message
    _email(membership.user.email, _("Your application to %(community)s", community=community.name), body)
    _audit(actor, "member.decline", membership, with_message=bool(message))
    return membership


# -- invitations -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_invitation(actor: Membership, *, name: str, email: str, role: str, kind_id: int | None, link_for: LinkFor) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        community_id=actor.community_id,
        email=email,
        name=name,
        role=role,
        kind_id=kind_id,
        token_hash=_token_hash(token),
        created_by_id=actor.user_id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    community = db.session.get(Community, actor.community_id)
    _email(
        email,
        _("An invitation to join %(community)s", community=community.name),
        _(
            "Hello %(name)s. You are invited to join %(community)s, a timebank. Open this link to choose a password "
            "(it works once, for %(days)d days): %(link)s",
            name=name,
            community=community.name,
            days=INVITATION_DAYS,
            link=link_for(token),
        ),
    )
    return invitation, token


def invite(actor: Membership, *, name: str, email: str, role: str, kind_id: int | None, link_for: LinkFor) -> tuple[Invitation, str]:
    """A single-use link, emailed, valid for 14 days. Only a SHA-256 of its token is kept, so
    the link is shown once (to the coordinator, to pass on by hand if need be) and never again."""
    name, email = (name or "").strip(), normalise_email(email)
    if not name:
        raise InvalidInput(_("Enter the person's name."), field="name")
    if not EMAIL_RE.match(email):
        raise InvalidInput(_("Enter an email address in the right format, like name@example.org."), field="email")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput(_("Someone already uses the email address %(email)s.", email=email), field="email")
    _grantable(actor, role)
    kind = _kind(actor.community_id, kind_id) if role in ACCOUNT_ROLES else None
    invitation, token = _new_invitation(actor, name=name, email=email, role=role, kind_id=kind and kind.id, link_for=link_for)
    audit.record(actor.community_id, actor.user_id, "member.invite", target_type="invitation", target_id=invitation.id, role=role)
    return invitation, token


def invitation_by_token(token: str, *, lock: bool = False) -> Invitation:
    query = select(Invitation).where(Invitation.token_hash == _token_hash(token or ""))
    invitation = db.session.scalar(query.with_for_update() if lock else query)
    if invitation is None:
        raise InvitationInvalid()
    if invitation.used_at is not None:
        raise InvitationUsed()
    if invitation.expires_at <= utcnow():
        raise InvitationExpired()
    return invitation


def accept_invitation(token: str, *, name: str, password: str) -> User:
    """Set a password and join: the user, the membership and the account are made now (or, for
    someone imported from a file, only the password is set). The link then stops working."""
    invitation = invitation_by_token(token, lock=True)  # two tabs accepting at once: one wins
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_("A password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field="password")
    community = db.session.get(Community, invitation.community_id)
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    membership = None
    if user is not None:
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.community_id == community.id)
        )
        if user.password_hash is not None or membership is None:
            raise InvitationUsed(_("Someone already uses this email address. Sign in instead."))
        user.password_hash = hash_password(password)
        user.name = (name or "").strip() or user.name
    else:
        user = create_user(invitation.email, (name or "").strip() or invitation.name, password)
        kind_code = db.session.scalar(select(MemberKind.code).where(MemberKind.id == invitation.kind_id)) if invitation.kind_id else None
        membership = add_membership(user, community, role=invitation.role, kind_code=kind_code)
    invitation.used_at = utcnow()
    audit.record(community.id, user.id, "member.join", subject_membership_id=membership.id, target_type="invitation", target_id=invitation.id)
    return user


# -- the member list and page ----------------------------------------------------------------


class MemberRow(NamedTuple):
    id: int
    name: str
    email: str
    role: str
    status: str
    kind: str | None
    balance: int | None


def _name_key(membership=Membership, user=User):
    return func.lower(func.coalesce(membership.display_name, user.name))


def member_list(
    community_id: int,
    *,
    text: str = "",
    kind_id: int | None = None,
    status: str | None = None,
    role: str | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[MemberRow], int | None]:
    """Members by name, a page at a time: keyed by (name, id) after the last one shown, in one
    query whatever the page holds."""
    key = _name_key()
    query = (
        select(
            Membership.id,
            func.coalesce(Membership.display_name, User.name).label("name"),
            User.email,
            Membership.role,
            Membership.status,
            MemberKind.label,
            Account.balance,
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(MemberKind, MemberKind.id == Membership.kind_id)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .where(Membership.community_id == community_id)
    )
    for word in (text or "").split()[:4]:
        word = word.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(word, autoescape=True),
                func.lower(func.coalesce(Membership.display_name, "")).contains(word, autoescape=True),
                User.email.contains(word, autoescape=True),
            )
        )
    if kind_id:
        query = query.where(Membership.kind_id == kind_id)
    if status:
        query = query.where(Membership.status == status)
    if role:
        query = query.where(Membership.role == role)
    if after:
        m, u = aliased(Membership), aliased(User)
        after_key = (
            select(_name_key(m, u)).join(u, u.id == m.user_id).where(m.id == after, m.community_id == community_id).scalar_subquery()
        )
        query = query.where(or_(key > after_key, and_(key == after_key, Membership.id > after)))
    rows = db.session.execute(query.order_by(key, Membership.id).limit(limit + 1)).all()
    page = [MemberRow(*row) for row in rows[:limit]]
    return page, (page[-1].id if len(rows) > limit else None)


class KindHistoryRow(NamedTuple):
    changed_on: object
    from_label: str | None
    to_label: str
    by: str | None


@dataclass
class MemberPage:
    membership: Membership
    account: Account | None
    kind_history: list[KindHistoryRow]
    checks: list
    restrictions: list
    notes: list


def member_page(actor: Membership, membership_id: int) -> MemberPage:
    """Everything a coordinator sees about one member, in a fixed number of queries."""
    membership = _target(actor, membership_id)
    old, new = aliased(MemberKind), aliased(MemberKind)
    history = db.session.execute(
        select(KindChange.changed_on, old.label, new.label, User.name)
        .outerjoin(old, old.id == KindChange.from_kind_id)
        .join(new, new.id == KindChange.to_kind_id)
        .outerjoin(User, User.id == KindChange.changed_by_id)
        .where(KindChange.membership_id == membership.id)
        .order_by(KindChange.id.desc())
    ).all()
    return MemberPage(
        membership=membership,
        account=db.session.scalar(select(Account).where(Account.membership_id == membership.id)),
        kind_history=[KindHistoryRow(*row) for row in history],
        checks=checks_for(membership.id),
        restrictions=restrictions_for([membership.id], include_lifted=True).get(membership.id, []),
        notes=notes_for(membership.id),
    )


# -- role, kind, standing --------------------------------------------------------------------


def _not_left(membership: Membership) -> None:
    if membership.status == MembershipStatus.LEFT:
        raise WrongMemberStatus(_("They have left the timebank, so this cannot be changed."))


def set_role(actor: Membership, membership_id: int, role: str) -> Membership:
    membership = _target(actor, membership_id)
    _not_left(membership)
    _manageable(actor, membership)
    _grantable(actor, role)
    if role == membership.role:
        raise InvalidInput(_("They already have that role."), field="role")
    has_account = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id)) is not None
    if role not in ACCOUNT_ROLES and has_account:
        raise InvalidInput(_("Someone with a time account cannot become a funder: funders see reports only."), field="role")
    if role in ACCOUNT_ROLES and not has_account and membership.kind_id is None:
        raise InvalidInput(_("Set the kind of person they are first: everyone with a time account has one."), field="role")
    before = membership.role
    membership.role = role
    if role in ACCOUNT_ROLES and not has_account and membership.status != MembershipStatus.PENDING:
        _open_account(membership, membership.community, actor.user_id)
    _audit(actor, "member.role", membership, before=before, after=role)
    return membership


def set_kind(actor: Membership, membership_id: int, kind_id: int | None) -> Membership:
    """A new kind, kept in the history with its date and who changed it. Postings already made
    keep the kind they were made with."""
    membership = _target(actor, membership_id)
    _not_left(membership)
    kind = _kind(actor.community_id, kind_id)
    if kind.id == membership.kind_id:
        raise InvalidInput(_("They are already a %(kind)s.", kind=kind.label.lower()), field="kind")
    before = membership.kind
    membership.kind_id = kind.id
    if membership.status != MembershipStatus.PENDING and membership.role in ACCOUNT_ROLES:
        db.session.add(
            KindChange(
                membership_id=membership.id,
                from_kind_id=before.id if before else None,
                to_kind_id=kind.id,
                changed_on=membership.community.today(),
                changed_by_id=actor.user_id,
            )
        )
    _audit(actor, "member.kind", membership, before=before.code if before else None, after=kind.code)
    return membership


def suspend(actor: Membership, membership_id: int, reason: str | None = None) -> Membership:
    """A suspended member cannot use the member pages until reinstated. The reason, if given,
    is kept as a private note."""
    membership = _target(actor, membership_id)
    _manageable(actor, membership)
    if membership.status != MembershipStatus.ACTIVE:
        raise WrongMemberStatus(_("Only an active member can be suspended."))
    membership.status = MembershipStatus.SUSPENDED
    if (reason or "").strip():
        add_note(actor, membership.id, _("Suspended: %(reason)s", reason=reason.strip()), audited=False)
    _audit(actor, "member.suspend", membership)
    return membership


def reinstate(actor: Membership, membership_id: int) -> Membership:
    membership = _target(actor, membership_id)
    _manageable(actor, membership)
    if membership.status != MembershipStatus.SUSPENDED:
        raise WrongMemberStatus(_("Only a suspended member can be reinstated."))
    membership.status = MembershipStatus.ACTIVE
    _audit(actor, "member.reinstate", membership)
    return membership


FREEZE, DONATE = "freeze", "donate"


def leave(actor: Membership, membership_id: int, balance: str) -> Membership:
    """The member leaves: their account closes, their balance either frozen in it or donated to
    the community pot first (a donation entry through the ledger). A balance below zero cannot
    be donated. Their pending exchanges are cancelled and their open listings closed."""
    membership = _target(actor, membership_id)
    _manageable(actor, membership)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
        raise WrongMemberStatus(_("Only an active or suspended member can leave. Decline an application instead."))
    if balance not in (FREEZE, DONATE):
        raise InvalidInput(_("Choose what happens to their balance."), field="balance")
    community = membership.community
    now = utcnow()
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    donated = 0
    if account is not None:
        if balance == DONATE and account.balance < 0:
            raise CannotDonateNegative(field="balance")
        if balance == DONATE and account.balance > 0:
            donated = account.balance
            pot = pot_account(community.id)
            post_entry(
                EntrySpec(
                    community_id=community.id,
                    kind=EntryKind.DONATION,
                    occurred_on=community.today(now),
                    postings=(PostingSpec(account.id, -donated), PostingSpec(pot.id, donated)),
                    recorded_by_id=actor.user_id,
                    confirmed_by_id=actor.user_id,
                    confirmation=Confirmation.RECORDER,
                    idempotency_key=f"leave-donation-{membership.id}",
                    reason="The member left and their balance was donated to the pot.",
                ),
                now=now,
            )
        db.session.execute(
            update(Exchange)
            .where(
                Exchange.status == ExchangeStatus.PENDING,
                or_(Exchange.giver_account_id == account.id, Exchange.receiver_account_id == account.id),
            )
            .values(status=ExchangeStatus.CANCELLED, decided_at=now, decided_by_id=actor.user_id)
        )
        db.session.refresh(account)
        account.closed_at = now
    db.session.execute(
        update(Listing)
        .where(Listing.membership_id == membership.id, Listing.status == ListingStatus.OPEN)
        .values(status=ListingStatus.CLOSED, closed_at=now)
    )
    membership.status = MembershipStatus.LEFT
    membership.left_on = community.today(now)
    _audit(actor, "member.leave", membership, balance=balance, donated_minutes=donated)
    return membership


# -- importing a file ------------------------------------------------------------------------


@dataclass
class _Person:
    line: int
    name: str
    email: str
    role: str
    kind: MemberKind | None
    phone: str | None


def _read_rows(data: bytes) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(1, _("The file is not in UTF-8. Save it as \u201cCSV UTF-8\u201d and try again."))]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("name", "email", "kind") if c not in header]
    if missing:
        return [], [(1, _("The first line must name the columns: name, email, kind, and optionally role and phone. Missing: %(missing)s.", missing=", ".join(missing)))]
    rows, problems, line = [], [], 2
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((line, dict(zip(header, (c.strip() for c in cells), strict=False))))
            line = reader.line_num + 1
    except csv.Error as error:
        problems.append((line, _("This line cannot be read (%(error)s).", error=str(error))))
    if not rows and not problems:
        problems.append((2, _("The file has no members in it.")))
    if len(rows) > IMPORT_MAX_ROWS:
        problems.append((1, _("A file can hold at most %(n)d members.", n=IMPORT_MAX_ROWS)))
    return rows, problems


def _check_rows(actor: Membership, rows: list[tuple[int, dict]]) -> tuple[list[_Person], list[tuple[int, str]]]:
    kinds = {}
    for kind in person_kinds(actor.community_id):
        kinds[kind.code.lower()] = kinds[kind.label.lower()] = kind
    emails = [normalise_email(row.get("email", "")) for _line, row in rows]
    taken = set(db.session.scalars(select(User.email).where(User.email.in_(emails)))) if emails else set()
    first_line: dict[str, int] = {}
    people, problems = [], []
    for line, row in rows:
        found = []
        name = row.get("name") or ""
        email = normalise_email(row.get("email", ""))
        role = (row.get("role") or Role.MEMBER).lower()
        phone = row.get("phone") or None
        if not name:
            found.append(_("the name is missing"))
        elif len(name) > 200:
            found.append(_("the name is longer than 200 characters"))
        if not EMAIL_RE.match(email) or len(email) > 254:
            found.append(_("\u201c%(email)s\u201d is not an email address", email=row.get("email", "")))
        elif email in first_line:
            found.append(_("%(email)s is also on line %(line)d", email=email, line=first_line[email]))
        elif email in taken:
            found.append(_("someone already uses %(email)s", email=email))
        first_line.setdefault(email, line)
        if role not in set(Role) or (role == Role.ADMIN and actor.role != Role.ADMIN):
            found.append(_("the role \u201c%(role)s\u201d is not one of: member, coordinator, funder", role=row.get("role")))
        kind = kinds.get((row.get("kind") or "").lower())
        if kind is None and role in ACCOUNT_ROLES:
            found.append(
                _("the kind \u201c%(kind)s\u201d is not one of: %(kinds)s", kind=row.get("kind", ""), kinds=", ".join(k.code for k in person_kinds(actor.community_id)))
            )
        if phone and len(phone) > 40:
            found.append(_("the phone number is longer than 40 characters"))
        if found:
            problems.append((line, "; ".join(found)))
        else:
            people.append(_Person(line, name, email, role, kind if role in ACCOUNT_ROLES else None, phone))
    return people, problems


def import_members(actor: Membership, data: bytes, *, send_invitations: bool = False, link_for: LinkFor | None = None) -> list[Membership]:
    """All or nothing: every line is checked first and every problem reported with its line
    number; only a file with none is imported. Nobody is emailed unless `send_invitations`, in
    which case each person gets a single-use link to set their password."""
    rows, problems = _read_rows(data)
    if not problems:
        people, problems = _check_rows(actor, rows)
    if problems:
        raise ImportRejected(problems)
    community = db.session.get(Community, actor.community_id)
    memberships = []
    for person in people:
        user = create_user(person.email, person.name)
        membership = add_membership(user, community, role=person.role, kind_code=person.kind.code if person.kind else None)
        membership.phone = person.phone
        db.session.execute(
            update(KindChange).where(KindChange.membership_id == membership.id).values(changed_by_id=actor.user_id)
        )
        if send_invitations and link_for is not None:
            _new_invitation(actor, name=person.name, email=person.email, role=person.role, kind_id=person.kind and person.kind.id, link_for=link_for)
        _audit(actor, "member.import", membership, line=person.line, invited=bool(send_invitations))
        memberships.append(membership)
    return memberships
