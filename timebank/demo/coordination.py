"""The coordinator's side of the demo: what a coordinator signing in as coordinator@demo.example
finds after months of running the timebank.

Members' profiles (skills, availability, who is in the directory); open offers and requests,
some waiting for a match, some with "I can help" replies; introductions in every state, the
completed ones linked to the exchange they led to; registers of group sessions; exchanges
waiting for confirmation (and a few declined or cancelled); DBS checks, references,
restrictions and private notes; applications and an invitation; a suspended member and one who
left; and the audit log of all of it, dated when it happened.

Everything is planned first, with the seed's own `random.Random`, as a list of dated actions;
the actions are then played in date order through the services a coordinator (or a member)
would use, so that the audit log reads in order and every rule of the services holds. While an
action dated `when` is played, whatever the services add (audit events, notifications, rows
dated "now") is dated `when` (see `Clock`), and no email is sent: the demo's people are made
up. Rows that no service makes from the past (the register of a session already in the
ledger, an application, an invitation) are written directly with the values the services would
write. Nothing is dated today or later, except the member who leaves: so the demo depends on
the day it is seeded, never on the time of day.

Every count is bounded (see the *_CAP constants), so a demo of 10,000 members costs about the
same here as one of 100.
"""
import hashlib
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, event, exists, select, update
from sqlalchemy.orm import aliased

from .. import mail
from ..extensions import db
from ..ledger import EntrySpec, PostingSpec, post_entries
from ..models import (
    Account,
    AccountType,
    ActivityCategory,
    Attendance,
    AuditEvent,
    Community,
    Entry,
    GroupSession,
    Invitation,
    ListingStatus,
    MatchStatus,
    MemberKind,
    Membership,
    MembershipStatus,
    Notification,
    Posting,
    ReportingPeriod,
    RestrictionCode,
    Role,
    SessionPayer,
    User,
)
from ..services import audit
from ..services.coordination import brokering, recording, safeguarding, sessions
from ..services.coordination import members as member_service
from ..services.exchanges import auto_confirm_due, cancel_exchange, decline_exchange, log_exchange
from ..services.listings import create_listing, offer_help
from ..services.people import create_user
from . import flows, names
from .people import Person, draw_ref

# -- how much of each (bounded, so that a big demo stays fast) ------------------------------

PROFILE_SHARE, PROFILE_CAP = 0.75, 400
HIDDEN_CAP = 20  # members who are not in the directory
QUIET_SHARE, QUIET_CAP = 0.06, 30  # members who stopped exchanging (see `pick_quiet`)
QUIET_FOR = 95  # their last exchange is at least this many days old
APPROVAL_CAP = 30  # the most recent joiners whose application and approval are in the audit log
CHECK_SHARE, CHECK_CAP = 0.85, 80  # volunteers and professionals with a DBS check
RESTRICTION_CAP = 12
NOTE_CAP = 40
OFFER_CAP = 40
REQUEST_CAP = 40
COMPLETED_CAP = 25
SESSION_LINK_CAP = 40  # registers for the most recent group sessions in the ledger
PENDING_CAP = 20
DECIDED_CAP = 6  # declined, and cancelled, exchanges
HISTORY_EVENT_CAP = 30  # audit events for each kind of coordinator entry in the ledger

DBS_YEARS = 3  # the demo community renews DBS checks every three years
OFFICE = "192.0.2.10"  # documentation addresses (RFC 5737): where the coordinator works from
PUBLIC = "203.0.113."  # and where applicants apply from

GB, LF, CK, IT, BF, AD, AR, SH, PS, WB, TR = (
    flows.GARDENING, flows.LIFTS, flows.COOKING, flows.COMPUTER, flows.BEFRIENDING, flows.ADMIN, flows.ARTS,
    flows.SHOPPING, flows.PEER, flows.WELLBEING, flows.TRAINING,
)
SU, CARER, VOL, PRO = flows.SU, flows.CARER, flows.VOL, flows.PRO


@dataclass(frozen=True)
class Skill:
    """Something members offer: as they put it in their profile, as an offer, as requests for
    it, and as the note on an exchange of it."""

    activity: str
    kinds: tuple[str, ...]
    phrase: str
    offer: tuple[str, str]
    requests: tuple[tuple[str, str], ...]
    done: str
    #: Done at the requester's home, so an introduction respects "no home visits".
    at_home: bool = False
    #: Can be taught to a group (a class where the attendees pay the facilitator).
    class_title: str | None = None


SKILLS = (
    Skill(
        GB, (VOL, SU, CARER), "gardening: weeding, pruning and planting veg",
        ("Help in the garden", "Weeding, pruning, mowing small lawns, planting up pots and veg beds. I bring my own tools."),
        (
            ("Help tidying my front garden", "I had a hip operation in the spring and the garden has got away from me. "
             "A couple of hours would make a big difference."),
            ("Someone to help plant up my raised beds", "I'd like to grow vegetables again but can't kneel for long. "
             "Happy to share the produce!"),
            ("Cutting back a hedge", "The hedge by my front path is getting in the way of my wheelchair."),
        ),
        "Weeding and pruning in the back garden", at_home=True,
    ),
    Skill(
        LF, (VOL, PRO, CARER), "lifts in my car to appointments and the shops",
        ("Lifts to appointments", "I have a car with room for a walker or a folding wheelchair. Weekday mornings suit me best."),
        (
            ("A lift to the hospital for a scan", "My scan is at Riverside General at 10am and there's no easy bus. "
             "I'd need a lift there and back."),
            ("Lift to the surgery on Tuesday mornings", "I have a weekly dressing change at the health centre and the walk "
             "is hard for me at the moment."),
            ("Someone to come with me to an appointment", "I get anxious in waiting rooms; it would help to have someone with me."),
        ),
        "Lift to the hospital and back",
    ),
    Skill(
        CK, (SU, CARER, VOL), "cooking, baking and batch cooking",
        ("Home cooking and batch cooking", "I love cooking for others: soups, curries, cakes. I can cook with you, or batch "
         "cook for the freezer."),
        (
            ("Help batch cooking meals for the freezer", "Since my stroke I tire quickly. Cooking a few meals together on a "
             "good day would see me through the week."),
            ("Learn to cook a few simple meals", "I've never really cooked and would like to learn some cheap, healthy meals."),
            ("Help baking a birthday cake", "It's my grandson's sixth birthday and I'd love to bake him a cake, with some help."),
        ),
        "Batch cooking: soup and a chilli for the freezer", at_home=True, class_title="Cooking on a budget",
    ),
    Skill(
        IT, (VOL, SU, PRO), "IT help: phones, tablets, video calls and online forms",
        ("Help with phones, tablets and computers", "Setting up a phone or tablet, video calls, email, online shopping, "
         "the NHS App. Patient, and no jargon."),
        (
            ("Show me how to use the NHS App", "I want to order repeat prescriptions and see my appointments, but I get "
             "stuck at the login."),
            ("Help setting up video calls with family", "My daughter lives in Canada. I have a tablet but don't know how to "
             "video call her."),
            ("Help with online banking", "My branch has closed and I need to learn to bank online safely."),
        ),
        "Set up video calls on a tablet", class_title="Smartphone and tablet basics",
    ),
    Skill(
        BF, (VOL, SU, CARER), "befriending: a cuppa and a chat",
        ("A friendly visit or a weekly phone call", "A chat over a cup of tea, a stroll round the park, or a regular phone "
         "call if you prefer."),
        (
            ("Someone to chat with over a cup of tea", "I live on my own and most days I don't talk to anyone. A visit once "
             "a week would be lovely."),
            ("A weekly phone call", "I'm not keen on visitors at home but would enjoy a regular phone call."),
            ("Company on a walk to the park", "I'm getting my confidence back after a fall and would like company on short walks."),
        ),
        "Cup of tea and a chat", at_home=True,
    ),
    Skill(
        AD, (PRO, VOL, CARER), "filling in forms: benefits, blue badge, housing",
        ("Help with forms and letters", "Benefit forms, blue badge and housing applications, and letters that are hard to "
         "follow. All kept confidential."),
        (
            ("Help filling in my PIP form", "The form is very long and I find it hard to explain how my condition affects me."),
            ("Help with a blue badge application", "I need help getting the evidence together for a blue badge."),
            ("Help understanding a letter from the council", "I've had a letter about my council tax and I don't understand "
             "what it's asking."),
        ),
        "Went through the PIP form together",
    ),
    Skill(
        AR, (SU, CARER), "knitting and crochet",
        ("Knitting and crochet lessons", "Beginners welcome: I can teach you to cast on, knit and purl, or crochet a granny square."),
        (
            ("Learn to knit", "I'd like to learn to knit so I can make something for my first grandchild."),
            ("Help finishing a blanket", "I started a crochet blanket but my hands are too stiff to finish the edging."),
        ),
        "Knitting lesson: casting on and plain stitch", class_title="Knit and natter: learn to knit",
    ),
    Skill(
        SH, (VOL, SU, PRO), "dog walking",
        ("Dog walking", "I love dogs and I'm out walking every day anyway. Happy to take yours along."),
        (
            ("Someone to walk my dog", "I'm recovering from an operation and can't walk Bella (a friendly spaniel) for a few weeks."),
        ),
        "Walked Bella by the river",
    ),
    Skill(
        SH, (VOL, PRO, SU), "shopping, prescriptions and errands",
        ("Picking up shopping and prescriptions", "I pass the chemist and the supermarket on my way home and can drop things round."),
        (
            ("Collect my prescription each month", "I can't get to the chemist easily. It's ready on the first Monday of the month."),
            ("Help with the weekly shop", "I'd like someone to come with me to the supermarket and help carry the bags."),
        ),
        "Weekly shop and prescription",
    ),
    Skill(
        AR, (CARER, SU), "sewing, mending and alterations",
        ("Sewing repairs and alterations", "Hems, buttons, zips and simple alterations. I have a sewing machine."),
        (("Take in a pair of trousers", "I've lost weight since being ill and my trousers need taking in and up."),),
        "Took in two pairs of trousers",
    ),
    Skill(
        TR, (SU, VOL), "conversation practice for people learning English",
        ("English conversation practice", "Friendly conversation practice over a coffee, at your own pace."),
        (("Practise my English conversation", "I understand a lot but I'm nervous speaking. I'd like to practise before a "
          "job interview."),),
        "Conversation practice at the library café",
    ),
    Skill(
        PS, (SU, CARER), "peer support: listening, and I've been there myself",
        ("Peer support from someone who's been there", "I've used mental health services myself. I can listen, share what "
         "helped me, and come with you to a group the first time."),
        (
            ("Someone to come with me to a group the first time", "I'd like to try the Wednesday peer support group but I'm "
             "nervous about walking in on my own."),
            ("Talk to another carer", "I've just become a carer for my mum and would like to talk to someone who understands."),
        ),
        "Went along to the peer support group together",
    ),
    Skill(
        WB, (PRO, VOL), "gentle exercise and walking",
        ("Walking buddy", "Gentle walks along the river, at your pace. Good for getting back into being active."),
        (("A walking buddy", "My physio says I should walk more but I don't like going out on my own."),),
        "Walk along the river", class_title="Gentle chair exercise",
    ),
    Skill(
        AR, (SU, VOL), "playing guitar and ukulele",
        ("Beginners' guitar and ukulele", "I've played for thirty years and love teaching beginners. I have a spare ukulele to lend."),
        (("Learn a few songs on the ukulele", "I was given a ukulele for Christmas and would love to learn a few songs."),),
        "Ukulele lesson",
    ),
)
REQUEST_ACTIVITIES = tuple(dict.fromkeys(s.activity for s in SKILLS))

