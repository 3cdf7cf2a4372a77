"""The audit log in plain words: each action code as a sentence with the people's names, and a
link to what it was about. The codes stay in the CSV download; the page shows these."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

#: Sentences by action code. %(actor)s is who did it, %(subject)s whom it was about; the other
#: names are the event's details (each optional: a missing one reads as empty).
SENTENCES = {
    "activity.check": _l("%(actor)s changed the check %(activity)s needs"),
    "community.settings": _l("%(actor)s changed the community settings"),
    "conversation.report": _l("%(actor)s reported a conversation"),
    "conversation.report_closed": _l("%(actor)s closed a report about a conversation"),
    "entry.reverse": _l("%(actor)s reversed an entry of %(subject)s"),
    "exchange.confirm_on_behalf": _l("%(actor)s confirmed an exchange on behalf of %(subject)s"),
    "exchange.record": _l("%(actor)s recorded time given by %(subject)s"),
    "exchange.record_late": _l("%(actor)s recorded a late entry for %(subject)s"),
    "ledger.import": _l("%(actor)s imported past exchanges from a file"),
    "match.introduce": _l("%(actor)s introduced %(subject)s to someone who asked for help"),
    "match.status": _l("%(actor)s changed how an introduction of %(subject)s went"),
    "member.apply": _l("%(subject)s asked to join"),
    "member.approve": _l("%(actor)s accepted %(subject)s as a member"),
    "member.decline": _l("%(actor)s declined the application of %(subject)s"),
    "member.erase": _l("%(actor)s erased the personal details of %(subject)s"),
    "member.import": _l("%(actor)s added %(subject)s from a file"),
    "member.invite": _l("%(actor)s invited %(subject)s to join"),
    "member.join": _l("%(subject)s joined"),
    "member.kind": _l("%(actor)s changed what kind of person %(subject)s is"),
    "member.leave": _l("%(actor)s recorded that %(subject)s left"),
    "member.messaging_block": _l("%(actor)s stopped %(subject)s from sending messages"),
    "member.messaging_unblock": _l("%(actor)s let %(subject)s send messages again"),
    "member.reinstate": _l("%(actor)s reinstated %(subject)s"),
    "member.role": _l("%(actor)s changed the role of %(subject)s"),
    "member.sign_out_everywhere": _l("%(actor)s signed %(subject)s out everywhere"),
    "member.suspend": _l("%(actor)s suspended %(subject)s"),
    "note.add": _l("%(actor)s added a private note about %(subject)s"),
    "organisation.create": _l("%(actor)s added the organisation %(name)s"),
    "organisation.payment": _l("%(actor)s recorded a payment from %(subject)s to an organisation"),
    "period.close": _l("%(actor)s closed and sealed %(month)s"),
    "pot.donation": _l("%(actor)s gave %(subject)s time from the community pot"),
    "pot.grant": _l("%(actor)s recorded %(subject)s giving time to the community pot"),
    "report.grant": _l("%(actor)s gave %(subject)s access to the reports"),
    "report.invite": _l("%(actor)s invited a funder to read the reports"),
    "report.revoke": _l("%(actor)s ended the report access of %(subject)s"),
    "safeguarding.check_add": _l("%(actor)s recorded a safeguarding check for %(subject)s"),
    "safeguarding.lift": _l("%(actor)s lifted a restriction on %(subject)s"),
    "safeguarding.restrict": _l("%(actor)s added a restriction on %(subject)s"),
    "session.record": _l("%(actor)s recorded a group session"),
    "signin.repeated_failures": _l("Repeated failed sign-ins for %(subject)s"),
    "two_factor.disabled": _l("%(actor)s turned off two-factor sign-in"),
    "two_factor.enabled": _l("%(actor)s turned on two-factor sign-in"),
    "two_factor.recovery_code_used": _l("%(actor)s used a recovery code to sign in"),
    "two_factor.recovery_codes_made": _l("%(actor)s made new recovery codes"),
    "two_factor.repeated_failures": _l("Repeated wrong two-factor codes for %(actor)s"),
}
#: Short names for the action filter.
LABELS = {
    "entry.reverse": _l("Reversed an entry"),
    "period.close": _l("Closed a month"),
    "report.grant": _l("Gave someone access to the reports"),
    "report.invite": _l("Invited a funder to read the reports"),
    "report.revoke": _l("Ended someone's access to the reports"),
}


def label(action: str) -> str:
    """A name for the action in the filter: its short label, else its sentence without names."""
    if action in LABELS:
        return str(LABELS[action])
    if action in SENTENCES:
        return _describe(action, _("Someone"), _("someone"), {}).rstrip()
    return _("Other: %(code)s", code=action)


def describe(event) -> str:
    """The event as one sentence with names (the audit page's row)."""
    return _describe(event.action, event.actor or _("The system"), event.subject or _("someone"), event.details or {})


def _describe(action: str, actor: str, subject: str, details: dict) -> str:
    sentence = SENTENCES.get(action)
    if sentence is None:
        return _("%(actor)s did something recorded as %(code)s", actor=actor, code=action)
    values = {key: "" if value is None else str(value) for key, value in details.items() if isinstance(value, str | int | float)}
    values.update(actor=actor, subject=subject, activity=details.get("activity") or _("an activity"),
                  month=_month(details.get("month")), name=details.get("name") or "")
    return str(sentence) % _Missing(values)


class _Missing(dict):
    def __missing__(self, key):
        return ""


def _month(value) -> str:
    from datetime import date

    try:
        return date.fromisoformat(f"{value}-01").strftime("%B %Y")
    except (TypeError, ValueError):
        return _("a month")


def link(event) -> tuple[str, str] | None:
    """(url, words) for what the event was about, if a page shows it."""
    target, target_id, details = event.target_type, event.target_id, event.details or {}
    try:
        if target == "entry" and target_id is not None:
            return url_for("coordinate.entry", entry_id=target_id), _("See the entry")
        if target == "reporting_period" and details.get("month"):
            return url_for("coordinate.period", month=details["month"]), _("See %(month)s", month=_month(details["month"]))
        if target == "group_session" and target_id is not None:
            return url_for("coordinate.session_page", session_id=target_id), _("See the session")
        if target == "match":
            return url_for("coordinate.matches"), _("See the matches")
        if target == "activity_category":
            return url_for("coordinate.activity_checks"), _("See the checks each activity needs")
        if target == "community":
            return url_for("coordinate.settings_page"), _("See the settings")
        if event.subject_membership_id is not None and event.subject:
            return url_for("coordinate.member", membership_id=event.subject_membership_id), _("See %(name)s", name=event.subject)
    except BuildError:
        return None
    return None
