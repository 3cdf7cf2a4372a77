"""Each figure of the report with its plain-English reading, section by section (the order of
METRICS.md). A figure hidden by the privacy rules reads "fewer than N people"; one that could not
be computed reads "not enough data", and neither gets a sentence built around a missing number.
"""
from dataclasses import dataclass, field

from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .tables import MISSING, OK, SUPPRESSED, hidden_text, is_suppressed, lookup


@dataclass
class Figure:
    id: str
    name: str
    value: str
    reading: str | None = None
    state: str = OK


@dataclass
class Section:
    id: str
    title: str
    principle: str
    figures: list[Figure] = field(default_factory=list)


def share(value) -> str:
    return format_percent(value, "#,##0%")


def number(value, digits: int = 2) -> str:
    return format_decimal(value, "#,##0." + "#" * digits) if digits else format_decimal(value, "#,##0")


def duration(minutes) -> str:
    """12345 -> '205 h 45 min', with thousands separated."""
    whole, rest = divmod(abs(int(minutes)), 60)
    sign = "\u2212" if minutes < 0 else ""
    if whole and rest:
        return sign + _("%(h)s h %(m)d min", h=format_decimal(whole, "#,##0"), m=rest)
    if whole:
        return sign + _("%(h)s h", h=format_decimal(whole, "#,##0"))
    return sign + _("%(m)d min", m=rest)


def money(value, currency: str) -> str:
    from flask_babel import format_currency

    return format_currency(value, currency, "\u00a4#,##0", currency_digits=False)


class Reader:
    """Figures of one report: `get` a value, `figure` a formatted figure with its reading."""

    def __init__(self, report: dict):
        self.report = report
        self.threshold = report.get("threshold") or 5

    def get(self, path: str):
        return lookup(self.report, path)

    def state(self, path: str) -> str:
        if self.get(path) is not None:
            return OK
        return SUPPRESSED if is_suppressed(self.report, path) else MISSING

    def marker(self, path: str) -> str:
        if self.state(path) == SUPPRESSED:
            return hidden_text(self.report, path)
        return _("not enough data")

    def figure(self, id_: str, name, path: str, fmt, reading=None, *needs: str) -> Figure:
        """A figure at `path` shown with `fmt`; `reading` (a function of the values at `path` and
        `needs`) only if every one of them is there."""
        state = self.state(path)
        if state != OK:
            return Figure(id_, str(name), self.marker(path), None, state)
        values = [self.get(p) for p in (path, *needs)]
        text = reading(*values) if reading and all(v is not None for v in values) else None
        return Figure(id_, str(name), fmt(values[0]), text)


