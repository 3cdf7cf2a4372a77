"""Which columns linked to a person the member's data download (`profile.my_data`) holds, and
why the rest are left out.

A column is linked to a person when its table is `user`, `membership` or `account`, or has a
foreign key to one of them. Each one is either exported (`EXPORTED`: the column, and where it
is in the download as "section.key") or left out (`LEFT_OUT`, with the reason). The meta-test
tests/integration/test_my_data_complete.py fails on a column that is neither, so a new column
about people is a decision, not an accident.
"""

EXPORTED = {
    "user.name": "person.name",
    "user.email": "person.email",
    "user.created_at": "person.joined_app",
    "user.last_login_at": "person.last_signed_in",
    "membership.community_id": "membership.community",
    "membership.role": "membership.role",
    "membership.kind_id": "membership.kind",
    "membership.status": "membership.status",
    "membership.joined_on": "membership.joined_on",
    "membership.left_on": "membership.left_on",
    "membership.ref": "membership.reference",
    "membership.application_note": "membership.application_note",
    "membership.display_name": "profile.display_name",
    "membership.skills": "profile.skills",
    "membership.availability": "profile.availability",
    "membership.phone": "profile.phone",
    "membership.contact_by": "profile.contact_by",
    "membership.share_contact": "profile.share_contact",
    "membership.in_directory": "profile.in_directory",
    "membership.email_notifications": "profile.email_notifications",
    "membership.digest_weekly": "profile.digest_weekly",
    "kind_change.from_kind_id": "kind_history.from",
    "kind_change.to_kind_id": "kind_history.to",
    "kind_change.changed_on": "kind_history.on",
    "account.balance": "account.balance_minutes",
    "account.floor": "account.floor_minutes",
    "account.ceiling": "account.ceiling_minutes",
    "account.created_at": "account.opened_at",
    "account.closed_at": "account.closed_at",
    "posting.entry_id": "statement.entry",
    "posting.sequence": "statement.number",
    "posting.minutes": "statement.minutes",
    "posting.balance_after": "statement.balance_after",
    "posting.holder_kind": "statement.your_kind",
    "entry.id": "statement.entry",
    "entry.kind": "statement.kind",
    "entry.occurred_on": "statement.date",
    "entry.recorded_at": "statement.recorded_at",
    "entry.confirmation": "statement.confirmation",
    "entry.activity_id": "statement.activity",
    "entry.coproduction_step": "statement.coproduction_step",
    "entry.ladder_rung": "statement.ladder_rung",
    # An entry's note (`entry_note.note`, read as `Entry.note`) is exported as statement.note too;
    # `entry_note` refers only to `entry`, so it is not listed among the person-linked columns.
    "entry.reason": "statement.reason",
    "passkey.name": "passkeys.name",
    "passkey.created_at": "passkeys.added_at",
    "passkey.last_used_at": "passkeys.last_used_at",
    "entry.reverses_id": "statement.reverses_entry",
    "exchange.id": "exchanges.id",
    "exchange.giver_account_id": "exchanges.you",
    "exchange.receiver_account_id": "exchanges.you",
    "exchange.logged_by_account_id": "exchanges.logged_by_you",
    "exchange.minutes": "exchanges.minutes",
    "exchange.occurred_on": "exchanges.date",
    "exchange.activity_id": "exchanges.activity",
    "exchange.note": "exchanges.note",
    "exchange.status": "exchanges.status",
    "exchange.created_at": "exchanges.logged_at",
    "exchange.decided_at": "exchanges.decided_at",
    "exchange.confirmation": "exchanges.confirmation",
    "exchange.decline_reason": "exchanges.decline_reason",
    "exchange.entry_id": "exchanges.entry",
    "listing.id": "offers_and_requests.id",
    "listing.type": "offers_and_requests.type",
    "listing.category_id": "offers_and_requests.category",
    "listing.title": "offers_and_requests.title",
    "listing.description": "offers_and_requests.description",
    "listing.status": "offers_and_requests.status",
    "listing.created_at": "offers_and_requests.created_at",
    "listing.updated_at": "offers_and_requests.updated_at",
    "listing.closed_at": "offers_and_requests.closed_at",
    "listing.expires_on": "offers_and_requests.expires_on",
    "help_offer.listing_id": "help_offered.request",
    "help_offer.message": "help_offered.message",
    "help_offer.created_at": "help_offered.at",
    "match.listing_id": "introductions.request",
    "match.requester_membership_id": "introductions.you",
    "match.helper_membership_id": "introductions.you",
    "match.status": "introductions.status",
    "match.created_at": "introductions.at",
    "match.updated_at": "introductions.updated_at",
    "match.entry_id": "introductions.entry",
    "attendance.session_id": "group_sessions.session",
    "attendance.role": "group_sessions.role",
    "group_session.id": "group_sessions.session",
    "group_session.title": "group_sessions.title",
    "group_session.occurred_on": "group_sessions.date",
    "notification.kind": "notifications.kind",
    "notification.params": "notifications.params",
    "notification.created_at": "notifications.at",
    "notification.read_at": "notifications.read_at",
    "notification.emailed_at": "notifications.emailed_at",
    "api_token.name": "api_tokens.name",
    "api_token.hint": "api_tokens.starts",
    "api_token.scopes": "api_tokens.scopes",
    "api_token.created_at": "api_tokens.created_at",
    "api_token.last_used_at": "api_tokens.last_used_at",
    "api_token.revoked_at": "api_tokens.revoked_at",
    "conversation.id": "conversations.conversation",
    "conversation.topic": "conversations.about",
    "conversation.listing_id": "conversations.listing",
    "conversation.match_id": "conversations.match",
    "conversation.exchange_id": "conversations.exchange",
    "conversation.created_at": "conversations.started_at",
    "conversation.starter_id": "conversations.started_by_you",
    "conversation.reported_by_id": "conversations.reported_by_you",
    "conversation.reported_at": "conversations.reported_at",
    "conversation.report_reason": "conversations.report_reason",
    # Each message is in its conversation's `messages` list: from_you, text, at.
    "message.membership_id": "conversations.messages",
    "message.body": "conversations.messages",
    "message.created_at": "conversations.messages",
}

