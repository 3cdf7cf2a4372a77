"""Passkeys (WebAuthn, through py_webauthn): registering one, signing in with one (passwordless,
or as the second factor after a password), listing, renaming and removing them.

Each ceremony has two steps. `begin_*` makes a random challenge and keeps it in `state` (the
Flask session, which the caller passes in) with what it is for, whose it is and when it was made;
`finish_*` takes it out again before anything else, so a challenge is used once whatever the
outcome, and refuses it after CHALLENGE_SECONDS. The relying party (its id, name and origin) comes
from the caller too. Like every service: adds and flushes, never commits; takes `now` from the caller.

A counter that does not go up (when the authenticator counts at all) is refused: it is the sign of
a cloned authenticator. Only the public key is kept; a copy of the database signs nobody in.
"""
import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ... import security_log
from ...errors import InvalidInput, NotFound, TimebankError
from ...extensions import db
from ...input_rules import has_control_characters
from ...models import Passkey, User
from ...models.passkey import PASSKEY_NAME_MAX
from ...security import verify_password

#: Where `state` keeps the challenge between the two steps.
CHALLENGE_KEY = "passkey_challenge"
#: How long a challenge may be answered.
CHALLENGE_SECONDS = 5 * 60
#: The browser's own timeout for the ceremony (a hint), in milliseconds.
TIMEOUT_MS = 2 * 60 * 1000
#: At most this many passkeys per person.
PASSKEYS_MAX = 20

REGISTER, SIGN_IN, SECOND_FACTOR = "register", "sign_in", "second_factor"


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: `id` is the host name (no scheme, no port), `origin` the
    scheme, host and port the pages are served from."""

    id: str
    name: str
    origin: str


class PasskeyRefused(TimebankError):
    """The browser's answer did not verify (a wrong origin, a bad signature, a malformed body)."""

    code = "passkey_refused"
    status = 400
    message = _l("That passkey could not be checked. Try again, or use your password.")


class PasskeyChallengeMissing(TimebankError):
    """No challenge waiting for this step: never asked for, used already, or for another step."""

    code = "passkey_challenge_missing"
    status = 400
    message = _l("That passkey request has already been used or was never started. Try again.")


class PasskeyChallengeExpired(TimebankError):
    code = "passkey_challenge_expired"
    status = 400
    message = _l("That took too long. Try again.")


class PasskeyUnknown(TimebankError):
    """A credential we do not hold (removed, or never registered here)."""

    code = "passkey_unknown"
    status = 400
    message = _l("We do not know that passkey. Use your password, then add the passkey again.")


class PasskeyCounterRegressed(TimebankError):
    """The authenticator's counter did not go up: it may have been copied."""

    code = "passkey_counter_regressed"
    status = 400
    message = _l("That passkey could not be trusted. Sign in with your password and remove it from your passkeys.")


class PasskeyAlreadyRegistered(TimebankError):
    code = "passkey_already_registered"
    status = 409
    message = _l("That passkey is already added.")


class PasskeyWrongPassword(TimebankError):
    code = "wrong_password"
    status = 422
    message = _l("That is not your present password.")


class TooManyPasskeys(TimebankError):
    code = "too_many_passkeys"
    status = 422
    message = _l("You have %(n)d passkeys, the most you can have. Remove one first.", n=PASSKEYS_MAX)


# -- the challenge --------------------------------------------------------------------------------


def _keep_challenge(state: MutableMapping, challenge: bytes, purpose: str, user_id: int | None, now: datetime) -> None:
    state[CHALLENGE_KEY] = {
        "challenge": bytes_to_base64url(challenge),
        "purpose": purpose,
        "user_id": user_id,
        "at": int(now.timestamp()),
    }


def _take_challenge(state: MutableMapping, purpose: str, user_id: int | None, now: datetime) -> bytes:
    """The challenge waiting for this step, taken out of `state` (so it is used once)."""
    kept = state.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose or kept.get("user_id") != user_id:
        raise PasskeyChallengeMissing()
    at = kept.get("at")
    if not isinstance(at, int) or not 0 <= int(now.timestamp()) - at <= CHALLENGE_SECONDS:
        raise PasskeyChallengeExpired()
    return base64url_to_bytes(kept["challenge"])


