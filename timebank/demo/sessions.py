"""Group sessions: registers for the most recent sessions already in the ledger (who
facilitated, who attended, who paid), and three recent sessions recorded from their registers
through the sessions service."""
import random
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import select

from ..extensions import db
from ..models import Attendance, Entry, GroupSession, Posting, SessionPayer
from ..services.sessions import record as service
from . import flows
from .phrases import NEW_ORG_SESSION, NEW_POT_SESSION, ORG_SESSION_TITLES, SESSION_TITLES
from .script import Script
from .skills import PS
from .stage import Stage

SESSION_LINK_CAP = 40  # registers for the most recent group sessions in the ledger


def plan_registers(stage: Stage, rng: random.Random, script: Script) -> None:
    entries = db.session.execute(
        select(Entry.id, Entry.occurred_on, Entry.activity_id, Entry.coproduction_step, Entry.ladder_rung,
               Entry.recorded_by_id)
        .where(Entry.community_id == stage.cid, Entry.kind == "group_session")
        .order_by(Entry.id.desc())
        .limit(SESSION_LINK_CAP)
    ).all()
    legs: dict[int, list[tuple[int, int]]] = {}
    for entry_id, account_id, minutes in db.session.execute(
        select(Posting.entry_id, Posting.account_id, Posting.minutes)
        .where(Posting.entry_id.in_([e.id for e in entries]))
        .order_by(Posting.id)
    ):
        legs.setdefault(entry_id, []).append((account_id, minutes))
    names_of = {stage.activity[name]: name for name in stage.activity}
    org_names = {stage.health_centre.id: stage.health_centre.name, stage.trust.id: stage.trust.name}
    member_of = stage.member_of
    for entry in sorted(entries, key=lambda e: e.id):
        postings = legs[entry.id]
        payer = next((a for a, m in postings if m < 0 and a not in member_of), None)
        if payer is not None:
            people = [(member_of[a], "attendee") for a, m in postings if a in member_of]
            people[0] = (people[0][0], "facilitator")
            minutes = next(m for a, m in postings if m > 0)
            title = rng.choice(ORG_SESSION_TITLES)
            how = SessionPayer.ORGANISATION
        else:
            people = [(member_of[a], "facilitator" if m > 0 else "attendee") for a, m in postings]
            minutes = next(-m for a, m in postings if m < 0)
            title = rng.choice(SESSION_TITLES.get(names_of.get(entry.activity_id), SESSION_TITLES[PS]))
            how = SessionPayer.ATTENDEES
        when = script.moment(min(stage.today, entry.occurred_on + timedelta(days=rng.randint(0, 1))), 14, 20)
        session = GroupSession(
            community_id=stage.cid,
            title=f"{title} ({org_names[payer]})" if payer is not None and rng.random() < 0.3 else title,
            occurred_on=entry.occurred_on,
            activity_id=entry.activity_id,
            coproduction_step=entry.coproduction_step,
            ladder_rung=entry.ladder_rung,
            payer=how,
            payer_account_id=payer,
            minutes_each=minutes,
            entry_id=entry.id,
            created_by_id=entry.recorded_by_id,
            created_at=when,
            submission_id=f"demo-entry-{entry.id}",
        )
        script.at(when, partial(_register, stage, session, people, entry.recorded_by_id == stage.actor.user_id))


def _register(stage: Stage, session: GroupSession, people: list[tuple[int, str]], audited: bool, *, now) -> None:
    """The register of a session already in the ledger, written as the sessions service would."""
    db.session.add(session)
    db.session.flush()
    db.session.add_all([Attendance(session_id=session.id, membership_id=m, role=role) for m, role in people])
    if audited:
        stage.record(
            stage.actor.user_id, "session.record", None, "group_session", session.id, now=now,
            entry_id=session.entry_id, payer=session.payer, minutes_each=session.minutes_each,
            facilitators=sum(role == "facilitator" for _, role in people),
            attendees=sum(role == "attendee" for _, role in people),
        )


