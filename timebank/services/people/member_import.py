"""Importing members from a CSV file (name, email, kind, and optionally role and phone): all or
nothing, every problem reported with its line number."""
import csv
import io
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from ...errors import ImportRejected, InvalidInput
from ...extensions import db
from ...models import Community, KindChange, MemberKind, Membership, Role, User
from ...models.types import utcnow
from . import ACCOUNT_ROLES, EMAIL_RE, add_membership, create_user, normalise_email
from .invitations import LinkFor, new_invitation
from .memberships import audit_membership, person_kinds
from .profile import check_phone, phone_region

IMPORT_MAX_ROWS = 2000


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
    region = phone_region(db.session.get(Community, actor.community_id))
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
        elif phone and not _is_phone(phone, region):
            found.append(_("\u201c%(phone)s\u201d is not a phone number", phone=phone))
        if found:
            problems.append((line, "; ".join(found)))
        else:
            people.append(_Person(line, name, email, role, kind if role in ACCOUNT_ROLES else None, phone))
    return people, problems


def _is_phone(text: str, region: str) -> bool:
    try:
        check_phone(text, region)
    except InvalidInput:
        return False
    return True


def import_members(
    actor: Membership, data: bytes, *, send_invitations: bool = False, link_for: LinkFor | None = None, now: datetime | None = None
) -> list[Membership]:
    """All or nothing: every line is checked first and every problem reported with its line
    number; only a file with none is imported. Nobody is emailed unless `send_invitations`, in
    which case each person gets a single-use link to set their password."""
    rows, problems = _read_rows(data)
    if not problems:
        people, problems = _check_rows(actor, rows)
    if problems:
        raise ImportRejected(problems)
    community = db.session.get(Community, actor.community_id)
    now = now or utcnow()
    memberships = []
    for person in people:
        user = create_user(person.email, person.name, now=now)
        membership = add_membership(user, community, role=person.role, kind_code=person.kind.code if person.kind else None, now=now)
        membership.phone = person.phone
        db.session.execute(
            update(KindChange).where(KindChange.membership_id == membership.id).values(changed_by_id=actor.user_id)
        )
        if send_invitations and link_for is not None:
            new_invitation(
                actor, name=person.name, email=person.email, role=person.role,
                kind_id=person.kind and person.kind.id, link_for=link_for, now=now,
            )
        audit_membership(actor, "member.import", membership, now=now, line=person.line, invited=bool(send_invitations))
        memberships.append(membership)
    return memberships