# -- registering ----------------------------------------------------------------------------------


def passkeys_of(user_id: int) -> list[Passkey]:
    return list(db.session.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.id)))


def _user_handle(user: User) -> str:
    """One random handle per person, the same for all their passkeys (so an authenticator keeps
    one passkey per person here): never their id or email address."""
    existing = db.session.scalar(select(Passkey.user_handle).where(Passkey.user_id == user.id).limit(1))
    return existing or bytes_to_base64url(secrets.token_bytes(32))


def begin_registration(user: User, password: str | None, state: MutableMapping, *, rp: RelyingParty, now: datetime) -> str:
    """Options (JSON text) for `navigator.credentials.create()`. Asks for the person's present
    password first, as changing it does: a passkey is a way in that outlasts the session, so a
    copied session cookie must not be enough to add one."""
    if not verify_password(user.password_hash, password or ""):
        security_log.record("passkey.refused", user_id=user.id, step=REGISTER, reason="wrong_password")
        raise PasskeyWrongPassword()
    mine = passkeys_of(user.id)
    if len(mine) >= PASSKEYS_MAX:
        raise TooManyPasskeys()
    handle = mine[0].user_handle if mine else _user_handle(user)
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=user.email,
        user_id=base64url_to_bytes(handle),
        user_display_name=user.name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(p) for p in mine],
    )
    _keep_challenge(state, options.challenge, REGISTER, user.id, now)
    state[CHALLENGE_KEY]["user_handle"] = handle
    return options_to_json(options)


def check_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        return _("Passkey")
    if has_control_characters(name):
        raise InvalidInput(_("A name cannot hold control characters such as line breaks."), field="name")
    if len(name) > PASSKEY_NAME_MAX:
        raise InvalidInput(_("That is too long: at most %(n)d characters.", n=PASSKEY_NAME_MAX), field="name")
    return name


def finish_registration(user: User, credential, name: str | None, state: MutableMapping, *, rp: RelyingParty, now: datetime) -> Passkey:
    """Check the browser's answer to `begin_registration` and keep the new passkey."""
    kept = state.get(CHALLENGE_KEY)
    handle = kept.get("user_handle") if isinstance(kept, dict) else None
    challenge = _take_challenge(state, REGISTER, user.id, now)
    name = check_name(name)
    try:
        parsed = parse_registration_credential_json(credential)
        verified = verify_registration_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as error:
        security_log.record("passkey.refused", user_id=user.id, step=REGISTER, reason=type(error).__name__)
        raise PasskeyRefused() from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(func.count()).select_from(Passkey).where(Passkey.credential_id == credential_id)):
        raise PasskeyAlreadyRegistered()
    if len(passkeys_of(user.id)) >= PASSKEYS_MAX:
        raise TooManyPasskeys()
    transports = parsed.response.transports or []
    passkey = Passkey(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=" ".join(str(getattr(t, "value", t)) for t in transports)[:200],
        user_handle=handle or _user_handle(user),
        name=name,
        created_at=now,
    )
    db.session.add(passkey)
    db.session.flush()
    security_log.record("passkey.added", user_id=user.id, passkey_id=passkey.id)
    return passkey


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    known = {t.value for t in AuthenticatorTransport}
    transports = [AuthenticatorTransport(t) for t in passkey.transports.split() if t in known]
    return PublicKeyCredentialDescriptor(id=base64url_to_bytes(passkey.credential_id), transports=transports or None)


# -- signing in -----------------------------------------------------------------------------------


