"""Password hashing with argon2id (argon2-cffi; its defaults follow RFC 9106's recommendation).

The test configuration lowers the cost so that the suite does not spend its time hashing.
"""
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context


@lru_cache(maxsize=4)
def _hasher_for(cost: tuple | None) -> PasswordHasher:
    if cost is None:
        return PasswordHasher()
    time_cost, memory_cost = cost
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def _hasher() -> PasswordHasher:
    cost = current_app.config.get("ARGON2_COST") if has_app_context() else None
    return _hasher_for(tuple(cost) if cost else None)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Checked when an email is unknown, so that a wrong email takes as long as a wrong password.
    return hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
