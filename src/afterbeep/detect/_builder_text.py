"""What the far end says in synthetic calls: templates for human answers and machine greetings.

Owns the word material of the corpus builder: names, companies, departments, phone numbers and
phrasings, drawn from a numpy Generator so a seed gives the same texts. Each function returns
plain text for a TTS engine (numbers spelled digit by digit, as greetings say them). Must not
synthesise audio nor decide a call's structure (see ``_builder``).
"""

from __future__ import annotations

import numpy as np

FIRST_NAMES = (
    "Dana",
    "Mike",
    "Sarah",
    "James",
    "Priya",
    "Carlos",
    "Emily",
    "David",
    "Aisha",
    "Tom",
    "Linda",
    "Kevin",
    "Maria",
    "Jordan",
    "Chris",
    "Nina",
    "Robert",
    "Grace",
    "Omar",
    "Julie",
    "Brian",
    "Hannah",
    "Luis",
    "Megan",
    "Victor",
    "Olivia",
    "Sam",
    "Rachel",
    "Derek",
    "Kim",
    "Anthony",
    "Beth",
    "Marcus",
    "Tina",
    "Greg",
    "Fatima",
    "Steve",
    "Laura",
    "Ethan",
    "Rosa",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Patel",
    "Garcia",
    "Nguyen",
    "Miller",
    "Brown",
    "Davis",
    "Wilson",
    "Martinez",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
)
COMPANY_WORDS = (
    "Acme",
    "Summit",
    "Bluewater",
    "Northstar",
    "Pioneer",
    "Redwood",
    "Keystone",
    "Harbor",
    "Granite",
    "Silverline",
    "Evergreen",
    "Atlas",
    "Beacon",
    "Cedar",
    "Horizon",
    "Lakeside",
    "Meridian",
    "Orchard",
    "Riverside",
    "Sterling",
    "Trident",
    "Vantage",
    "Westfield",
    "Brightpath",
)
COMPANY_KINDS = (
    "Logistics",
    "Dental",
    "Insurance",
    "Realty",
    "Consulting",
    "Manufacturing",
    "Software",
    "Law Group",
    "Medical Center",
    "Construction",
    "Financial",
    "Marketing",
    "Supply",
    "Auto Group",
    "Properties",
    "Health",
    "Engineering",
    "Partners",
    "Labs",
    "Foods",
)
DEPARTMENTS = (
    "sales",
    "customer support",
    "billing",
    "accounts payable",
    "human resources",
    "shipping",
    "technical support",
    "service",
    "scheduling",
    "the front desk",
    "claims",
    "purchasing",
)
TITLES = (
    "account executive",
    "office manager",
    "sales director",
    "project manager",
    "owner",
    "operations manager",
    "senior engineer",
    "customer success manager",
    "partner",
    "recruiter",
)
AWAY = (
    "away from my desk",
    "on the other line",
    "out of the office today",
    "in a meeting",
    "not available right now",
    "unable to take your call",
    "with a customer",
    "on the road",
)
WHEN = (
    "as soon as I can",
    "as soon as possible",
    "within one business day",
    "by the end of the day",
    "shortly",
    "when I get back",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTHS = ("January", "March", "April", "June", "August", "September", "October", "November")
ORDINALS = ("second", "fifth", "ninth", "twelfth", "fifteenth", "twentieth", "twenty third")
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _some_of(rng: np.random.Generator, options: list[str]) -> list[str]:
    """Two or more of a menu's ``options``, in their order."""
    count = int(rng.integers(2, len(options) + 1))
    return [options[i] for i in sorted(rng.choice(len(options), size=count, replace=False))]


def company(rng: np.random.Generator) -> str:
    return f"{_pick(rng, COMPANY_WORDS)} {_pick(rng, COMPANY_KINDS)}"


def person(rng: np.random.Generator) -> tuple[str, str]:
    return _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)


