"""Two-factor sign-in: enrolling an authenticator app (TOTP, RFC 6238, through pyotp), checking
its codes, and single-use recovery codes.

- A TOTP code is accepted in the current 30-second step or the one either side of it
  (`valid_window=1`, for a phone's clock a little out), and only once: the step of the last
  code accepted is kept, and a code of that step or an earlier one is refused, so a code seen
  over someone's shoulder or replayed does not work again.
- Ten recovery codes are made at enrolment and whenever the person asks; each works once. Only
  their SHA-256 is kept: a code is about 59 random bits, so there is no dictionary to try, and the
  password is needed as well; a slow hash (argon2) would cost ten hashes per sign-in for nothing.
- Coordinators, funders and administrators must use it where the installation
  (`REQUIRE_STAFF_2FA`, passed in as `policy_on`) and one of their communities
  (`Community.staff_two_factor_required`) both say so.

Every change is in the security log and in the audit log of each of the person's communities,
for coordinators to see; no code or secret is ever logged. The services flush and never commit,
and take `now` from their caller.
"""
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ... import security_log
from ...errors import InvalidInput, TimebankError
from ...extensions import db
from ...models import Community, Membership, Role, User
from ...models.two_factor import RecoveryCode, TwoFactor
from ...security import verify_password
from .. import audit

ISSUER = "Timebank"
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
#: Letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i): 31 of them, so a
#: 12-character code is about 59 random bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
STAFF_ROLES = (Role.COORDINATOR, Role.FUNDER, Role.ADMIN)


class WrongCode(TimebankError):
    code = "two_factor_code_wrong"
    status = 422
    message = _l("That code is not right. Type the 6 numbers your authenticator app shows now.")


class WrongRecoveryCode(TimebankError):
    code = "recovery_code_wrong"
    status = 422
    message = _l("That recovery code is not right, or it has been used already.")


class WrongProof(TimebankError):
    code = "two_factor_proof_wrong"
    status = 422
    message = _l("That is not your present password or a code from your authenticator app.")


class TwoFactorRequired(TimebankError):
    code = "two_factor_required"
    status = 409
    message = _l("Your timebank asks coordinators, funders and administrators to keep two-factor sign-in on.")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(email: str, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side) whose code this is, or None."""
    code = "".join((code or "").split())
    totp = pyotp.TOTP(secret)
    if not (len(code) == totp.digits and code.isdigit()) or not totp.verify(code, for_time=now, valid_window=1):
        return None
    current = _step(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def settings(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def is_enabled(user: User) -> bool:
    return db.session.scalar(select(TwoFactor.user_id).where(TwoFactor.user_id == user.id)) is not None


def is_required(user: User, *, policy_on: bool) -> bool:
    """Whether this person must use two-factor sign-in: staff somewhere whose community asks
    for it, while the installation's policy is on."""
    if not policy_on:
        return False
    found = db.session.scalar(
        select(Membership.id)
        .join(Community, Community.id == Membership.community_id)
        .where(Membership.user_id == user.id, Membership.role.in_(STAFF_ROLES), Community.staff_two_factor_required.is_(True))
        .limit(1)
    )
    return found is not None


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def _make_recovery_codes(user: User, now: datetime) -> list[str]:
    """Ten new codes (the old ones stop working), shown to the person once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _c in range(RECOVERY_LENGTH))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw), created_at=now))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def _audit(user: User, action: str, now: datetime, **details) -> None:
    """One audit event in each of the person's communities, as for repeated failed sign-ins."""
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == user.id)):
        audit.record(
            membership.community_id, user.id, action, subject_membership_id=membership.id,
            target_type="membership", target_id=membership.id, now=now, **details,
        )


def enrol(user: User, secret: str, code: str, *, now: datetime) -> list[str]:
    """Turn two-factor sign-in on with this secret, once the first code from the app proves the
    app has it. Returns the recovery codes, to be shown once."""
    if not secret or is_enabled(user):
        raise InvalidInput(_("Two-factor sign-in is already on."), field="code")
    step = _matching_step(secret, code, now)
    if step is None:
        security_log.record("two_factor.code_refused", user_id=user.id, stage="enrolment")
        raise WrongCode(field="code")
    db.session.add(TwoFactor(user_id=user.id, secret=secret, enabled_at=now, last_step=step))
    codes = _make_recovery_codes(user, now)
    security_log.record("two_factor.enabled", user_id=user.id)
    security_log.record("two_factor.recovery_codes_made", user_id=user.id, count=len(codes))
    _audit(user, "two_factor.enabled", now)
    db.session.flush()
    return codes


def _locked(user: User) -> TwoFactor | None:
    return db.session.scalar(select(TwoFactor).where(TwoFactor.user_id == user.id).with_for_update())


def check_code(user: User, code: str, *, now: datetime) -> str:
    """A code from the authenticator app, accepted once. Returns the method ("totp")."""
    row = _locked(user)
    step = _matching_step(row.secret, code, now) if row else None
    if step is None or (row.last_step is not None and step <= row.last_step):
        security_log.record(
            "two_factor.code_refused", user_id=user.id, stage="sign_in",
            outcome="replayed" if step is not None else "wrong",
        )
        raise WrongCode(field="code")
    row.last_step = step
    db.session.flush()
    return "totp"


def use_recovery_code(user: User, code: str, *, now: datetime) -> str:
    """A recovery code, which then stops working. Returns the method ("recovery_code")."""
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not used:
        security_log.record("two_factor.code_refused", user_id=user.id, stage="sign_in", outcome="wrong_recovery_code")
        raise WrongRecoveryCode(field="recovery_code")
    left = remaining_recovery_codes(user)
    security_log.record("two_factor.recovery_code_used", user_id=user.id, remaining=left)
    _audit(user, "two_factor.recovery_code_used", now, remaining=left)
    db.session.flush()
    return "recovery_code"


def _prove(user: User, proof: str, now: datetime) -> None:
    """The present password, or a code from the app (accepted once, like any other)."""
    proof = (proof or "").strip()
    if proof and verify_password(user.password_hash, proof):
        return
    try:
        check_code(user, proof, now=now)
    except WrongCode:
        raise WrongProof(field="proof") from None


def new_recovery_codes(user: User, proof: str, *, now: datetime) -> list[str]:
    """Ten new recovery codes in place of the old ones, given the password or a code."""
    if not is_enabled(user):
        raise InvalidInput(_("Two-factor sign-in is off."), field="proof")
    _prove(user, proof, now)
    codes = _make_recovery_codes(user, now)
    security_log.record("two_factor.recovery_codes_made", user_id=user.id, count=len(codes))
    _audit(user, "two_factor.recovery_codes_made", now)
    db.session.flush()
    return codes


def disable(user: User, proof: str, *, now: datetime, policy_on: bool) -> None:
    """Turn two-factor sign-in off, given the password or a code; refused where it is required."""
    if not is_enabled(user):
        raise InvalidInput(_("Two-factor sign-in is off."), field="proof")
    if is_required(user, policy_on=policy_on):
        raise TwoFactorRequired(field="proof")
    _prove(user, proof, now)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    security_log.record("two_factor.disabled", user_id=user.id)
    _audit(user, "two_factor.disabled", now)
    db.session.flush()


def record_repeated_code_failures(user: User, failures: int, *, now: datetime) -> None:
    """Tell coordinators, through the audit log, that wrong codes keep coming for this person
    (someone who has their password, or a member who needs help with the app)."""
    _audit(user, "two_factor.repeated_failures", now, failures=failures)