def begin_authentication(state: MutableMapping, *, rp: RelyingParty, now: datetime, user: User | None = None) -> str:
    """Options (JSON text) for `navigator.credentials.get()`. Without `user`: passwordless, any
    passkey the authenticator holds for this site (discoverable credentials), and the person
    must be verified on it (a PIN, a fingerprint), so that it counts as both factors. With
    `user` (who has given their password): one of their passkeys, as the second factor."""
    options = generate_authentication_options(
        rp_id=rp.id,
        timeout=TIMEOUT_MS,
        allow_credentials=[_descriptor(p) for p in passkeys_of(user.id)] if user else None,
        user_verification=UserVerificationRequirement.PREFERRED if user else UserVerificationRequirement.REQUIRED,
    )
    _keep_challenge(state, options.challenge, SECOND_FACTOR if user else SIGN_IN, user.id if user else None, now)
    return options_to_json(options)


def finish_authentication(credential, state: MutableMapping, *, rp: RelyingParty, now: datetime, user: User | None = None) -> Passkey:
    """Check the browser's answer to `begin_authentication`: the passkey used (its person is
    `passkey.user_id`), with its counter and last use brought up to date."""
    purpose = SECOND_FACTOR if user else SIGN_IN
    challenge = _take_challenge(state, purpose, user.id if user else None, now)
    try:
        parsed = parse_authentication_credential_json(credential)
        if bytes_to_base64url(parsed.raw_id) != parsed.id:  # before it is looked up: only base64url reaches a query
            raise WebAuthnException("id and rawId differ")
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as error:
        security_log.record("passkey.refused", user_id=user.id if user else None, step=purpose, reason=type(error).__name__)
        raise PasskeyRefused() from None
    passkey = db.session.scalar(select(Passkey).where(Passkey.credential_id == parsed.id))
    if passkey is None or (user is not None and passkey.user_id != user.id):
        security_log.record("passkey.refused", user_id=user.id if user else None, step=purpose, reason="unknown_credential")
        raise PasskeyUnknown()
    owner = db.session.get(User, passkey.user_id)
    if owner is None or not owner.is_active:
        security_log.record("passkey.refused", user_id=passkey.user_id, step=purpose, reason="inactive")
        raise PasskeyUnknown()
    if parsed.response.user_handle is not None and bytes_to_base64url(parsed.response.user_handle) != passkey.user_handle:
        security_log.record("passkey.refused", user_id=passkey.user_id, step=purpose, reason="user_handle")
        raise PasskeyRefused()
    try:
        # The counter is checked below, after the signature, so that a regression is told apart.
        verified = verify_authentication_response(
            credential=parsed, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=passkey.public_key, credential_current_sign_count=0,
            require_user_verification=user is None,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as error:
        security_log.record("passkey.refused", user_id=passkey.user_id, step=purpose, reason=type(error).__name__)
        raise PasskeyRefused() from None
    counted = verified.new_sign_count > 0 or passkey.sign_count > 0
    if counted and verified.new_sign_count <= passkey.sign_count:
        security_log.record("passkey.counter_regressed", user_id=passkey.user_id, passkey_id=passkey.id)
        raise PasskeyCounterRegressed()
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = now
    owner.last_login_at = now
    db.session.flush()
    security_log.record("passkey.used", user_id=passkey.user_id, passkey_id=passkey.id, step=purpose)
    return passkey


# -- looking after them ---------------------------------------------------------------------------


def _mine(user: User, passkey_id: int | None) -> Passkey:
    passkey = db.session.get(Passkey, passkey_id) if isinstance(passkey_id, int) else None
    if passkey is None or passkey.user_id != user.id:
        raise NotFound(_("We could not find that passkey."))
    return passkey


def rename_passkey(user: User, passkey_id: int | None, name: str | None) -> Passkey:
    passkey = _mine(user, passkey_id)
    passkey.name = check_name(name)
    db.session.flush()
    return passkey


def remove_passkey(user: User, passkey_id: int | None) -> Passkey:
    passkey = _mine(user, passkey_id)
    db.session.delete(passkey)
    db.session.flush()
    security_log.record("passkey.removed", user_id=user.id, passkey_id=passkey.id)
    return passkey
