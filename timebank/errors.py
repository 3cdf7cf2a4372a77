"""Domain errors. Services raise them; the web layer, the API and the CLI map them at the edge.

Every error carries a stable `code` (for the API and for tests) and a message for people,
already translated through gettext.
"""
from flask_babel import lazy_gettext as _l


class TimebankError(Exception):
    code = "timebank_error"
    status = 400
    message = _l("Something went wrong.")

    def __init__(self, message=None, **details):
        self.details = details
        if message is not None:
            self.message = message
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class NotFound(TimebankError):
    code = "not_found"
    status = 404
    message = _l("We could not find that.")


class InvalidInput(TimebankError):
    code = "invalid_input"
    status = 422


class LedgerError(TimebankError):
    code = "ledger_error"
    status = 422


class TooFewPostings(LedgerError):
    code = "too_few_postings"
    message = _l("An entry needs at least two accounts: one that gives time and one that receives it.")


class ZeroPosting(LedgerError):
    code = "zero_posting"
    message = _l("Each amount of time must be more than zero minutes.")


class NotWholeMinutes(LedgerError):
    code = "not_whole_minutes"
    message = _l("Time is recorded in whole minutes.")


class Unbalanced(LedgerError):
    code = "unbalanced"
    message = _l("The time given must equal the time received.")


class SelfExchange(LedgerError):
    code = "self_exchange"
    message = _l("Someone cannot exchange time with themselves.")


class DuplicateAccount(LedgerError):
    code = "duplicate_account"
    message = _l("The same account is listed twice in one entry.")


class UnknownAccount(LedgerError):
    code = "unknown_account"
    status = 404
    message = _l("That account does not exist in this community.")


class AccountClosed(LedgerError):
    code = "account_closed"
    message = _l("That account is closed, so no time can be recorded on it.")


class UnknownEntryKind(LedgerError):
    code = "unknown_entry_kind"
    message = _l("That kind of entry is not known.")


class FutureDate(LedgerError):
    code = "future_date"
    message = _l("The date cannot be in the future.")


class DateTooOld(LedgerError):
    code = "date_too_old"
    message = _l("That date is too long ago to record here. Ask a coordinator to record it.")


class LimitExceeded(LedgerError):
    """One or more accounts would pass their floor or ceiling.

    `breaches` lists every account that would, with how far past the limit, so that a
    group session page can say who and by how much.
    """

    code = "limit_exceeded"
    message = _l("This would take an account past its limit.")

    def __init__(self, breaches, message=None):
        self.breaches = breaches
        super().__init__(message, breaches=[b._asdict() for b in breaches])


class PeriodClosed(LedgerError):
    code = "period_closed"

    def __init__(self, month, message=None):
        from flask_babel import gettext

        self.month = month
        if message is None:
            message = gettext(
                "%(month)s is closed for reporting, so nothing new is booked in it. "
                "A coordinator can still record it as a late entry, which keeps the date it happened.",
                month=month.strftime("%B %Y"),
            )
        super().__init__(message, month=month.isoformat())


class PeriodNotFinished(LedgerError):
    code = "period_not_finished"
    message = _l("A month can be closed only after it has ended.")


class PeriodAlreadyClosed(LedgerError):
    code = "period_already_closed"
    message = _l("That month is already closed.")


class AlreadyReversed(LedgerError):
    code = "already_reversed"
    status = 409
    message = _l("That entry has already been reversed.")


class CannotReverseReversal(LedgerError):
    code = "cannot_reverse_reversal"
    message = _l("A reversal cannot itself be reversed. Record a new entry instead.")


class ReasonRequired(LedgerError):
    code = "reason_required"
    message = _l("Please give a reason.")


class IdempotencyConflict(LedgerError):
    code = "idempotency_conflict"
    status = 422
    message = _l("This submission id was already used for different details.")


class ExchangeNotPending(TimebankError):
    code = "exchange_not_pending"
    status = 409
    message = _l("That exchange has already been confirmed, declined or cancelled.")


class MinutesOutOfRange(InvalidInput):
    code = "minutes_out_of_range"
    message = _l("Enter a time between 1 minute and 24 hours.")


class PartnerUnavailable(InvalidInput):
    code = "partner_unavailable"
    message = _l("Choose someone who is an active member of this timebank, other than yourself.")


class SubmissionConflict(TimebankError):
    code = "submission_conflict"
    status = 409
    message = _l("This form was already sent with different details. Please start again.")


# -- coordinator: members and invitations ---------------------------------------------------


class NotPermitted(TimebankError):
    code = "not_permitted"
    status = 403
    message = _l("You cannot do that. Ask another coordinator or an administrator.")


class WrongMemberStatus(TimebankError):
    code = "wrong_member_status"
    status = 409
    message = _l("That cannot be done while the member has this status.")


class CannotDonateNegative(InvalidInput):
    code = "cannot_donate_negative"
    message = _l("A balance below zero cannot be donated to the pot. Choose to keep it frozen instead.")


class InvitationInvalid(NotFound):
    code = "invitation_invalid"
    message = _l("This invitation link is not right. Check that you copied all of it, or ask your coordinator for a new one.")


class InvitationUsed(TimebankError):
    code = "invitation_used"
    status = 410
    message = _l("This invitation has already been used. Sign in instead, or ask your coordinator for a new one.")


class InvitationExpired(TimebankError):
    code = "invitation_expired"
    status = 410
    message = _l("This invitation has expired. Ask your coordinator for a new one.")


class ImportRejected(InvalidInput):
    """A members file with problems: `problems` lists (line number, message) for every one, and
    nothing was imported."""

    code = "import_rejected"
    message = _l("Nothing was imported: the file has problems.")

    def __init__(self, problems, message=None):
        self.problems = problems
        super().__init__(message, problems=[{"line": line, "message": str(text)} for line, text in problems])


class MatchStatusNotAllowed(TimebankError):
    code = "match_status_not_allowed"
    status = 409
    message = _l("That match cannot change to that status.")


class HelperUnavailable(InvalidInput):
    code = "helper_unavailable"
    message = _l("That person cannot be introduced for this request: they are not an active member here, they made the request, or a restriction rules them out.")


class PeopleOverLimit(LimitExceeded):
    """LimitExceeded with names, so that a page can say who and by how much: `people` holds
    (account_id, membership_id or None, name, side, over_by) for every account past a limit."""

    code = "limit_exceeded"

    def __init__(self, breaches, people):
        self.people = people
        super().__init__(breaches)