def phone_digits(rng: np.random.Generator) -> str:
    """A ten-digit number said in groups: "5 5 5, 2 1 3, 4 5 6 7"."""
    digits = [str(int(d)) for d in rng.integers(0, 10, size=10)]
    digits[0] = str(int(rng.integers(2, 10)))
    return f"{' '.join(digits[:3])}, {' '.join(digits[3:6])}, {' '.join(digits[6:])}"


def extension(rng: np.random.Generator) -> str:
    return " ".join(str(int(d)) for d in rng.integers(0, 10, size=int(rng.integers(3, 5))))


def human_short(rng: np.random.Generator) -> str:
    first, _ = person(rng)
    options = (
        "Hello?",
        "Hello.",
        "Hi.",
        "Yeah, hello?",
        f"Hello, this is {first}.",
        f"{first} speaking.",
        f"Hi, this is {first}.",
        "Yes?",
        "Good morning!",
        "Hey.",
        f"This is {first}.",
        "Hello, who's this?",
        "Hi there.",
        f"{first}.",
    )
    return _pick(rng, options)


def human_business(rng: np.random.Generator) -> str:
    first, last = person(rng)
    name = company(rng)
    options = (
        f"{name}, this is {first}.",
        f"{name}, {first} speaking, how can I help you?",
        f"Thank you for calling {name}, this is {first}.",
        f"{_pick(rng, DEPARTMENTS).capitalize()}, {first} speaking.",
        f"Good afternoon, {name}, {first} speaking.",
        f"{first} {last}.",
        f"Hi, {first} {last} here.",
        f"{name}, good morning.",
    )
    return _pick(rng, options)


def personal_greeting(rng: np.random.Generator, *, beep: bool) -> str:
    first, last = person(rng)
    other, _ = person(rng)
    name = company(rng)
    tail = (
        _pick(
            rng,
            (
                "Please leave a message after the tone.",
                "Leave your name and number after the beep.",
                "Please leave your name, number and a brief message after the tone, "
                "and I'll get back to you " + _pick(rng, WHEN) + ".",
                "Leave a message after the beep and I'll call you back.",
                "Please leave a detailed message after the beep.",
            ),
        )
        if beep
        else _pick(
            rng,
            (
                "Please leave a message.",
                "Leave a message and I'll call you back.",
                "Please leave your name and number and I'll return your call.",
                "Thanks for calling.",
            ),
        )
    )
    at_company = f" at {name}" if rng.random() < 0.5 else ""
    templates = (
        f"Hi, you've reached {first} {last}{at_company}. I'm {_pick(rng, AWAY)}. {tail}",
        f"Hey, it's {first}. Can't get to the phone right now. {tail}",
        f"Hello, this is {first} {last} with {name}. I'm either on another call or away from "
        f"my desk. {tail} Thank you.",
        f"You've reached the voicemail of {first} {last}, {_pick(rng, TITLES)} at {name}. "
        f"Our office hours are {_pick(rng, DAYS)} through Friday, eight to five. {tail}",
        f"Hi! You have reached {first} and {other}. We're not home right now. {tail} Thanks!",
        f"This is {first}. {tail}",
        f"{first} {last}. {tail}",
        f"Hi, this is {first}. I'm out of the office until {_pick(rng, DAYS)}, "
        f"{_pick(rng, MONTHS)} {_pick(rng, ORDINALS)}, with limited access to voicemail. "
        f"For anything urgent, please call {other} at {phone_digits(rng)}. {tail}",
        f"Hello, you've reached {first} {last}. I'm sorry I missed your call. {tail}",
        f"Hi, {first} here. {tail} Have a great day.",
    )
    return _pick(rng, templates)


def system_tail(rng: np.random.Generator) -> str:
    """The phone system's own words after a recorded greeting."""
    return _pick(
        rng,
        (
            "Please leave your message after the tone. When you have finished recording, "
            "you may hang up.",
            "Please record your message at the tone.",
            "At the tone, please record your message. When you are finished, hang up or "
            "press pound for more options.",
        ),
    )


