"""The demo community: `flask --app wsgi demo seed` (see `seed.seed_demo`).

A deterministic, believable co-production timebank: members of every kind, organisations, the
community pot, and months of exchanges, group sessions, donations, grants and corrections,
all posted through the ledger core so that every invariant holds.
"""
from .names import COMMUNITY_SLUG, COORDINATOR_EMAIL, FUNDER_EMAIL
from .seed import DemoExists, Summary, demo_exists, seed_demo

__all__ = ["COMMUNITY_SLUG", "COORDINATOR_EMAIL", "FUNDER_EMAIL", "DemoExists", "Summary", "demo_exists", "seed_demo"]
