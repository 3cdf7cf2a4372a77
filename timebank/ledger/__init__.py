"""The ledger core: the only code that writes entries and postings.

An entry is an immutable journal entry of two or more postings that sum to zero; a posting is
one account's side, in signed integer minutes (positive = the holder gave time and earns credit,
negative = received). Accounts cache their balance and a posting count, and every posting
records its number and the balance after it, so that the history can be checked link by link.

The invariants kept here, by the database where it can and checked by `verify`:

I1  every entry has at least two postings, none zero, summing to zero
    (rules.check_shape; CHECK minutes <> 0; on PostgreSQL a deferred constraint trigger)
I2  per community, the balances of all accounts sum to zero (follows from I1 and I3)
I3  an account's cached balance equals the sum of its postings and its last balance_after;
    its sequence has no gaps (rules.apply_postings; UNIQUE (account_id, sequence))
I4  no posting takes an account past its floor or ceiling, unless a coordinator's override
    with a reason (rules.apply_postings, and again in the balance UPDATE itself)
I5  entries and postings are never updated or deleted (triggers on both dialects), without
    exception: an entry's note lives beside it in entry_note, never updated, and an erased
    member's notes are deleted from there (notes.erase_notes)
I6  at most one entry per idempotency key per community; a retry returns the original, the
    same key with other content is a conflict (UNIQUE (community_id, idempotency_key))
I7  an entry is reversed at most once and a reversal mirrors it exactly (UNIQUE reverses_id)
I8  nothing is dated into a closed period, and a closed period's seal still matches its entries
"""
from .core import Posted, balance, post_entries, post_entry, reverse_entry
from .periods import close_period, closed_months
from .rules import EntrySpec, PostingSpec, exchange
from .verify import verify

__all__ = [
    "EntrySpec",
    "Posted",
    "PostingSpec",
    "balance",
    "close_period",
    "closed_months",
    "exchange",
    "post_entries",
    "post_entry",
    "reverse_entry",
    "verify",
]
