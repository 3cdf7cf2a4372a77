"""Names for the demo: the community, its organisations, and a varied mix of people.

The lists mix the names of people of many backgrounds and generations, as a real
health-and-care programme in an English town would have. Nothing here is random: the
generator draws from these lists with its own seeded RNG.
"""

COMMUNITY_SLUG = "demo"
COMMUNITY_NAME = "Riverside Co-production Timebank"
EMAIL_DOMAIN = "demo.example"
COORDINATOR_EMAIL = f"coordinator@{EMAIL_DOMAIN}"
FUNDER_EMAIL = f"funder@{EMAIL_DOMAIN}"
COORDINATOR_NAME = "Priya Raman"
FUNDER_NAME = "Martin Okafor"

HEALTH_CENTRE = "Riverside Health Centre"
MENTAL_HEALTH_TRUST = "Greenway Mental Health Trust"

FIRST_NAMES = (
    "Aaliyah", "Abdul", "Ada", "Adebayo", "Agnes", "Aisha", "Alan", "Alice", "Amara", "Amir",
    "Ana", "Andrew", "Angela", "Anil", "Ann", "Arjun", "Barbara", "Beatrice", "Ben", "Bernard",
    "Bilal", "Brenda", "Bronwen", "Callum", "Carol", "Chen", "Chloe", "Ciaran", "Colin", "Dafydd",
    "Daniel", "Darren", "Deborah", "Deepa", "Delroy", "Denise", "Derek", "Dorothy", "Eileen", "Elena",
    "Elif", "Ellie", "Emeka", "Emma", "Eric", "Esther", "Fatima", "Fiona", "Florence", "Gareth",
    "George", "Grace", "Graham", "Gurpreet", "Hannah", "Hassan", "Hazel", "Ibrahim", "Imran", "Irene",
    "Isla", "Ivy", "Jack", "Jamal", "Janet", "Jasmine", "Jean", "Joan", "Jonathan", "Joseph",
    "Joyce", "Kamala", "Karen", "Kate", "Kevin", "Kwame", "Leah", "Leon", "Lily", "Linda",
    "Lucy", "Magda", "Malcolm", "Margaret", "Maria", "Marcus", "Maureen", "Mei", "Mohammed", "Nadia",
    "Naomi", "Neil", "Niamh", "Nikhil", "Noah", "Norman", "Olga", "Oliver", "Olu", "Pamela",
    "Patrick", "Pauline", "Peter", "Precious", "Rachel", "Rashid", "Rebecca", "Rhys", "Rita", "Robert",
    "Rosa", "Ruth", "Ryan", "Sadia", "Samuel", "Sandra", "Sarah", "Shanice", "Shirley", "Sinead",
    "Sofia", "Stanley", "Stephen", "Sunita", "Susan", "Tariq", "Teresa", "Thomas", "Tomasz", "Tunde",
    "Valerie", "Vera", "Victor", "Wendy", "William", "Winston", "Yasmin", "Yusuf", "Zainab", "Zofia",
)

LAST_NAMES = (
    "Abbott", "Adeyemi", "Ahmed", "Ali", "Andrews", "Armstrong", "Asante", "Atkinson", "Bailey", "Baker",
    "Banerjee", "Barker", "Begum", "Bennett", "Bhatt", "Booth", "Bowen", "Boyle", "Brown", "Burke",
    "Campbell", "Carter", "Chambers", "Chaudhry", "Chen", "Clarke", "Coleman", "Connolly", "Cooper", "Davies",
    "Dixon", "Doherty", "Douglas", "Edwards", "Evans", "Fernandes", "Fisher", "Fletcher", "Foster", "Gallagher",
    "Ghosh", "Gibson", "Graham", "Green", "Griffiths", "Hall", "Hamid", "Harris", "Hassan", "Hughes",
    "Hussain", "Ibrahim", "Jackson", "James", "Jenkins", "Johnson", "Jones", "Kaur", "Kelly", "Khan",
    "Kowalski", "Kumar", "Lewis", "Li", "Lloyd", "Lopez", "Malik", "Marshall", "Mensah", "Mistry",
    "Mitchell", "Moore", "Morgan", "Murphy", "Nguyen", "Novak", "Nowak", "O'Brien", "Okafor", "Okonkwo",
    "Osei", "Owen", "Parker", "Patel", "Pearson", "Phillips", "Price", "Quinn", "Rahman", "Reid",
    "Richards", "Roberts", "Robinson", "Rossi", "Shah", "Sharma", "Silva", "Singh", "Smith", "Stewart",
    "Sullivan", "Taylor", "Thomas", "Thompson", "Turner", "Walker", "Walsh", "Ward", "Watson", "Williams",
    "Wilson", "Wong", "Wood", "Wright", "Yilmaz", "Young", "Zhang",
)

REVERSAL_REASONS = (
    "Logged twice by mistake",
    "Wrong number of hours entered",
    "Recorded against the wrong member",
    "Session was cancelled; logged in error",
    "Member asked for it to be removed: the exchange did not happen",
)

GRANT_NOTES = (
    "Hardship grant from the community pot",
    "Grant from the pot towards a lift to hospital appointments",
    "Welcome grant for a new member",
    "Grant from the pot: help with a house move",
)

DONATION_NOTES = (
    "Donated to the community pot",
    "Gift of hours for members who need them",
    None,
)
