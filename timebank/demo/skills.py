"""What the demo's members can do: each skill as they put it in a profile, as an offer, as
requests for it, and as the note on an exchange of it; and how they say when they are free."""
from dataclasses import dataclass

from . import flows

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
