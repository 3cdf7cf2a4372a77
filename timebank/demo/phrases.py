"""The words of the coordinator's side of the demo: restrictions, private notes, replies,
reasons, applications, the kinds of DBS check, and the names of group sessions."""
from ..models import RestrictionCode
from . import flows
from .skills import AR, CK, GB, IT, PS, TR, WB

SU, CARER, VOL, PRO = flows.SU, flows.CARER, flows.VOL, flows.PRO

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