def sections(report: dict) -> list[Section]:
    r = Reader(report)
    f = r.figure
    to = report["period"]["to"]
    currency = r.get("E1.currency") or "GBP"
    return [
        Section("participation", _("Participation"), _l("Assets and capabilities: does everyone take part?"), [
            f("A1", _l("Active share"), "A1.share", share,
              lambda s, a, n: _("%(active)s of the %(registered)s registered members (%(share)s) gave or received time at least once.",
                                active=number(a, 0), registered=number(n, 0), share=share(s)), "A1.active", "A1.registered"),
            f("A1", _l("Active in the last 90 days"), "A1.share_90d", share,
              lambda s: _("In the 90 days to %(to)s, %(share)s of registered members took part.", to=to, share=share(s))),
            f("A2", _l("Hours exchanged"), "A2.hours", lambda h: number(h, 1),
              lambda h, e: _("%(hours)s hours were recorded in %(entries)s entries.", hours=number(h, 1), entries=number(e, 0)),
              "A2.entries"),
            f("A2", _l("Hours per active member"), "A2.hours_per_active", lambda h: number(h, 1),
              lambda h: _("On average, each member who took part gave or received %(hours)s hours.", hours=number(h, 1))),
            f("A2", _l("Typical exchange"), "A2.median_minutes_per_entry", lambda m: _("%(n)s minutes", n=number(m, 0)),
              lambda m: _("Half of all entries were shorter than %(n)s minutes and half longer.", n=number(m, 0))),
            f("A3", _l("Share of hours held by the most active fifth"), "A3.top20_share", share,
              lambda s: _("The most active 20%% of members account for %(share)s of all time given and received (an even spread would be 20%%).", share=share(s))),
            f("A3", _l("Spread of involvement (Gini)"), "A3.gini", number,
              lambda g: _("%(g)s on a scale where 0 means everyone is equally involved and 1 means one person does everything.", g=number(g))),
            f("A4", _l("Offers used"), "A4", share,
              lambda s: _("Of the members who offered a skill, %(share)s gave time in the period.", share=share(s))),
            f("A6", _l("New members"), "A6.joined", lambda n: number(n, 0),
              lambda n: _("%(n)s people joined in the period.", n=number(n, 0))),
            f("A6", _l("New members' first exchange within 30 days"), "A6.first_within_30d", share,
              lambda s: _("%(share)s of the people who joined had a first exchange within 30 days of joining.", share=share(s))),
        ]),
        Section("mutuality", _("Mutuality"), _l("Do people both give and receive?"), [
            f("B1", _l("Two-way share (headline)"), "B1", share,
              lambda s, a: _("Of the %(active)s people who took part, %(share)s both gave and received.", active=number(a, 0), share=share(s)),
              "A1.active"),
            f("B2", _l("Balanced give and take"), "B2.within_half", share,
              lambda s: _("%(share)s of members who took part gave and received in similar measure: neither more than three times the other.", share=share(s))),
            f("B3", _l("Returned ties"), "B3.r", share,
              lambda x: _("%(share)s of the one-way links between two members were returned: the person who received also gave back to the same person.", share=share(x))),
            f("B3", _l("Returned ties, allowing for chance (rho)"), "B3.rho", number,
              lambda x: _("%(rho)s, where 0 means no more returned links than chance would give and 1 means every link is returned.", rho=number(x))),
            f("B3", _l("Returned time"), "B3.r_w", share,
              lambda x: _("%(share)s of the time between pairs of members was matched by time going the other way.", share=share(x))),
            f("B4", _l("Pay it forward"), "B4.member_share", share,
              lambda m, t: _("%(members)s of members who took part, with %(minutes)s of the time, are in one circle where time given can travel round, person to person, back to the giver.",
                             members=share(m), minutes=share(t)), "B4.minute_share"),
            f("B5", _l("Time to reciprocate"), "B5.median_days", lambda d: _("%(n)s days", n=number(d, 0)),
              lambda d: _("Half of members who started by giving (or by receiving) first did the other within %(n)s days.", n=number(d, 0))),
            f("B5", _l("Reciprocated within 90 days"), "B5.within_90d", share,
              lambda s: _("%(share)s of them did so within 90 days.", share=share(s))),
            f("B6", _l("Large balances"), "B6.beyond_25h", share,
              lambda s: _("%(share)s of members have a balance of more than 25 hours either way at %(to)s.", share=share(s), to=to)),
            f("B6", _l("Spread of time given (Gini)"), "B6.gini_given", number,
              lambda g: _("%(g)s (0: everyone gave the same; 1: one person gave everything).", g=number(g))),
            f("B6", _l("Spread of time received (Gini)"), "B6.gini_received", number,
              lambda g: _("%(g)s (0: everyone received the same; 1: one person received everything).", g=number(g))),
        ]),
        Section("roles", _("Blurred roles"), _l("Do service users give, and professionals receive?"), [
            f("C2", _l("Upward flow"), "C2.ratio", number,
              lambda x: _("For every hour professionals gave to service users, service users gave %(x)s hours to professionals.", x=number(x))),
            f("C2", _l("Upward flow, symmetric"), "C2.symmetric", number,
              lambda x: _("%(x)s, where 1 means time flows equally both ways between service users and professionals, and 0 only one way.", x=number(x))),
            f("C3", _l("Professionals who received"), "C3.professionals_receiving", share,
              lambda s: _("%(share)s of professionals who took part received time, not only gave it.", share=share(s))),
            f("C3", _l("Service users who gave"), "C3.service_users_giving", share,
              lambda s: _("%(share)s of service users who took part gave time, not only received it.", share=share(s))),
            f("C4", _l("Role mixing"), "C4", number,
              lambda x: _("%(x)s: below 0, exchanges tend to cross kinds of member; above 0, kinds keep to themselves.", x=number(x))),
        ]),
        Section("networks", _("Networks"), _l("Networks and catalysts: member accounts only (organisations and the pot are hubs and would distort these)."), [
            f("D1", _l("Separate groups"), "D1.components", lambda n: number(n, 0),
              lambda n, s: ngettext("Members form one connected group, holding %(share)s of members who took part.",
                                    "Members form %(num)d separate groups; the largest holds %(share)s of members who took part.",
                                    n, share=share(s)),
              "D1.largest_share"),
            f("D2", _l("Close-knit circles (clustering)"), "D2", number,
              lambda x: _("%(x)s: the chance that two of a member's partners also exchanged with each other.", x=number(x))),
            f("D3", _l("Bridging between kinds (E-I index)"), "D3", number,
              lambda x: _("%(x)s, from \u22121 (all links within one kind of member) to +1 (all links between kinds).", x=number(x))),
            f("D4", _l("Coordinator involvement"), "D4.coordinator_share", share,
              lambda s: _("A coordinator recorded or confirmed %(share)s of entries.", share=share(s))),
            f("D4", _l("Brokered exchanges"), "D4.matched_share", share,
              lambda s: _("%(share)s of exchanges came from a match a coordinator made.", share=share(s))),
            f("D5", _l("Partners per member"), "D5.median_partners", lambda n: number(n, 1),
              lambda n, m: _("A typical member exchanged with %(n)s different people; the most connected with %(max)s.", n=number(n, 1), max=number(m, 0)),
              "D5.max_partners"),
            f("D6", _l("Requests matched"), "D6.matched_share", share,
              lambda s, n: _("Of the %(n)s requests opened, %(share)s were matched.", n=number(n, 0), share=share(s)), "D6.requests"),
            f("D6", _l("Time to a match"), "D6.median_days", lambda d: _("%(n)s days", n=number(d, 0)),
              lambda d: _("Half of the matched requests led to an exchange within %(n)s days.", n=number(d, 0))),
        ]),
        Section("value", _("Value"), _l("Did it work? The value of the time put in."), [
            f("E1", _l("Replacement value (central)"), "E1.central", lambda v: money(v, currency),
              lambda c, lo, hi: _("The time given would cost between %(low)s and %(high)s to replace at paid rates (central estimate %(central)s). This is the value of time put in, not an outcome.",
                                  low=money(lo, currency), high=money(hi, currency), central=money(c, currency)), "E1.low", "E1.high"),
        ]),
    ]


def headline(report: dict) -> list[Figure]:
    """The few figures the programme view puts side by side."""
    r = Reader(report)
    return [
        r.figure("A1", _l("Active share"), "A1.share", share),
        r.figure("A2", _l("Hours exchanged"), "A2.hours", lambda h: number(h, 1)),
        r.figure("B1", _l("Both gave and received"), "B1", share),
        r.figure("B3", _l("Returned ties, allowing for chance (rho)"), "B3.rho", number),
        r.figure("C2", _l("Upward flow, symmetric"), "C2.symmetric", number),
        r.figure("D1", _l("Share in the largest group"), "D1.largest_share", share),
        r.figure("E1", _l("Replacement value (central)"), "E1.central", lambda v: money(v, r.get("E1.currency") or "GBP")),
    ]
