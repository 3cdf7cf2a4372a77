"""The programme view: a funder's communities side by side, and the figures that can honestly be
combined across them (sums of counts and minutes, and shares rebuilt from those sums). Ratios of
one community's network (returned ties, Gini, clustering, the largest group) cannot be combined,
and the page says so rather than averaging them.

A funder's programme view offers only the periods every one of their communities may show
(closed months, quarters and years, and each community's whole programme to its last closed
month), each community's report suppressed as on its own page.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..metrics.funder_periods import allowed_periods
from ..services.report_periods import Period, funder_period
from .figures import Figure, headline, money, number, share
from .tables import lookup


@dataclass
class Combined:
    name: str
    value: str | None
    note: str


def _sum(reports: list[dict], path: str):
    values = [lookup(report, path) for report in reports]
    return None if any(v is None for v in values) else sum(values)


def _two_way(report: dict):
    """How many members both gave and received: B1 times the active members, to the person."""
    counted = lookup(report, "B1_base.two_way")
    if counted is not None:
        return counted
    b1, active = lookup(report, "B1"), lookup(report, "A1.active")
    return None if b1 is None or active is None else round(b1 * active)


def combined(reports: list[dict]) -> list[Combined]:
    hidden = _("Not shown: a figure it needs is hidden or missing in at least one community.")
    rows = []
    minutes, entries = _sum(reports, "A2.minutes"), _sum(reports, "A2.entries")
    rows.append(Combined(_("Hours exchanged"), None if minutes is None else number(minutes / 60, 1),
                         _("The sum over the communities.") if minutes is not None else hidden))
    rows.append(Combined(_("Entries"), None if entries is None else number(entries, 0),
                         _("The sum over the communities.") if entries is not None else hidden))
    active, registered = _sum(reports, "A1.active"), _sum(reports, "A1.registered")
    rows.append(Combined(
        _("Active share"),
        share(active / registered) if active is not None and registered else None,
        _("Members who took part over registered members, each summed over the communities. "
          "Someone who belongs to two communities is counted in each.") if active is not None else hidden,
    ))
    two_way = [_two_way(report) for report in reports]
    b1 = sum(two_way) / active if active and None not in two_way else None
    rows.append(Combined(
        _("Both gave and received"), None if b1 is None else share(b1),
        _("Members who both gave and received over members who took part, each summed over the "
          "communities. Someone active in two communities is counted in each, and may give in one "
          "and receive in the other without counting as two-way in either.") if b1 is not None else hidden,
    ))
    up, down = _sum(reports, "C1.service_user.professional"), _sum(reports, "C1.professional.service_user")
    symmetric = min(up, down) / max(up, down) if up is not None and down is not None and max(up, down) else None
    rows.append(Combined(
        _("Upward flow, symmetric"), None if symmetric is None else number(symmetric),
        _("Rebuilt from the minutes between service users and professionals, summed over the "
          "communities.") if symmetric is not None else hidden,
    ))
    currencies = {lookup(report, "E1.currency") for report in reports}
    central = _sum(reports, "E1.central") if len(currencies) == 1 else None
    rows.append(Combined(
        _("Replacement value (central)"), None if central is None else money(central, currencies.pop()),
        _("The sum over the communities, each at its own hourly rate.") if central is not None else hidden,
    ))
    return rows


#: What is shown side by side but never combined, and why.
NOT_COMBINED = (
    (_l("Returned ties, allowing for chance (rho)"), _l("a property of each community's own network of members; there is no network across communities to compute it on, and an average of ratios would mean nothing.")),
    (_l("Share in the largest group"), _l("each community's members form their own groups; the largest group of one community says nothing about another.")),
    (_l("Gini coefficients, role mixing, clustering"), _l("these describe how things are spread within one community; they cannot be added or averaged across communities.")),
)


def side_by_side(reports: list[dict]) -> list[tuple[str, list[Figure]]]:
    """Each headline figure's name, with its value in every community (in the reports' order)."""
    return [(figures[0].name, list(figures)) for figures in zip(*(headline(r) for r in reports), strict=True)]


def shared_periods(communities) -> list[Period]:
    """The periods (as the first community has them) that every community may show."""
    per_community = [allowed_periods(community) for community in communities]
    common = set.intersection(*({p.value for p in periods} for periods in per_community))
    return [p for p in per_community[0] if p.value in common]


def periods_for(communities, args, allowed: list[Period]) -> list[Period]:
    """The period `args` asks for, as each community has it (the whole programme runs from each
    community's own first month); PeriodNotAvailable if it is not one of `allowed`."""
    chosen = funder_period(args, allowed)
    out = []
    for community in communities:
        own = {p.value: p for p in allowed_periods(community)}
        out.append(own[chosen.value])
    return out