AVAILABILITY = (
    "Weekday mornings", "Tuesday and Thursday afternoons", "Evenings after 6pm, and Saturday mornings",
    "Most days, but not Wednesdays (hospital appointments)", "School hours in term time",
    "Weekends only: I work during the week", "Flexible: ring me and we'll sort something out",
    "Monday to Friday, 10 till 3", "Afternoons; mornings are hard for me", "Fridays, and the odd Sunday",
)
NICKNAMES = {
    "Margaret": "Maggie", "Robert": "Bob", "William": "Bill", "Patrick": "Paddy", "Deborah": "Debbie",
    "Jonathan": "Jon", "Rebecca": "Becky", "Samuel": "Sam", "Dorothy": "Dot", "Beatrice": "Bea",
    "Stephen": "Steve", "Susan": "Sue", "Pamela": "Pam", "Daniel": "Dan", "Thomas": "Tom",
}
RESTRICTIONS = (
    (RestrictionCode.NO_HOME_VISITS, "Meet in public places until both references are in."),
    (RestrictionCode.NOT_WITH_CHILDREN, "Not cleared to work with under-18s: adult members only."),
    (RestrictionCode.ACCOMPANIED_ONLY, "Meets new people only with their support worker present; arrange through the office."),
    (RestrictionCode.NO_LONE_WORKING, "Works alongside another volunteer, for example in the garden group."),
    (RestrictionCode.NOT_WITH_ADULTS_AT_RISK, "Awaiting an enhanced check: no one-to-one time with members at risk."),
    (RestrictionCode.OTHER, "No lifts: their car insurance does not cover it."),
)
NOTES = {
    SU: (
        "Prefers a phone call to email; best before 11am.",
        "Would like to try co-facilitating the craft group. Talk about the facilitation training.",
        "Interested in joining the patient panel at the health centre.",
        "Called to say thank you for the lifts to the hospital; would like to give back by baking for the coffee morning.",
        "Finds the stairs hard at the moment: meet on the ground floor.",
    ),
    CARER: (
        "Caring full time for their partner; an hour's break a week makes a real difference, they say.",
        "Happy to be a contact for new carers who join.",
        "Prefers texts: often can't answer the phone.",
        "Has asked about a carer's assessment; gave them the council's number.",
    ),
    VOL: (
        "Completed the safeguarding awareness session.",
        "Has a car and is happy to do hospital lifts; check before booking long trips.",
        "Speaks two languages at home; happy to help interpret at the coffee morning.",
        "Keen gardener: would like to start a group at the community garden.",
    ),
    PRO: (
        "Link worker at the health centre: refers patients and gives time to the forms clinic.",
        "Can host a co-design session at the trust in the spring.",
        "Away on leave next month; the forms clinic is covered.",
    ),
}
GENERAL_NOTES = (
    "Hard of hearing: speak clearly, face to face where possible.",
    "Moved to a new address; updated the paper record.",
    "Asked for paper timesheets instead of the app.",
    "Met for a catch-up: happy with how things are going.",
)
QUIET_NOTE = "Called for a catch-up: not been well lately. Would like to come back to the coffee morning when ready."
HELP_MESSAGES = (
    "I can help with this: I'm free most mornings.",
    "Happy to help. I live two streets away.",
    "I did this for my mum last year, so I know the form well.",
    "I could do next week if that suits.",
    None,
)
DECLINE_REASONS = (
    "It was an hour and a half, not two hours: please log it again.",
    "Wrong date: this was the week before.",
    "I think this was logged twice.",
)
SUSPEND_REASON = "While we look into a concern raised at the lunch club; we will meet again within two weeks."
APPLICATIONS = (
    (SU, "My GP suggested the timebank. I've been quite isolated since I retired and would like to meet people. "
         "I used to be a bookkeeper and could help with paperwork."),
    (CARER, "I care for my husband, who has dementia. I'd love an hour or two to myself now and then, and I can cook "
            "for others in return."),
    (VOL, "I've just moved to Riverside. I'm a keen gardener, I have a car and I'm happy to do lifts to appointments."),
)
CHECK_TYPES = {
    VOL: ("Enhanced DBS with adults' barred list", "Enhanced DBS with adults' and children's barred lists"),
    PRO: ("Enhanced DBS with barred lists",),
}
SESSION_TITLES = {
    PS: ("Peer support group", "Carers' coffee morning", "Hearing Voices group"),
    AR: ("Knit and natter", "Craft café", "Art group"),
    WB: ("Wellbeing walk", "Gentle chair exercise", "Mindfulness for beginners"),
    TR: ("English conversation class", "First aid basics", "Digital skills class"),
    CK: ("Cook and eat together", "Batch cooking on a budget"),
    GB: ("Community garden morning", "Allotment session"),
    IT: ("Tech drop-in: phones and tablets", "Staying safe online"),
}
ORG_SESSION_TITLES = (
    "Patient panel: booking appointments", "Co-design workshop: the discharge leaflet", "Involvement training",
    "Wellbeing café planning group", "Co-design workshop: the waiting room", "Service user reference group",
)
NEW_ORG_SESSION = "Co-design workshop: the crisis line leaflet"
NEW_POT_SESSION = "Members' planning meeting: next year's programme"