def carrier_default(rng: np.random.Generator) -> str:
    number = phone_digits(rng)
    templates = (
        f"The person you are calling, {number}, is not available. At the tone, please record "
        "your message. When you are finished, hang up or press pound for more options.",
        f"Your call has been forwarded to an automated voice messaging system. {number} is "
        "not available. At the tone, please record your message. When you have finished "
        "recording, you may hang up, or press one for more options.",
        f"You have reached the voice mailbox of {number}. Please leave a message after the tone.",
        f"{number} is not available. Record your message at the tone.",
        f"The subscriber you are trying to reach, {number}, is unavailable. Please leave a "
        "message after the tone.",
        f"The number you have dialed, {number}, is not available right now. Please leave a "
        "message after the beep.",
    )
    return _pick(rng, templates)


def carrier_after_name(rng: np.random.Generator) -> str:
    """The carrier prompt after a spliced-in recorded name."""
    return _pick(
        rng,
        (
            "is not available. At the tone, please record your message. When you are "
            "finished, hang up or press pound for more options.",
            "is unavailable. Please leave a message after the tone.",
            "cannot take your call right now. Record your message at the tone.",
        ),
    )


def full_mailbox(rng: np.random.Generator) -> str:
    number = phone_digits(rng)
    templates = (
        f"The mailbox belonging to {number} is full and cannot accept any messages at this "
        "time. Goodbye.",
        "Sorry, the mailbox you are trying to reach is full. Please try again later. Goodbye.",
        "The subscriber's voice mailbox is full. Please call again later.",
        f"The person you are calling, {number}, has a full mailbox and cannot accept new "
        "messages. Goodbye.",
        "This mailbox is full. Goodbye.",
    )
    return _pick(rng, templates)


def not_set_up(rng: np.random.Generator) -> str:
    number = phone_digits(rng)
    templates = (
        "The person you are trying to reach has a voice mailbox that has not been set up yet. "
        "Goodbye.",
        f"The subscriber you have dialed, {number}, has not set up their voicemail. Please try "
        "your call again later.",
        "This voicemail box has not been set up. Goodbye.",
        f"The mailbox for {number} has not been set up. Please try again later. Goodbye.",
    )
    return _pick(rng, templates)


# The menu sentences that name the key reaching a person; the key is in their words.
OPERATOR_LINES = (
    "To reach the operator, press zero or stay on the line.",
    "For the operator, press zero.",
    "For all other inquiries, press zero.",
    "For all other calls, press zero.",
)
OPERATOR_KEY = "0"


def operator_key(words: str) -> str | None:
    """The key a company line's script says reaches a person: the label ``operator=``,
    from the builder's own sentences (never from reading the words)."""
    return OPERATOR_KEY if any(line in words for line in OPERATOR_LINES) else None


def general_mailbox(rng: np.random.Generator, *, beep: bool) -> str:
    name = company(rng)
    dept = _pick(rng, DEPARTMENTS)
    if beep:
        templates = (
            f"You have reached the {dept} department at {name}. All of our representatives are "
            "busy. Please leave your name, number and a brief message after the tone and "
            "someone will return your call.",
            f"Thank you for calling {name}. Our office is currently closed. Please leave a "
            "message after the tone and we will call you back on the next business day.",
            f"You've reached the general mailbox for {name}. Please leave a message after the "
            "beep.",
        )
        return _pick(rng, templates)
    options = [
        "For sales, press one.",
        "For customer support, press two.",
        "For billing, press three.",
        "For shipping, press four.",
        "For the company directory, press nine.",
        "For hours and directions, press five.",
    ]
    chosen = _some_of(rng, options)
    operator = _pick(rng, OPERATOR_LINES[:3])
    menus = (
        f"Thank you for calling {name}. If you know your party's extension, you may dial it at "
        f"any time. {' '.join(chosen)} {operator}",
        f"Welcome to the {name} company directory. Please enter the first three letters of "
        f"the person's last name. {operator}",
        f"Thank you for calling {name}. Please listen carefully, as our menu options have "
        f"changed. {' '.join(chosen)} {operator}",
        f"You have reached {name}. Our office hours are Monday through Friday, nine to five. "
        f"{' '.join(chosen)} {operator}",
    )
    return _pick(rng, menus)


