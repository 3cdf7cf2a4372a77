"""Who gives what to whom in the demo, and how often: the weights the history is drawn from.

The weights follow what co-production timebanks report: most hours are peer exchanges,
service users give as well as receive (to each other and to professionals), and
organisations both pay members for their time and let them spend credits.
"""
from itertools import accumulate

SU, CARER, VOL, PRO = "service_user", "carer", "volunteer", "professional"
KINDS = (SU, CARER, VOL, PRO)
#: Share of members of each kind (largest remainder rounding keeps the total exact).
KIND_SHARES = ((SU, 0.40), (CARER, 0.15), (VOL, 0.30), (PRO, 0.15))
GIVE_ONLY_SHARE = 0.05  # volunteers and professionals who never take time back
RECEIVE_ONLY_SHARE = 0.05  # service users and carers who have only received so far

# Activity category names (timebank.services.communities.DEFAULT_ACTIVITIES).
BEFRIENDING = "Befriending and company"
SHOPPING = "Shopping and errands"
GARDENING = "Gardening"
LIFTS = "Lifts and accompanying"
COOKING = "Cooking and meals"
COMPUTER = "Computer and phone help"
ARTS = "Arts and crafts"
PEER = "Peer support"
ADMIN = "Admin and paperwork"
CODESIGN = "Co-design and planning"
TRAINING = "Training and learning"
WELLBEING = "Health and wellbeing"

#: Peer exchanges: (giver kind, receiver kind, weight, activities).
PAIRS = (
    (VOL, SU, 16, (BEFRIENDING, SHOPPING, LIFTS, GARDENING, COMPUTER, COOKING)),
    (SU, SU, 12, (PEER, BEFRIENDING, ARTS, COOKING, COMPUTER)),
    (SU, PRO, 9, (TRAINING, CODESIGN, PEER)),
    (SU, VOL, 9, (COOKING, ARTS, COMPUTER, GARDENING)),
    (PRO, SU, 8, (WELLBEING, ADMIN, TRAINING)),
    (VOL, CARER, 6, (BEFRIENDING, SHOPPING, LIFTS)),
    (CARER, SU, 6, (BEFRIENDING, PEER, COOKING)),
    (SU, CARER, 6, (ARTS, COOKING, COMPUTER)),
    (CARER, CARER, 4, (PEER, BEFRIENDING)),
    (CARER, VOL, 4, (COOKING, GARDENING)),
    (VOL, VOL, 4, (COMPUTER, GARDENING, TRAINING)),
    (PRO, CARER, 3, (WELLBEING, ADMIN)),
    (VOL, PRO, 3, (ADMIN, CODESIGN)),
    (CARER, PRO, 3, (TRAINING, CODESIGN)),
    (PRO, VOL, 2, (TRAINING,)),
)
PAIR_CUM = tuple(accumulate(p[2] for p in PAIRS))

#: Lengths of a one-to-one exchange in minutes, and how common each is.
UNITS = (15, 30, 45, 60, 90, 120, 180, 240)
UNIT_CUM = tuple(accumulate((3, 10, 6, 30, 18, 18, 8, 3)))
SESSION_UNITS = (60, 90, 120, 150, 180)
SESSION_CUM = tuple(accumulate((30, 25, 30, 5, 10)))
GIFT_UNITS = (60, 120, 180, 240, 300, 600)
GIFT_CUM = tuple(accumulate((30, 25, 15, 12, 10, 8)))

#: Who runs member-led group sessions, who attends, and what they are.
FACILITATOR_KINDS = (PRO, VOL, SU, CARER)  # peer-led groups are common
FACILITATOR_CUM = tuple(accumulate((25, 30, 30, 15)))
ATTENDEE_KINDS = (SU, CARER, VOL, PRO)
ATTENDEE_CUM = tuple(accumulate((45, 25, 20, 10)))
SESSION_ACTIVITIES = (PEER, ARTS, WELLBEING, TRAINING, COOKING, GARDENING, COMPUTER)
#: Who organisations pay for their time (patient panels, co-design, reception volunteering).
PAID_KINDS = (SU, CARER, VOL, PRO)
PAID_CUM = tuple(accumulate((45, 20, 30, 5)))
ORG_SESSION_ACTIVITIES = (CODESIGN, CODESIGN, TRAINING, WELLBEING)
ORG_PAYS_ACTIVITIES = (ADMIN, CODESIGN, BEFRIENDING, GARDENING, LIFTS)
ORG_SPEND_ACTIVITIES = (WELLBEING, TRAINING)

#: What each slot of the day's quota becomes. Failed draws fall back to an organisation paying
#: a member, which almost always fits under the limits.
MIX = (
    ("peer", 58),
    ("session", 10),
    ("org_session", 4),
    ("org_pays", 9),
    ("org_spend", 6),
    ("donation", 6),
    ("grant", 5),
    ("reversal", 1),
)
MIX_CUM = tuple(accumulate(weight for _, weight in MIX))

# Co-production steps and ladder rungs (timebank.models.ledger enums) for tagged sessions.
MEMBER_STEPS = ("do_together", "do_together", "did_it_work")
MEMBER_RUNGS = ("co_production", "engagement", "co_design", "informing")
ORG_STEPS = ("identify", "ideas", "do_together", "did_it_work")
ORG_RUNGS = ("consultation", "engagement", "co_design", "co_production", "co_production", "informing", "educating")

#: Day-of-week activity (Monday first): quieter at weekends.
WEEKDAY_FACTOR = (1.0, 1.05, 1.1, 1.0, 0.9, 0.45, 0.25)