REQUEST_STATES = ("waiting", "fresh", "introduced", "accepted", "declined", "retried")
REQUEST_WEIGHTS = (20, 15, 25, 20, 10, 10)
REQUESTER_KINDS = {SU: 50, CARER: 25, VOL: 13, PRO: 7}


def pick_quiet(rng: random.Random, people: list[Person], today: date) -> list[Person]:
    """A few members who joined early, exchanged a little, then went quiet (the dashboard's
    "no exchange for 60 days"). They are left out of the history's draws; `CoordinatorDemo`
    posts their few early exchanges."""
    eligible = [p for p in people[1:] if p.mode is None and p.joined_on <= today - timedelta(days=QUIET_FOR + 7)]
    count = min(len(eligible), max(1, min(round(len(people) * QUIET_SHARE), QUIET_CAP)))
    return sorted(rng.sample(eligible, count), key=lambda p: p.number) if count else []


def seed_coordination(
    rng: random.Random,
    community: Community,
    coordinator: Membership,
    people: list[Person],
    quiet: list[Person],
    *,
    organisations: tuple[Account, Account],
    open_from: date,
    refs: set[str],
    password_hash: str,
) -> Counter:
    """Add the coordinator-facing demo (flushed, not committed); returns the entries it posted by kind."""
    return CoordinatorDemo(
        rng, community, coordinator, people, quiet,
        organisations=organisations, open_from=open_from, refs=refs, password_hash=password_hash,
    ).run()


class Clock:
    """Dates what the services add while an action is played: a new row's created_at (and
    updated_at) still unset is set to the action's time, and an audit event made outside a
    request gets the address the action came from. Rows flushed during the action are dated
    before the flush; the rest when the action is over. A notification is kept as never
    emailed (the demo sends no email, but `notify` notes the time it would have)."""

    def __init__(self):
        self.now: datetime | None = None
        self.address = OFFICE
        self.notifications: list[Notification] = []

    def before_flush(self, session, flush_context, instances) -> None:
        self.stamp(session.new)

    def stamp(self, rows) -> None:
        for row in rows:
            if getattr(row, "created_at", False) is None:
                row.created_at = self.now
                if isinstance(row, Notification):
                    self.notifications.append(row)
                elif isinstance(row, AuditEvent) and row.remote_addr == "cli":
                    row.remote_addr = self.address
            if getattr(row, "updated_at", False) is None:
                row.updated_at = self.now
        for notification in self.notifications:
            notification.emailed_at = None

    def done(self, session) -> None:
        """The action is over: date what it left unflushed."""
        self.stamp(session.new)
        self.notifications.clear()


@dataclass
class Held:
    """What an action made, for the actions after it (a listing, a match, an exchange...)."""

    value: object = None