def plan_new_sessions(stage: Stage, rng: random.Random, script: Script, not_these: set[int]) -> None:
    """A co-design workshop the trust pays for, a class whose attendees pay the facilitator,
    and a members' meeting paid from the pot. Nobody who only ever receives earns, and nobody
    who only ever gives pays."""

    def members_by(day: date):
        busy = [p for p in stage.busy if p.account_id not in not_these and p.joined_on <= day]
        return rng.sample(busy, len(busy))

    def earners(people, minutes, kinds=None, skip=()):
        return [
            p for p in people
            if p not in skip and p.mode != "receive" and (kinds is None or p.kind in kinds)
            and stage.fits(p.account_id, minutes)
        ]

    session = partial(_plan_session, stage, script)
    # A co-design workshop: a professional and a service user facilitate; the trust pays.
    minutes, day = 120, script.ago(2, 8)
    people = members_by(day)
    hosts = earners(people, minutes, (flows.PRO,))[:1] + earners(people, minutes, (flows.SU,))[:1]
    attendees = earners(people, minutes, skip=hosts)[: rng.randint(8, 11)]
    total = minutes * (len(hosts) + len(attendees))
    payer = stage.trust if stage.fits(stage.trust.id, -total) else stage.health_centre
    if hosts and attendees and stage.fits(payer.id, -total):
        stage.move((payer.id, -total), *((p.account_id, minutes) for p in hosts + attendees))
        session(day, NEW_ORG_SESSION, flows.CODESIGN, minutes, SessionPayer.ORGANISATION, hosts, attendees, payer.id,
                "ideas", "co_design", "new-1")

    # A class: a volunteer or service user teaches; each attendee pays for their place.
    minutes, day = 90, script.ago(1, 6)
    people = members_by(day)
    teachers = [p for p in earners(people, minutes) if any(s.class_title for s in stage.skills.get(p.number, ()))]
    if teachers:
        teacher = teachers[0]
        skill = rng.choice([s for s in stage.skills[teacher.number] if s.class_title])
        attendees = [
            p for p in people if p is not teacher and p.mode != "give" and stage.fits(p.account_id, -minutes)
        ][: rng.randint(5, 8)]
        while attendees and not stage.fits(teacher.account_id, minutes * len(attendees)):
            attendees.pop()
        if attendees:
            stage.move((teacher.account_id, minutes * len(attendees)), *((p.account_id, -minutes) for p in attendees))
            session(day, skill.class_title, skill.activity, minutes, SessionPayer.ATTENDEES, [teacher], attendees,
                    None, "do_together", "co_production", "new-2")

    # Members plan next year's programme; the pot values their time.
    minutes, day = 60, script.ago(3, 12)
    people = earners(members_by(day), minutes, (flows.SU, flows.CARER))[: rng.randint(5, 7)]
    if len(people) >= 3 and stage.balance[stage.pot] >= minutes * len(people):
        stage.move((stage.pot, -minutes * len(people)), *((p.account_id, minutes) for p in people))
        session(day, NEW_POT_SESSION, flows.CODESIGN, minutes, SessionPayer.POT, people[:1], people[1:], None,
                "identify", "co_production", "new-3")


def _plan_session(stage, script, day, title, activity, minutes, payer, facilitators, attendees, payer_account, step,
                  rung, key) -> None:
    data = service.SessionInput(
        title=title, occurred_on=day, activity_id=stage.activity[activity], minutes_each=minutes, payer=payer,
        facilitator_ids=tuple(stage.mid(p) for p in facilitators),
        attendee_ids=tuple(stage.mid(p) for p in attendees),
        payer_account_id=payer_account, coproduction_step=step, ladder_rung=rung,
    )
    script.at(script.moment(day, 15, 20), partial(_record_session, stage, data, f"demo-session-{key}"))
    stage.counts["group_session"] += 1


def _record_session(stage: Stage, data: service.SessionInput, submission_id: str, *, now: datetime) -> None:
    service.record_session(stage.actor, data, submission_id=submission_id, now=now)