# Lines shared by a team, and who answers them.
LINES = ("sales", "support", "scheduling", "appointment", "billing", "service", "intake", "main")
STAFF = (
    "representatives",
    "advisors",
    "specialists",
    "attorneys",
    "agents",
    "team members",
    "nurses",
    "coordinators",
)


def company_line(rng: np.random.Generator, *, beep: bool) -> tuple[str, str]:
    """A company line that is not a mailbox menu of the ``general_mailbox`` kind, and its
    style: with a beep, a team's shared line ("line"); without, a hold, queue or recording
    notice that puts the caller through ("hold"), or a menu of "If you are ..., press one
    now." options ("menu"). None of them is a place for a sales message."""
    name = company(rng)
    staff = _pick(rng, STAFF)
    if beep:
        line = _pick(rng, LINES)
        busy = _pick(rng, ("assisting other callers", "with other clients", "unavailable", "busy"))
        templates = (
            f"You have reached the {line} line at {name}. Our {staff} are currently {busy}. "
            "Please leave your name, number and a short message after the tone, and we will "
            "return your call.",
            f"Thank you for calling the {name} {line} line. All of our {staff} are {busy}. "
            "Please leave a message after the beep.",
            f"You've reached {name}. Our {staff} are away from their desks right now. Leave "
            "a message with your name and number, and one of us will get back to you.",
        )
        return "line", _pick(rng, templates)
    if rng.random() < 0.5:
        first = _pick(
            rng,
            (
                f"Thank you for calling {name}. Please hold while we connect your call.",
                f"Thank you for calling {name}. Your call is important to us. Please stay on "
                f"the line and the next available {staff[:-1]} will be with you shortly.",
                f"Thank you for calling {name}. This call may be recorded for quality and "
                "training purposes. Please hold while we connect you.",
                "This call may be monitored or recorded. Connecting your call now.",
                f"Please hold while I transfer your call to the {_pick(rng, LINES)} team.",
                f"You have reached {name}. All of our {staff} are helping other customers. "
                "Please hold, and someone will be with you in a moment.",
            ),
        )
        return "hold", first
    client = _pick(rng, ("client", "patient", "customer", "member"))
    options = [
        f"If you are a new {client}, press one now.",
        f"If you are an existing {client}, press two now.",
        "If you are calling about an invoice, press three now.",
        "If you have an appointment today, press four.",
        f"If you are calling from another {client}'s office, press five now.",
    ]
    chosen = _some_of(rng, options)
    ending = _pick(
        rng, (OPERATOR_LINES[3], "Or stay on the line for the next available agent.", "")
    )
    words = f"Thank you for calling {name}. {' '.join(chosen)} {ending}".strip()
    return "menu", words


def babble_text(rng: np.random.Generator) -> str:
    """A sentence for background talkers."""
    first, last = person(rng)
    return _pick(
        rng,
        (
            f"Did you see what {first} sent about the {_pick(rng, DEPARTMENTS)} numbers?",
            f"I'll be there around {_pick(rng, DIGIT_WORDS)}, tell {first} to wait.",
            f"No, the meeting with {first} {last} moved to {_pick(rng, DAYS)}.",
            "Can you pass me that, thanks, and close the door on your way out.",
            f"We need the order from {company(rng)} by the end of the week.",
        ),
    )


__all__ = [
    "babble_text",
    "carrier_after_name",
    "carrier_default",
    "company",
    "company_line",
    "extension",
    "full_mailbox",
    "general_mailbox",
    "human_business",
    "human_short",
    "not_set_up",
    "person",
    "personal_greeting",
    "phone_digits",
    "system_tail",
]