class CoordinatorDemo:
    def __init__(
        self,
        rng: random.Random,
        community: Community,
        coordinator: Membership,
        people: list[Person],
        quiet: list[Person],
        *,
        organisations: tuple[Account, Account],
        open_from: date,
        refs: set[str],
        password_hash: str,
    ):
        self.rng, self.community, self.actor = rng, community, coordinator
        self.cid = community.id
        self.people, self.quiet = people, quiet
        self.quiet_numbers = {p.number for p in quiet}
        self.health_centre, self.trust = organisations
        self.open_from, self.refs, self.password_hash = open_from, refs, password_hash
        self.now = datetime.now(UTC)
        self.today = community.today(self.now)
        # What the coordinator did, they did before today (see the module's docstring).
        self.latest = datetime.combine(self.today, time(0), ZoneInfo(community.timezone)).astimezone(UTC)
        self.latest -= timedelta(minutes=1)
        self.last_day = self.today - timedelta(days=1)
        self.counts: Counter[str] = Counter()
        self.actions: list[tuple[datetime, int, Callable[[], object], str]] = []

        self.activity = dict(
            db.session.execute(
                select(ActivityCategory.name, ActivityCategory.id).where(ActivityCategory.community_id == self.cid)
            ).all()
        )
        self.kind_id = dict(
            db.session.execute(select(MemberKind.code, MemberKind.id).where(MemberKind.community_id == self.cid)).all()
        )
        self.balance, self.floor, self.ceiling, self.member_of = {}, {}, {}, {}
        for row in db.session.execute(
            select(Account.id, Account.balance, Account.floor, Account.ceiling, Account.membership_id).where(
                Account.community_id == self.cid
            )
        ):
            self.balance[row.id], self.floor[row.id], self.ceiling[row.id] = row.balance, row.floor, row.ceiling
            if row.membership_id is not None:
                self.member_of[row.id] = row.membership_id
        self.pot = db.session.scalar(
            select(Account.id).where(Account.community_id == self.cid, Account.type == AccountType.POT)
        )
        self.skills: dict[int, list[Skill]] = {}
        self.hidden: set[int] = set()
        self.restricted: set[int] = set()
        self.taken_names = {p.name for p in people}
        self.clock = Clock()

    # -- the plan, then the play ----------------------------------------------------------

    def run(self) -> Counter:
        self._quiet_history()
        self._choose_people()
        self._profiles()
        self._approvals()
        self._safeguarding()
        self._notes()
        self._offers()
        accepted = self._requests()
        self._completed_matches()
        self._registers()
        overdue = self._overdue_exchange()
        self._new_sessions(overdue)
        self._pending_exchanges(overdue, accepted)
        self._history_events()
        self._applications()
        self._invitation()
        self._suspension_and_leaving()
        self._play()
        return self.counts

    def _at(self, when: datetime | None, action: Callable[[], object], address: str = OFFICE) -> None:
        """Play `action` at `when` (None: last, now)."""
        when = self.now if when is None else min(when, self.latest)
        self.actions.append((when, len(self.actions), action, address))

    def _play(self) -> None:
        """Play the actions in date order (in plan order on a tie), each dating what it added
        (see `Clock`). No email is sent: the people are made up."""
        session = db.session()
        clock = self.clock
        config = current_app.config
        backend, config["MAIL_BACKEND"] = config["MAIL_BACKEND"], "none"
        event.listen(session, "before_flush", clock.before_flush)
        try:
            for when, _, action, address in sorted(self.actions, key=lambda a: (a[0], a[1])):
                clock.now, clock.address = when, address
                action()
                clock.done(session)
            session.flush()
        finally:
            event.remove(session, "before_flush", clock.before_flush)
            config["MAIL_BACKEND"] = backend
            session.info.pop(mail.OUTBOX, None)

    # -- time ------------------------------------------------------------------------------

    def _moment(self, day: date, first: int = 9, last: int = 17) -> datetime:
        """A time on `day` (yesterday at the latest) between `first` and `last` o'clock, UTC."""
        hour, minute = self.rng.randint(first, last), self.rng.randrange(60)
        moment = datetime.combine(min(day, self.last_day), time(hour, minute), UTC)
        return min(moment, self.latest)

    def _later(self, when: datetime, least_minutes: int, most_minutes: int) -> datetime:
        """Some minutes after `when`, moved on to the next morning if that falls in the night,
        and (without going back before `when`) not after yesterday."""
        most_minutes = max(least_minutes, most_minutes)
        minutes = self.rng.randint(least_minutes, most_minutes)
        later = when + timedelta(minutes=minutes)
        if later.hour >= 21:
            later = datetime.combine(later.date() + timedelta(days=1), time(8, later.minute), UTC)
        elif later.hour < 8:
            later = datetime.combine(later.date(), time(8, later.minute), UTC)
        if later > self.latest:
            later = when + (self.latest - when) * (minutes / (most_minutes + 1)) if when < self.latest else self.latest
        return later

    def _ago(self, least: int, most: int, not_before: date | None = None) -> date:
        day = self.today - timedelta(days=self.rng.randint(least, most))
        return max(day, not_before) if not_before else day

    # -- balances (what the ledger will accept) --------------------------------------------

    def _fits(self, account: int, minutes: int) -> bool:
        after = self.balance[account] + minutes
        floor, ceiling = self.floor[account], self.ceiling[account]
        return (floor is None or after >= floor) and (ceiling is None or after <= ceiling)

    def _move(self, *legs: tuple[int, int]) -> None:
        for account, minutes in legs:
            self.balance[account] += minutes

    def _mid(self, person: Person) -> int:
        return self.member_of[person.account_id]

    def _membership(self, person: Person) -> Membership:
        return db.session.get(Membership, self._mid(person))

    # -- members who went quiet ------------------------------------------------------------

    def _quiet_history(self) -> None:
        """The quiet members' few exchanges, early on; posted now, dated then."""
        until = self.today - timedelta(days=QUIET_FOR)
        partners = [p for p in self.people if p.mode is None and p.number not in self.quiet_numbers]
        activities = (BF, CK, GB, AR, IT)
        for person in self.quiet:
            start = max(person.joined_on, self.open_from)
            if start > until or not partners:
                continue
            for _ in range(self.rng.choice((0, 1, 2, 2, 3))):
                day = start + timedelta(days=self.rng.randint(0, (until - start).days))
                partner = self.rng.choice(partners)
                minutes = self.rng.choice((30, 60, 60, 90, 120))
                gives = self.rng.random() < (0.7 if person.kind in (VOL, PRO) else 0.35)
                giver, receiver = (person, partner) if gives else (partner, person)
                if partner.joined_on > day or not (
                    self._fits(giver.account_id, minutes) and self._fits(receiver.account_id, -minutes)
                ):
                    continue
                self._move((giver.account_id, minutes), (receiver.account_id, -minutes))
                spec = EntrySpec(
                    community_id=self.cid,
                    kind="exchange",
                    occurred_on=day,
                    postings=(PostingSpec(giver.account_id, minutes), PostingSpec(receiver.account_id, -minutes)),
                    recorded_by_id=giver.user_id,
                    confirmed_by_id=receiver.user_id,
                    confirmation="member",
                    activity_id=self.activity[self.rng.choice(activities)],
                )
                post_entries([spec], now=self._moment(day + timedelta(days=1), 17, 21))
                self.counts["exchange"] += 1

    # -- who is who --------------------------------------------------------------------------

    def _choose_people(self) -> None:
        """One member to suspend and one who leaves (never member01, the demo's member login);
        the rest stay active. `busy` are the active members who still exchange."""
        regular = [p for p in self.people[1:] if p.mode is None and p.number not in self.quiet_numbers]
        settled = [p for p in regular if p.joined_on <= self.today - timedelta(days=60)] or regular
        in_credit = [p for p in settled if self.balance[p.account_id] > 0]
        self.leaver = self.rng.choice(in_credit or settled) if settled else None
        others = [p for p in regular if p is not self.leaver]
        self.suspended = self.rng.choice(others) if others else None
        away = {p.number for p in (self.leaver, self.suspended) if p is not None}
        self.active = [p for p in self.people if p.number not in away]
        self.busy = [p for p in self.active if p.number not in self.quiet_numbers]
        self.member01 = self.people[0]

    # -- profiles --------------------------------------------------------------------------

    def _profiles(self) -> None:
        """Skills and availability in the members' own words, contact preferences, a few
        display names, and a few members who keep out of the directory. Written in one go."""
        people = self.people
        count = min(len(people), max(1, round(len(people) * PROFILE_SHARE)), PROFILE_CAP)
        chosen = [people[0], *self.rng.sample(people[1:], count - 1)]
        hidden_count = min(len(people) - 1, max(2, min(len(people) // 20, HIDDEN_CAP)))
        self.hidden = {p.number for p in self.rng.sample(people[1:], hidden_count)}
        rows = []
        for person in chosen:
            options = [s for s in SKILLS if person.kind in s.kinds]
            skills = self.rng.sample(options, min(len(options), self.rng.choice((1, 2, 2, 3))))
            self.skills[person.number] = skills
            text = "; ".join(s.phrase for s in skills)
            first, _, last = person.name.partition(" ")
            in_directory = person.number not in self.hidden
            contact_by = self.rng.choices(("coordinator", "phone", "email"), weights=(45, 30, 25))[0]
            nickname = NICKNAMES.get(first) if self.rng.random() < 0.5 else None
            rows.append(
                {
                    "id": self._mid(person),
                    "skills": text[0].upper() + text[1:] + ".",
                    "availability": self.rng.choice(AVAILABILITY),
                    "in_directory": in_directory,
                    "contact_by": contact_by,
                    "share_contact": in_directory and contact_by != "coordinator" and self.rng.random() < 0.6,
                    # Ofcom's numbers for drama (07700 900000 to 900999): never anyone's phone.
                    "phone": f"07700 900{self.rng.randrange(1000):03d}"
                    if contact_by == "phone" or self.rng.random() < 0.3 else None,
                    "display_name": f"{nickname} {last}" if nickname else None,
                }
            )
        profiled = {p.number for p in chosen}
        rows += [
            {"id": self._mid(p), "skills": None, "availability": None, "in_directory": False,
             "contact_by": "coordinator", "share_contact": False, "phone": None, "display_name": None}
            for p in people if p.number in self.hidden and p.number not in profiled
        ]
        db.session.execute(update(Membership), rows)

    # -- joining ----------------------------------------------------------------------------

    def _approvals(self) -> None:
        """The most recent joiners applied through the sign-up form and were approved on the
        day they joined (the founding members were added before the log began)."""
        founding = min(p.joined_on for p in self.people) + timedelta(days=14)
        joiners = sorted((p for p in self.people if p.joined_on >= founding), key=lambda p: (p.joined_on, p.number))
        for person in joiners[-APPROVAL_CAP:]:
            mid = self._mid(person)
            applied = self._moment(person.joined_on - timedelta(days=self.rng.randint(1, 6)), 7, 21)
            approved = max(self._moment(person.joined_on), applied + timedelta(hours=1))
            self._at(applied, partial(self._record, person.user_id, "member.apply", mid, "membership", mid),
                     f"{PUBLIC}{self.rng.randint(2, 254)}")
            self._at(approved, partial(self._record, self.actor.user_id, "member.approve", mid, "membership", mid))

    def _record(self, actor_id, action, subject, target_type=None, target_id=None, **details) -> None:
        audit.record(self.cid, actor_id, action, subject_membership_id=subject, target_type=target_type,
                     target_id=target_id, **details)

    # -- safeguarding ----------------------------------------------------------------------

    def _safeguarding(self) -> None:
        """DBS checks for most volunteers and professionals (three-yearly; a few expiring
        within the month, one expired, one renewed), references, and restrictions."""
        checkable = [p for p in self.people if p.kind in CHECK_TYPES]
        count = min(len(checkable), max(1, round(len(checkable) * CHECK_SHARE)), CHECK_CAP)
        checked = sorted(self.rng.sample(checkable, count), key=lambda p: p.number)
        active = {p.number for p in self.active}
        current = [p.number for p in checked if p.number in active]
        special = self.rng.sample(current, min(len(current), max(2, min(len(current) // 15, 10)) + 2))
        expiring, expired, renewed = set(special[:-2]), set(special[-2:-1]), set(special[-1:])
        for person in checked:
            check_type = self.rng.choice(CHECK_TYPES[person.kind])
            if person.number in expiring:  # a certificate they already had when they joined
                issued = _years_before(self.today, DBS_YEARS) + timedelta(days=self.rng.randint(1, 28))
            elif person.number in expired or person.number in renewed:
                issued = _years_before(self.today, DBS_YEARS) - timedelta(days=self.rng.randint(3, 40))
            else:
                issued = person.joined_on - timedelta(days=self.rng.randint(7, 120))
            recorded = self._moment(min(self.today, person.joined_on + timedelta(days=self.rng.randint(0, 14))))
            self._check(person, recorded, check_type, issued)
            if person.number in renewed:
                again = self._ago(8, 20)
                self._check(person, self._moment(min(self.today, again + timedelta(days=self.rng.randint(1, 5)))),
                            check_type, again)

        candidates = self.active[1:]
        chosen = self.rng.sample(candidates, min(len(candidates), max(3, min(len(self.people) // 30, RESTRICTION_CAP))))
        for i, person in enumerate(chosen):
            code, detail = RESTRICTIONS[i % len(RESTRICTIONS)]
            self.restricted.add(person.number)
            made = self._moment(min(self.today, person.joined_on + timedelta(days=self.rng.randint(1, 30))))
            held = Held()
            mid = self._mid(person)
            self._at(made, partial(self._restrict, held, mid, code, detail))
            if i == 0:  # the references came in: lifted
                self._at(self._later(made, 15 * 1440, 45 * 1440), partial(self._lift, held, mid))

    def _check(self, person: Person, recorded: datetime, check_type: str, issued: date) -> None:
        self._at(recorded, partial(
            safeguarding.add_check, self.actor, self._mid(person),
            check_type=check_type,
            reference=f"00{self.rng.randrange(10**10):010d}",
            issued_on=issued,
            expires_on=_years_before(issued, -DBS_YEARS),
            references_received=self.rng.choices((0, 1, 2), weights=(10, 20, 70))[0],
        ))

    def _restrict(self, held: Held, membership_id: int, code: str, detail: str) -> None:
        held.value = safeguarding.add_restriction(self.actor, membership_id, code=code, detail=detail)

    def _lift(self, held: Held, membership_id: int) -> None:
        safeguarding.lift_restriction(self.actor, membership_id, held.value.id, now=self._playing)

    # -- notes -----------------------------------------------------------------------------

    def _notes(self) -> None:
        count = max(5, min(len(self.people) // 8, NOTE_CAP))
        others = [p for p in self.active[1:] if p.number not in self.quiet_numbers]
        chosen = list(self.quiet) + self.rng.sample(others, min(len(others), max(0, count - len(self.quiet))))
        for person in chosen:
            pool = list(NOTES[person.kind] + GENERAL_NOTES)
            if person.number in self.quiet_numbers:
                bodies = [QUIET_NOTE]
            else:
                bodies = self.rng.sample(pool, self.rng.choice((1, 1, 2)))
            when = self._moment(min(self.today, person.joined_on + timedelta(days=self.rng.randint(3, 40))))
            for body in bodies:
                if person.number in self.quiet_numbers:
                    when = self._moment(self._ago(20, 50))
                self._at(when, partial(safeguarding.add_note, self.actor, self._mid(person), body))
                when = self._later(when, 10 * 1440, 60 * 1440)

    # -- offers and requests ---------------------------------------------------------------

    def _offers(self) -> None:
        offerers = [p for p in self.active if self.skills.get(p.number)]
        count = min(len(offerers), max(8, min(len(self.people) // 2, OFFER_CAP)))
        for i, person in enumerate(sorted(self.rng.sample(offerers, count), key=lambda p: p.number)):
            skill = self.rng.choice(self.skills[person.number])
            day = self._ago(2, 150, not_before=person.joined_on)
            title, description = skill.offer
            self._at(self._moment(day, 8, 21), partial(
                self._listing, Held(), person, "offer", title, description, skill.activity, f"demo-offer-{i + 1}",
            ))

    def _listing(self, held: Held, person: Person, type_: str, title, description, activity, submission_id) -> None:
        held.value, _ = create_listing(
            self._membership(person), type_=type_, title=title, description=description,
            category_id=self.activity[activity], submission_id=submission_id,
        )

    def _requester(self, state: str) -> Person:
        """Mostly service users and carers; a request waiting for weeks comes from someone who
        has been a member for weeks."""
        pool = self.active[1:] or self.active
        if state == "waiting":
            pool = [p for p in pool if p.joined_on <= self.today - timedelta(days=20)] or pool
        return self.rng.choices(pool, weights=[REQUESTER_KINDS[p.kind] for p in pool])[0]

    def _helper(self, skill: Skill, not_these: set[int], by: date) -> Person | None:
        """Someone active, unrestricted and still exchanging, a member by `by`, as a coordinator
        would pick: mostly someone who says they have the skill."""
        candidates = [
            p for p in self.busy
            if p.number not in not_these and p.number not in self.restricted and p.mode != "receive"
            and p.joined_on <= by
        ]
        if not candidates:
            return None
        skilled = [p for p in candidates if skill in self.skills.get(p.number, ())]
        if skilled and self.rng.random() < 0.8:
            return self.rng.choice(skilled)
        return self.rng.choice([p for p in candidates if p.kind in skill.kinds] or candidates)

    def _requests(self) -> list[tuple]:
        """Open requests: waiting more than two weeks, new, introduced, accepted, declined (and
        introduced again). Returns the accepted ones (for an exchange logged from one)."""
        count = max(len(REQUEST_STATES), min(len(self.people) // 2, REQUEST_CAP))
        states = list(REQUEST_STATES)
        self.rng.shuffle(states)
        states += self.rng.choices(REQUEST_STATES, weights=REQUEST_WEIGHTS, k=count - len(states))
        states.remove("accepted")
        states.insert(0, "accepted")  # member01's request: someone has agreed to help
        accepted, asked = [], set()
        for i, state in enumerate(states):
            person = self.member01 if i == 0 else self._requester(state)
            for _ in range(5):  # not the same request twice from one person
                skill = self.rng.choice(SKILLS)
                title, description = self.rng.choice(skill.requests)
                if (person.number, title) not in asked:
                    break
            asked.add((person.number, title))
            age = {"waiting": (15, 60), "fresh": (1, 12), "introduced": (4, 35), "accepted": (8, 45),
                   "declined": (6, 40), "retried": (12, 50)}[state]
            day = self._ago(*age, not_before=person.joined_on)
            created = self._moment(day, 8, 21)
            listing = Held()
            self._at(created, partial(self._listing, listing, person, "request", title, description, skill.activity,
                                      f"demo-request-{i + 1}"))
            offered = self._help_offers(listing, person, created, state)
            if state in ("waiting", "fresh"):
                continue
            respect = ("no_home_visits",) if skill.at_home else ()
            first = next((p for p in offered if p.number not in self.restricted), None)
            introduced = self._later(created, 3 * 60, 4 * 1440)
            helper = first if first is not None and self.rng.random() < 0.6 else None
            helper = helper or self._helper(skill, {person.number}, introduced.date())
            if helper is None:
                continue
            match = Held()
            self._at(introduced, partial(self._introduce, match, listing, helper, respect))
            if state == "accepted":
                agreed = self._later(introduced, 60, 4 * 1440)
                self._at(agreed, partial(self._set_status, match, MatchStatus.ACCEPTED))
                accepted.append((match, person, helper, skill, agreed))
            elif state in ("declined", "retried"):
                declined = self._later(introduced, 60, 5 * 1440)
                self._at(declined, partial(self._set_status, match, MatchStatus.DECLINED))
                other = self._helper(skill, {person.number, helper.number}, declined.date())
                if state == "retried" and other is not None:
                    again = self._later(declined, 60, 4 * 1440)
                    self._at(again, partial(self._introduce, Held(), listing, other, respect))
        return accepted

    def _help_offers(self, listing: Held, requester: Person, created: datetime, state: str) -> list[Person]:
        """"I can help" replies (only to requests other members can see)."""
        if requester.number in self.hidden or self.rng.random() > 0.45:
            return []
        pool = [
            p for p in self.busy
            if p is not requester and p.number not in self.hidden and p.mode != "receive"
            and p.joined_on <= created.date()
        ]
        helpers = self.rng.sample(pool, min(len(pool), self.rng.choice((1, 1, 2))))
        for helper in helpers:
            window = 2 * 60 if state not in ("waiting", "fresh") else 10 * 1440
            self._at(self._later(created, 20, window),
                     partial(self._offer_help, listing, helper, self.rng.choice(HELP_MESSAGES)))
        return helpers

    def _offer_help(self, listing: Held, helper: Person, message: str | None) -> None:
        offer_help(self._membership(helper), listing.value.id, message)

    def _introduce(self, match: Held, listing: Held, helper: Person, respect) -> None:
        match.value, _ = brokering.introduce(
            self.actor, listing.value.id, self._mid(helper), respect=respect, now=self._playing
        )

    def _set_status(self, match: Held, status: str) -> None:
        brokering.set_match_status(self.actor, match.value.id, status, now=self._playing)

    def _completed_matches(self) -> None:
        """Requests that led to an exchange already in the ledger: the request, the
        introduction, the helper's yes, and the match completed by that exchange."""
        lo, hi = max(self.open_from, self.today - timedelta(days=150)), self.today - timedelta(days=4)
        giver, receiver = aliased(Posting), aliased(Posting)
        giver_account, receiver_account = aliased(Account), aliased(Account)
        reversal = aliased(Entry)
        activity_ids = {self.activity[a]: a for a in REQUEST_ACTIVITIES}
        rows = db.session.execute(
            select(Entry.id, Entry.occurred_on, Entry.activity_id, giver.account_id, receiver.account_id)
            .join(giver, and_(giver.entry_id == Entry.id, giver.minutes > 0))
            .join(giver_account, and_(giver_account.id == giver.account_id, giver_account.type == AccountType.MEMBER))
            .join(receiver, and_(receiver.entry_id == Entry.id, receiver.minutes < 0))
            .join(
                receiver_account,
                and_(receiver_account.id == receiver.account_id, receiver_account.type == AccountType.MEMBER),
            )
            .where(
                Entry.community_id == self.cid,
                Entry.kind == "exchange",
                Entry.confirmation.in_(("member", "auto_timeout")),
                Entry.occurred_on.between(lo, hi),
                Entry.activity_id.in_(list(activity_ids)),
                ~exists().where(reversal.reverses_id == Entry.id),
            )
            .order_by(Entry.id.desc())
            .limit(COMPLETED_CAP * 25)
        ).all()
        by_account = {p.account_id: p for p in self.busy}
        rows = [r for r in rows if r[3] in by_account and r[4] in by_account]
        count = min(len(rows), max(4, min(len(self.people) // 4, COMPLETED_CAP)))
        for n, (entry_id, day, activity_id, giver_id, receiver_id) in enumerate(
            sorted(self.rng.sample(rows, count), key=lambda r: r[0])
        ):
            helper, requester = by_account[giver_id], by_account[receiver_id]
            skill = self.rng.choice([s for s in SKILLS if self.activity[s.activity] == activity_id])
            title, description = self.rng.choice(skill.requests)
            start = max(day - timedelta(days=self.rng.randint(3, 14)), helper.joined_on, requester.joined_on)
            span = max(1, (day - start).days) * 1440
            created = self._moment(start, 8, 12)
            introduced = self._later(created, 120, span // 3)
            agreed = self._later(introduced, 60, span // 3)
            done = max(self._moment(day, 18, 21), agreed + timedelta(minutes=30))
            listing, match = Held(), Held()
            respect = ("no_home_visits",) if skill.at_home and helper.number not in self.restricted else ()
            self._at(created, partial(self._listing, listing, requester, "request", title, description, skill.activity,
                                      f"demo-matched-{n + 1}"))
            self._at(introduced, partial(self._introduce, match, listing, helper, respect))
            self._at(agreed, partial(self._set_status, match, MatchStatus.ACCEPTED))
            self._at(done, partial(self._complete, match, listing, entry_id))

    def _complete(self, match: Held, listing: Held, entry_id: int) -> None:
        brokering.complete_match(match.value, entry_id, now=self._playing)
        listing.value.status, listing.value.closed_at = ListingStatus.CLOSED, self._playing
        listing.value.updated_at = self._playing

    # -- group sessions --------------------------------------------------------------------

    def _registers(self) -> None:
        """Registers for the most recent group sessions already in the ledger: who facilitated,
        who attended, who paid."""
        entries = db.session.execute(
            select(Entry.id, Entry.occurred_on, Entry.activity_id, Entry.coproduction_step, Entry.ladder_rung,
                   Entry.recorded_by_id)
            .where(Entry.community_id == self.cid, Entry.kind == "group_session")
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
        names_of = {self.activity[name]: name for name in self.activity}
        org_names = {self.health_centre.id: self.health_centre.name, self.trust.id: self.trust.name}
        for entry in sorted(entries, key=lambda e: e.id):
            postings = legs[entry.id]
            payer = next((a for a, m in postings if m < 0 and a not in self.member_of), None)
            if payer is not None:
                people = [(self.member_of[a], "attendee") for a, m in postings if a in self.member_of]
                people[0] = (people[0][0], "facilitator")
                minutes = next(m for a, m in postings if m > 0)
                title = self.rng.choice(ORG_SESSION_TITLES)
                how = SessionPayer.ORGANISATION
            else:
                people = [(self.member_of[a], "facilitator" if m > 0 else "attendee") for a, m in postings]
                minutes = next(-m for a, m in postings if m < 0)
                title = self.rng.choice(SESSION_TITLES.get(names_of.get(entry.activity_id), SESSION_TITLES[PS]))
                how = SessionPayer.ATTENDEES
            when = self._moment(min(self.today, entry.occurred_on + timedelta(days=self.rng.randint(0, 1))), 14, 20)
            session = GroupSession(
                community_id=self.cid,
                title=f"{title} ({org_names[payer]})" if payer is not None and self.rng.random() < 0.3 else title,
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
            self._at(when, partial(self._register, session, people, entry.recorded_by_id == self.actor.user_id))

    def _register(self, session: GroupSession, people: list[tuple[int, str]], audited: bool) -> None:
        db.session.add(session)
        db.session.flush()
        db.session.add_all([Attendance(session_id=session.id, membership_id=m, role=role) for m, role in people])
        if audited:
            self._record(
                self.actor.user_id, "session.record", None, "group_session", session.id,
                entry_id=session.entry_id, payer=session.payer, minutes_each=session.minutes_each,
                facilitators=sum(role == "facilitator" for _, role in people),
                attendees=sum(role == "attendee" for _, role in people),
            )

    def _new_sessions(self, not_these: set[int]) -> None:
        """Three recent sessions recorded from their registers through the sessions service:
        a co-design workshop the trust pays for, a class whose attendees pay the facilitator,
        and a members' meeting paid from the pot. Nobody who only ever receives earns, and
        nobody who only ever gives pays."""

        def members_by(day: date) -> list[Person]:
            busy = [p for p in self.busy if p.account_id not in not_these and p.joined_on <= day]
            return self.rng.sample(busy, len(busy))

        def earners(people, minutes, kinds=None, skip=()):
            return [
                p for p in people
                if p not in skip and p.mode != "receive" and (kinds is None or p.kind in kinds)
                and self._fits(p.account_id, minutes)
            ]

        # A co-design workshop: a professional and a service user facilitate; the trust pays.
        minutes, day = 120, self._ago(2, 8)
        people = members_by(day)
        hosts = earners(people, minutes, (PRO,))[:1] + earners(people, minutes, (SU,))[:1]
        attendees = earners(people, minutes, skip=hosts)[: self.rng.randint(8, 11)]
        total = minutes * (len(hosts) + len(attendees))
        payer = self.trust if self._fits(self.trust.id, -total) else self.health_centre
        if hosts and attendees and self._fits(payer.id, -total):
            self._move((payer.id, -total), *((p.account_id, minutes) for p in hosts + attendees))
            self._session(day, NEW_ORG_SESSION, flows.CODESIGN, minutes, SessionPayer.ORGANISATION, hosts,
                          attendees, payer.id, "ideas", "co_design", "new-1")

        # A class: a volunteer or service user teaches; each attendee pays for their place.
        minutes, day = 90, self._ago(1, 6)
        people = members_by(day)
        teachers = [p for p in earners(people, minutes) if any(s.class_title for s in self.skills.get(p.number, ()))]
        if teachers:
            teacher = teachers[0]
            skill = self.rng.choice([s for s in self.skills[teacher.number] if s.class_title])
            attendees = [
                p for p in people if p is not teacher and p.mode != "give" and self._fits(p.account_id, -minutes)
            ][: self.rng.randint(5, 8)]
            while attendees and not self._fits(teacher.account_id, minutes * len(attendees)):
                attendees.pop()
            if attendees:
                self._move(
                    (teacher.account_id, minutes * len(attendees)), *((p.account_id, -minutes) for p in attendees)
                )
                self._session(day, skill.class_title, skill.activity, minutes, SessionPayer.ATTENDEES,
                              [teacher], attendees, None, "do_together", "co_production", "new-2")

        # Members plan next year's programme; the pot values their time.
        minutes, day = 60, self._ago(3, 12)
        people = earners(members_by(day), minutes, (SU, CARER))[: self.rng.randint(5, 7)]
        if len(people) >= 3 and self.balance[self.pot] >= minutes * len(people):
            self._move((self.pot, -minutes * len(people)), *((p.account_id, minutes) for p in people))
            self._session(day, NEW_POT_SESSION, flows.CODESIGN, minutes, SessionPayer.POT, people[:1],
                          people[1:], None, "identify", "co_production", "new-3")

    def _session(self, day, title, activity, minutes, payer, facilitators, attendees, payer_account, step, rung, key):
        data = sessions.SessionInput(
            title=title, occurred_on=day, activity_id=self.activity[activity], minutes_each=minutes, payer=payer,
            facilitator_ids=tuple(self._mid(p) for p in facilitators),
            attendee_ids=tuple(self._mid(p) for p in attendees),
            payer_account_id=payer_account, coproduction_step=step, ladder_rung=rung,
        )
        self._at(self._moment(day, 15, 20), partial(self._record_session, data, f"demo-session-{key}"))
        self.counts["group_session"] += 1

    def _record_session(self, data: "sessions.SessionInput", submission_id: str) -> None:
        sessions.record_session(self.actor, data, submission_id=submission_id, now=self._playing)

    # -- exchanges waiting for confirmation -------------------------------------------------

    def _overdue_exchange(self) -> set[int]:
        """One exchange past the auto-confirm days that could not be posted: it would take the
        receiver, whose balance is near their floor (after help in the weeks before, which the
        coordinator recorded, if need be), below it; so it waits, with the reason, for the
        coordinator (who might arrange a grant). Returns the accounts involved, to be left out
        of other postings."""
        days = self.community.auto_confirm_days
        candidates = [p for p in self.busy[1:] if self.floor[p.account_id] is not None and p.mode != "give"]
        if not days or not candidates:
            return set()
        receiver = min(candidates, key=lambda p: (self.balance[p.account_id] - self.floor[p.account_id], p.number))
        logged = self._moment(self._ago(days + 2, days + 8))
        helped = logged.date() - timedelta(days=self.rng.randint(3, 8))
        involved = {receiver.account_id}
        room = self.balance[receiver.account_id] - self.floor[receiver.account_id]
        near = max(abs(self.floor[receiver.account_id]) // 10, 60)  # what the dashboard calls near
        for visit in range(4):  # help over the weeks before, recorded by the coordinator from phone calls
            minutes = min(180, ((room - near) // 15 + 1) * 15)
            if minutes <= 0:
                break
            day = helped - timedelta(days=7 * (3 - visit))
            helpers = [
                p for p in self.busy
                if p is not receiver and p.mode != "receive" and p.joined_on <= day
                and self._fits(p.account_id, minutes)
            ]
            if not helpers or day < max(self.open_from, receiver.joined_on):
                continue
            helper = self.rng.choice(helpers)
            skill = self.rng.choice(self.skills.get(helper.number) or SKILLS)
            self._move((helper.account_id, minutes), (receiver.account_id, -minutes))
            room -= minutes
            involved.add(helper.account_id)
            self._at(self._moment(day + timedelta(days=1)), partial(
                self._record_exchange, helper, receiver, minutes, day, skill, f"helped-{visit + 1}"
            ))
        minutes = (room // 15 + self.rng.randint(1, 4)) * 15
        givers = [
            p for p in self.busy
            if p is not receiver and p.mode != "receive" and p.joined_on <= logged.date()
            and self._fits(p.account_id, minutes)
        ]
        if minutes > 8 * 60 or not givers or receiver.joined_on > logged.date():
            return involved
        giver = self.rng.choice(givers)
        skill = self.rng.choice(self.skills.get(giver.number) or SKILLS)
        occurred = max(logged.date() - timedelta(days=self.rng.randint(0, 2)), giver.joined_on)
        exchange = Held()
        self._at(logged, partial(self._log, exchange, giver, True, receiver.account_id, minutes, occurred,
                                 skill.activity, skill.done, "overdue"))
        tried = self._later(logged + timedelta(days=days), 60, 600)
        self._at(tried, partial(self._auto_confirm, receiver.account_id))
        return involved | {giver.account_id}

    def _record_exchange(self, giver: Person, receiver: Person, minutes: int, occurred: date, skill: Skill, key: str):
        recording.record_exchange(
            self.actor, giver_account_id=giver.account_id, receiver_account_id=receiver.account_id, minutes=minutes,
            occurred_on=occurred, activity_id=self.activity[skill.activity], confirmation="phone", note=skill.done,
            submission_id=f"demo-recorded-{key}", now=self._playing,
        )
        self.counts["exchange"] += 1

    def _auto_confirm(self, account_id: int) -> None:
        auto_confirm_due(self.community, account_id=account_id, now=self._playing)

    def _log(self, held: Held, logger: Person, gave: bool, partner_account: int, minutes: int, occurred: date,
             activity: str, note: str, key: str) -> None:
        held.value, _ = log_exchange(
            self._membership(logger), gave=gave, partner_account_id=partner_account, minutes=minutes,
            occurred_on=occurred, activity_id=self.activity[activity], note=note,
            submission_id=f"demo-exchange-{key}", now=self._playing,
        )

    def _pending_exchanges(self, not_these: set[int], accepted: list[tuple]) -> None:
        """Exchanges logged in the last days and waiting for the other side (member01 has one
        to confirm; one is time given to the health centre, for the coordinator to confirm;
        one came from an accepted introduction), and a few declined or cancelled. All younger
        than the auto-confirm days, and each within both sides' limits, so that confirming
        one (or the auto-confirm, days from now) posts it."""
        days = min(self.community.auto_confirm_days or 14, 14)
        pool = [p for p in self.busy if p.account_id not in not_these]
        if len(pool) < 2:
            return
        reserved = dict(self.balance)

        def fits(account: int, minutes: int) -> bool:
            after = reserved[account] + minutes
            floor, ceiling = self.floor[account], self.ceiling[account]
            return (floor is None or after >= floor) and (ceiling is None or after <= ceiling)

        def plan(logger: Person, partner: Person | None, account: int, gave: bool, minutes: int, logged: datetime,
                 activity: str, note: str, key: str, *, holds_time: bool = True) -> tuple[Held, datetime] | None:
            """Log an exchange (not before both sides joined); returns it and when it was logged."""
            giver, receiver = (logger.account_id, account) if gave else (account, logger.account_id)
            if holds_time:
                if not (fits(giver, minutes) and fits(receiver, -minutes)):
                    return None
                reserved[giver] += minutes
                reserved[receiver] -= minutes
            joined = max(logger.joined_on, partner.joined_on) if partner else logger.joined_on
            if logged.date() < joined:
                logged = self._moment(joined, 8, 21)
            occurred = max(logged.date() - timedelta(days=self.rng.randint(0, 3)), joined, self.open_from)
            held = Held()
            self._at(logged, partial(self._log, held, logger, gave, account, minutes, occurred, activity, note, key))
            return held, logged

        def pair(first: Person | None = None) -> tuple[Person, Person, bool] | None:
            """Who logs, with whom, and whether they gave: never a give-only member receiving."""
            logger = self.rng.choice([p for p in pool if p is not first])
            partner = first or self.rng.choice([p for p in pool if p is not logger])
            likely = first is not None or self.rng.random() < 0.6
            for gave in (likely, not likely):
                giver, receiver = (logger, partner) if gave else (partner, logger)
                if giver.mode != "receive" and receiver.mode != "give":
                    return logger, partner, gave
            return None

        for i in range(max(4, min(len(self.people) // 6, PENDING_CAP))):
            member01 = self.member01 if i == 0 and self.member01 in pool else None
            chosen = pair(member01)
            if chosen is None:
                continue
            logger, partner, gave = chosen
            skill = self.rng.choice(self.skills.get((logger if gave else partner).number) or SKILLS)
            logged = self._moment(self._ago(1, days - 2), 8, 21)
            plan(logger, partner, partner.account_id, gave, self.rng.choice((30, 60, 60, 90, 120)), logged,
                 skill.activity, skill.done, f"pending-{i + 1}")

        volunteers = [p for p in pool if p.mode != "receive" and fits(p.account_id, 180)]
        if volunteers:
            logged = self._moment(self._ago(1, days - 3))
            plan(self.rng.choice(volunteers), None, self.health_centre.id, True, 180, logged, AD,
                 "Welcome desk at the health centre's flu clinic", "organisation")

        for match, requester, helper, skill, agreed in accepted:
            if requester.account_id in not_these or helper.account_id in not_these or requester.mode == "give":
                continue
            logged = max(self._moment(self._ago(1, days - 3), 8, 21), agreed + timedelta(hours=2))
            if logged >= self.latest or logged < self.latest - timedelta(days=days - 2):
                continue
            planned = plan(helper, requester, requester.account_id, True, self.rng.choice((60, 90, 120)), logged,
                           skill.activity, skill.done, "match")
            if planned is not None:
                held, logged = planned
                self._at(logged, partial(self._link_match, held, match))
                break

        for i in range(2 * max(2, min(len(self.people) // 50, DECIDED_CAP))):
            chosen = pair()
            if chosen is None:
                continue
            logger, partner, gave = chosen
            skill = self.rng.choice(SKILLS)
            logged = self._moment(self._ago(4, 40), 8, 21)
            held, logged = plan(logger, partner, partner.account_id, gave, self.rng.choice((60, 90, 120)), logged,
                                skill.activity, skill.done, f"decided-{i + 1}", holds_time=False)
            if i % 2 == 0:
                reason = self.rng.choice(DECLINE_REASONS)
                self._at(self._later(logged, 4 * 60, 3 * 1440), partial(self._decline, held, partner, reason))
            else:
                self._at(self._later(logged, 5, 600), partial(self._cancel, held, logger))

    def _link_match(self, exchange: Held, match: Held) -> None:
        exchange.value.match_id = match.value.id

    def _decline(self, exchange: Held, person: Person, reason: str) -> None:
        decline_exchange(exchange.value.id, db.session.get(User, person.user_id), reason, now=self._playing)

    def _cancel(self, exchange: Held, person: Person) -> None:
        cancel_exchange(exchange.value.id, db.session.get(User, person.user_id), now=self._playing)

    # -- the coordinator's entries in the ledger, in the audit log --------------------------

    def _history_events(self) -> None:
        """Audit events for what the coordinator did in the ledger's history: the exchanges
        they recorded, payments by organisations, grants from the pot, reversals, and the
        month they closed."""
        coordinator = self.actor.user_id
        kinds = (
            ("exchange.record", Entry.kind == "exchange", ("phone", "paper", "in_person")),
            ("pot.grant", Entry.kind == "grant", None),
            ("entry.reverse", Entry.kind == "reversal", None),
        )
        picked = []
        for action, kind, confirmations in kinds:
            query = select(Entry).where(Entry.community_id == self.cid, kind, Entry.recorded_by_id == coordinator)
            if confirmations:
                query = query.where(Entry.confirmation.in_(confirmations))
            query = query.order_by(Entry.id.desc()).limit(HISTORY_EVENT_CAP * 2)
            picked += [(action, entry) for entry in db.session.scalars(query)]
        originals = {e.reverses_id for action, e in picked if e.reverses_id}
        legs: dict[int, list[tuple[int, int]]] = {}
        for entry_id, account_id, minutes in db.session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.minutes)
            .where(Posting.entry_id.in_([e.id for _, e in picked] + list(originals)))
            .order_by(Posting.entry_id, Posting.minutes.desc(), Posting.id)
        ):
            legs.setdefault(entry_id, []).append((account_id, minutes))
        done: Counter[str] = Counter()
        for action, entry in sorted(picked, key=lambda p: p[1].id):
            postings = legs[entry.id]
            members = [(self.member_of[a], m) for a, m in postings if a in self.member_of]
            if action == "exchange.record" and len(members) == 1:
                if members[0][1] < 0:
                    continue  # a member spending credits with an organisation: no coordinator form for that
                action = "organisation.payment"
            if action == "exchange.record" and len(members) != 2:
                continue
            if done[action] >= HISTORY_EVENT_CAP:
                continue
            done[action] += 1
            when = self._moment(min(self.today, entry.occurred_on + timedelta(days=self.rng.randint(0, 3))))
            minutes = max(m for _, m in postings)
            if action == "exchange.record":
                (giver, _), (receiver, _) = members
                record = partial(self._record, coordinator, action, giver, "entry", entry.id,
                                 receiver_membership_id=receiver, minutes=minutes, confirmation=entry.confirmation,
                                 match_id=None)
            elif action == "entry.reverse":
                touched = [self.member_of[a] for a, _ in legs[entry.reverses_id] if a in self.member_of]
                record = partial(self._record, coordinator, action, touched[0] if touched else None, "entry",
                                 entry.reverses_id, reversal_entry_id=entry.id, dated=entry.occurred_on.isoformat(),
                                 reason=entry.reason, limit_override=bool(entry.limit_override), members=touched)
            else:
                subject = next((mid for mid, m in members if m > 0), None)
                record = partial(self._record, coordinator, action, subject, "entry", entry.id, minutes=minutes)
            self._at(when, record)
        for period in db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.community_id == self.cid)):
            self._at(period.closed_at, partial(
                self._record, period.closed_by_id, "period.close", None, "reporting_period", period.id,
                month=period.month.strftime("%Y-%m"), seal=period.seal, entry_count=period.entry_count,
            ))

    # -- applications, an invitation, a suspension, a leaver --------------------------------

    def _new_names(self, count: int) -> list[tuple[str, str]]:
        found = []
        while len(found) < count:
            name = f"{self.rng.choice(names.FIRST_NAMES)} {self.rng.choice(names.LAST_NAMES)}"
            if name not in self.taken_names:
                self.taken_names.add(name)
                email = "".join(c for c in name.lower().replace(" ", ".") if c.isalpha() or c == ".")
                found.append((name, f"{email}@{names.EMAIL_DOMAIN}"))
        return found

    def _applications(self) -> None:
        """Applications waiting for a decision, from the public sign-up form."""
        for (name, email), (kind, note) in zip(self._new_names(len(APPLICATIONS)), APPLICATIONS, strict=True):
            when = self._moment(self._ago(1, 9), 7, 21)
            ref = draw_ref(self.rng, self.refs)
            address = f"{PUBLIC}{self.rng.randint(2, 254)}"
            self._at(when, partial(self._apply, name, email, kind, note, ref, when), address)

    def _apply(self, name, email, kind, note, ref, when) -> None:
        user = create_user(email, name, password_hash=self.password_hash)
        membership = Membership(
            user_id=user.id, community_id=self.cid, role=Role.MEMBER, kind_id=self.kind_id[kind],
            status=MembershipStatus.PENDING, ref=ref, joined_on=when.date(), application_note=note, created_at=when,
        )
        db.session.add(membership)
        db.session.flush()
        self._record(user.id, "member.apply", membership.id, "membership", membership.id)

    def _invitation(self) -> None:
        """An invitation sent a few days ago and not used yet (its link is not known to anyone:
        only the hash of a random token is kept, as the service does)."""
        ((name, email),) = self._new_names(1)
        when = self._moment(self._ago(1, 4))
        self._at(when, partial(self._invite, name, email, when))

    def _invite(self, name, email, when) -> None:
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            community_id=self.cid, email=email, name=name, role=Role.MEMBER, kind_id=self.kind_id[VOL],
            token_hash=hashlib.sha256(token.encode()).hexdigest(), created_by_id=self.actor.user_id,
            created_at=when, expires_at=when + timedelta(days=member_service.INVITATION_DAYS),
        )
        db.session.add(invitation)
        db.session.flush()
        self._record(self.actor.user_id, "member.invite", None, "invitation", invitation.id, role=Role.MEMBER)

    def _suspension_and_leaving(self) -> None:
        """A member suspended last week (the reason kept as a private note), and one who left
        today, their credit donated to the pot (or frozen)."""
        if self.suspended is not None:
            self._at(self._moment(self._ago(3, 10)), partial(
                member_service.suspend, self.actor, self._mid(self.suspended), SUSPEND_REASON
            ))
        if self.leaver is not None:
            donate = self.balance[self.leaver.account_id] > 0
            self._at(None, partial(
                member_service.leave, self.actor, self._mid(self.leaver),
                member_service.DONATE if donate else member_service.FREEZE,
            ))
            self.counts["donation"] += donate

    @property
    def _playing(self) -> datetime:
        """The time of the action being played."""
        return self.clock.now
def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (or later, if negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