_LEFT_OUT_BY_REASON = {
    "a row number or a link between rows inside the app; what it links to is exported": """
        user.id membership.id membership.user_id account.id account.membership_id account.community_id
        kind_change.id kind_change.membership_id posting.id posting.account_id entry.community_id
        exchange.community_id exchange.match_id listing.community_id listing.membership_id help_offer.id
        help_offer.membership_id match.id match.community_id attendance.id attendance.membership_id
        notification.id notification.user_id notification.community_id api_token.id api_token.user_id
        group_session.community_id""",
    "when the row was written, where an exported date already says it": "membership.created_at kind_change.changed_at",
    "a secret (the hash of a password, a token or a link): not information about them, and it must never leave": """
        user.password_hash api_token.token_hash invitation.token_hash password_reset_token.token_hash""",
    "a passkey's key material and the machinery of using it (the credential id, the public key, the "
    "authenticator's counter and transports, the random handle browsers keep for them): no information "
    "about them, and useless outside this site": """
        passkey.id passkey.user_id passkey.credential_id passkey.public_key passkey.sign_count passkey.transports
        passkey.user_handle""",
    "a secret: their two-factor sign-in key and the hashes of their recovery codes, which would let someone "
    "past their second factor; not information about them, and it must never leave": """
        two_factor.secret recovery_code.code_hash""",
    "the machinery of their two-factor sign-in (whether it is on, the last code's time step that stops a "
    "replay, which recovery codes are used), not information about them": """
        two_factor.user_id two_factor.enabled_at two_factor.last_step recovery_code.id recovery_code.user_id
        recovery_code.created_at recovery_code.used_at""",
    "the machinery of their sign-in (a counter that ends old sessions, a switch a coordinator turned off, "
    "single-use password-reset links that expire within the hour), not information about them": """
        user.session_version user.disabled_at password_reset_token.id password_reset_token.user_id
        password_reset_token.created_at password_reset_token.expires_at password_reset_token.used_at""",
    "who else did something: another person's identity, not theirs": """
        entry.recorded_by_id entry.confirmed_by_id exchange.logged_by_id exchange.decided_by_id
        kind_change.changed_by_id match.introduced_by_id""",
    "how the ledger keeps an entry once (its idempotency key, content hash and a limit-override flag); "
    "the entry itself is exported": "entry.idempotency_key entry.content_hash entry.limit_override",
    "the day a late entry was booked on, which is the day it was recorded (statement.recorded_at is "
    "exported, and statement.date is when it happened)": "entry.booked_on",
    "account settings that say nothing about them: the type is always member, a member account has no name "
    "of its own, the posting count and the limits' starting point are bookkeeping": """
        account.type account.name account.sequence account.limits_from_sequence""",
    "the id of the form that made the row, so that a repeat makes one row": """
        exchange.submission_id listing.submission_id group_session.submission_id""",
    "a record that stops a form or an API call acting twice, deleted after RETENTION_DAYS; what the form "
    "or call did is exported": """
        form_submission.id form_submission.user_id form_submission.submission_id form_submission.result_url
        form_submission.created_at idempotency_record.id idempotency_record.user_id idempotency_record.key
        idempotency_record.fingerprint idempotency_record.status idempotency_record.response_status
        idempotency_record.response_body idempotency_record.created_at""",
    "what coordinators keep for safeguarding: a subject access request for it goes to a coordinator, who "
    "decides what may be shared (the UK GDPR's exemptions); never in a self-service download": """
        safeguarding_check.id safeguarding_check.membership_id safeguarding_check.check_type
        safeguarding_check.reference safeguarding_check.issued_on safeguarding_check.expires_on
        safeguarding_check.references_received safeguarding_check.recorded_by_id safeguarding_check.created_at
        restriction.id restriction.membership_id restriction.code restriction.detail restriction.created_by_id
        restriction.created_at restriction.lifted_at restriction.lifted_by_id
        member_note.id member_note.membership_id member_note.author_id member_note.body member_note.created_at""",
    "the coordinators' append-only record of their own actions; part of a subject access request that a "
    "coordinator answers, not of the download": """
        audit_event.id audit_event.community_id audit_event.actor_id audit_event.action
        audit_event.subject_membership_id audit_event.target_type audit_event.target_id audit_event.details
        audit_event.remote_addr audit_event.created_at""",
    "monthly sums computed from the postings, each of which is exported in the statement": """
        rollup_account_month.account_id rollup_account_month.month rollup_account_month.holder_kind
        rollup_account_month.community_id rollup_account_month.given rollup_account_month.received
        rollup_account_month.entries rollup_account_month.first_given_on rollup_account_month.first_received_on
        rollup_pair_month.giver_account_id rollup_pair_month.receiver_account_id rollup_pair_month.month
        rollup_pair_month.giver_kind rollup_pair_month.receiver_kind rollup_pair_month.community_id
        rollup_pair_month.minutes rollup_pair_month.entries""",
    "a closed month of the community's books, linked only to the coordinator who closed it": """
        reporting_period.id reporting_period.community_id reporting_period.month reporting_period.closed_at
        reporting_period.closed_by_id reporting_period.seal reporting_period.entry_count""",
    "an invitation, linked to the coordinator who sent it; the invitee's name and email are exported under "
    "person once they join": """
        invitation.id invitation.community_id invitation.email invitation.name invitation.role invitation.kind_id
        invitation.created_by_id invitation.created_at invitation.expires_at invitation.used_at""",
    "how a group session was paid for and recorded; their own time from it is in the statement": """
        group_session.activity_id group_session.coproduction_step group_session.ladder_rung group_session.payer
        group_session.payer_account_id group_session.minutes_each group_session.entry_id
        group_session.created_by_id group_session.created_at""",
    "a path inside the app to act on the notification": "notification.link",
    "how a conversation is kept (its key, the other person of the two, which message each has read, when "
    "the last one came, when a coordinator closed a report, the row numbers); every message in it is exported": """
        conversation.community_id conversation.topic_key conversation.other_id conversation.starter_read_id
        conversation.other_read_id conversation.last_message_at conversation.report_closed_at message.id
        message.conversation_id""",
    "a coordinator's decision to stop them sending messages, kept with the safeguarding records: a subject "
    "access request for it goes to a coordinator; the member sees on their conversations that they are stopped": """
        messaging_block.id messaging_block.membership_id messaging_block.blocked_by_id messaging_block.reason
        messaging_block.created_at""",
    "when the app last sent them a reminder or a weekly digest, kept only so that it is not sent twice; "
    "the reminder itself is exported among the notifications": "listing.reminded_at membership.last_digest_at",
    "a message for coordinators on why an automatic posting failed (a limit it would pass); the exchange's "
    "status is exported": "exchange.last_error",
}

#: Column ("table.column") -> why the download leaves it out.
LEFT_OUT = {column: reason for reason, columns in _LEFT_OUT_BY_REASON.items() for column in columns.split()}

#: The tables whose rows are people; a column of any table with a foreign key to one is linked to a person.
PERSON_TABLES = frozenset({"user", "membership", "account"})


def person_linked_columns(metadata) -> list[str]:
    """Every "table.column" linked to a person (see the module's docstring)."""
    found = []
    for table in metadata.sorted_tables:
        linked = table.name in PERSON_TABLES or any(
            fk.column.table.name in PERSON_TABLES for column in table.columns for fk in column.foreign_keys
        )
        if linked:
            found.extend(f"{table.name}.{column.name}" for column in table.columns)
    return found


def unaccounted(metadata) -> list[str]:
    """Person-linked columns neither exported nor left out with a reason."""
    return [c for c in person_linked_columns(metadata) if c not in EXPORTED and c not in LEFT_OUT]
