"""What a greeting's words say: mailbox state, the name as spoken, pace and formality.

Owns the phrase tables (data, one tuple of patterns per state) and the functions that apply
them to a transcript. Whisper garbles telephone speech ("male box", "voice mail", "set-up"),
so text is normalised first and patterns allow the common slips. Order matters: the first
state whose pattern matches wins (full before not set up before general before carrier).

Must not run speech recognition nor emit detector events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from afterbeep.detect._asr import Transcript


class MailboxState(StrEnum):
    """What a machine greeting says about leaving a message."""

    FULL = "full"
    NOT_SET_UP = "not_set_up"
    GENERAL = "general"
    # A system message that sends the caller away ("... please try again later. Goodbye.")
    # without inviting a message: with no beep after it, nothing would be recorded.
    TAKES_NO_MESSAGES = "takes_no_messages"
    CARRIER_DEFAULT = "carrier_default"
    PERSONAL = "personal"


_BOX = r"(?:mailbox|voicemail|message box|inbox|mail box)"

# A company directory's ways to reach a person: general-mailbox phrases, and strong enough to
# take a call back from the rep (``offers_a_menu``).
_DIAL_BY_NAME_PATTERNS = (
    r"dial\s+by\s+(?:name|last name)",
    # Dial by name without the words: "enter the first three letters of the person's last
    # name" (tiny.en: "the free letter of", "letters on").
    r"\b(?:enter|dial|type|key in)\s+(?:in\s+)?(?:the\s+)?(?:\w+\s+){0,2}letters?\s+(?:of|on|in)\b",
    # tiny.en: "the first three-lan of my parents last name".
    r"\bfirst\s+(?:three|3|few)\s+\w+\s+(?:of|on|in)\s+(?:\w+\s+){0,3}last\s+name\b",
    r"(?:your\s+)?(?:party s|partys|parties)\s+extension",
)

# A line that puts the caller through instead of taking a message: a hold or transfer
# prompt, a queue, a recording notice. Hold music or a person comes next, and a message played
# into it is lost or heard by the receptionist (general-mailbox phrases; ``puts_through``).
_PUTS_THROUGH_PATTERNS = (
    r"\bplease\s+hold\b",
    r"\b(?:connect|connecting|transfer|transferring)\s+(?:you|your\s+call)\b",
    r"\byour\s+call\s+(?:is\s+being|will\s+be|is\s+now)\s+(?:connected|transferred|"
    r"answered)\b|\byour\s+call\s+is\s+important\s+to\s+us\b",
    r"\bthis\s+call\s+(?:may|will|might|is)\s+(?:be\s+|being\s+)?(?:\w+\s+or\s+)?"
    r"(?:recorded|monitored)\b",
    r"\b(?:will|ll)\s+be\s+with\s+you\s+(?:in\s+a\s+(?:moment|minute)|shortly|momentarily)\b",
    r"\bnext\s+available\s+(?:agent|representative|associate|operator|specialist|"
    r"advisor|team member|person)\b",
    r"(?:stay|remain) on the line",
)

# Each state: patterns over normalised text (lower case, no punctuation, "mail box" ->
# "mailbox", digits as words kept as they came). Listed most specific first.
MAILBOX_PATTERNS: tuple[tuple[MailboxState, tuple[str, ...]], ...] = (
    (
        MailboxState.FULL,
        (
            # tiny.en: "This mailbox is in full."
            rf"{_BOX}\s+(?:is|was|has|s)?\s*(?:currently\s+|now\s+|already\s+|in\s+)?(?:full|fool|fall|fold|filled)",
            rf"{_BOX}(?:\s+\w+){{0,6}}\s+(?:is|s|it|its)\s+(?:currently\s+|now\s+)?(?:full|fool)\b",
            r"(?:cannot|can not|cant|unable to|not able to)\s+(?:accept|take|receive|record|hold)\s+(?:any\s+|the\s+)?(?:more|new|additional)?\s*messages?\b",
            # "has a full mailbox"; tiny.en: "as the full mailbox", "and a full mail box".
            # tiny.en in babble: "and a full mail of ..." for "has a full mailbox".
            rf"\b(?:a|the)\s+(?:full|fool)\s+(?:{_BOX}|mail\b)",
            r"(?:no|not enough)\s+(?:more\s+)?(?:room|space)\s+(?:for|to)",
            r"(?:is|are)\s+full\s+(?:and|please|goodbye)",
        ),
    ),
    (
        MailboxState.NOT_SET_UP,
        (
            r"(?:has|have|is)\s*(?:not|nt|never)\s+(?:yet\s+)?(?:been\s+)?(?:set\s*up|setup|sit up|initiali[sz]ed|activated|configured|created)",
            r"(?:not|nt)\s+(?:yet\s+)?(?:been\s+)?(?:set\s*up|setup)",
            # tiny.en on synthetic voices: "not being set up", "not been safe up",
            # "does not be in setup", "not being settled".
            r"\bnot\s+(?:\w+\s+){0,2}(?:set|sent|safe|sit)\s*up\b|\bnot\s+(?:\w+\s+){0,2}settled?\b",
            rf"(?:hasnt|hasn t|has not|have not)\s+(?:yet\s+)?set\s+up\s+(?:their|his|her|the|a)\s+{_BOX}",
            # Not "... mailbox is not available": tiny.en wrote that for "The person you're
            # calling, <name>, is not available" (a carrier's default greeting, which records).
            rf"{_BOX}\s+(?:is\s+)?not\s+(?:yet\s+)?(?:active|set)",
            # The "not" lost in a read-out number: "The mailbox for 2 9 1, ... to have been
            # set up." A mailbox is never said to a caller to have been set up otherwise.
            rf"{_BOX}\b(?:\s+\w+){{0,12}}?\s+(?:have|has)\s+been\s+(?:set\s*up|setup)\b",
            # ... or lost anywhere: "set up yet" is only ever said negated ("... a voice
            # mailbox. I've been set up yet." for "... has not been set up yet.").
            r"\b(?:set\s*up|setup)\s+yet\b(?!\s+(?:another|again|more|other)\b)",
        ),
    ),
    (
        MailboxState.GENERAL,
        (
            # A menu's options ("for sales, press one") are read by _menu_options: one key
            # alone is not a menu.
            *_DIAL_BY_NAME_PATTERNS,
            r"\bspell\s+(?:the\s+|their\s+|his\s+|her\s+)?(?:(?:first|last)\s+)?name\b",
            r"(?:company|employee|staff)\s+directory",
            r"\bdirectory\b",
            r"\bextension\b",
            r"\b(?:main\s+menu|menu options|options have changed)",
            # A way to reach the operator, not a mention of one ("... my 24/7 receptionist"
            # in a personal greeting): a key, or a transfer.
            r"(?:operator|receptionist|front desk|attendant)\s+(?:please\s+)?(?:press|dial)\b",
            r"(?:reach|speak (?:to|with)|talk to|transferred to|connected to|hold for)\s+"
            r"(?:the\s+|an\s+|our\s+)?(?:\w+\s+){0,2}(?:operator|receptionist|front desk|attendant)",
            # "Our office / store / clinic is now closed" (tiny.en: "our visit is closed", "our
            # office is imploring to be closed" for "currently closed"); after "the", only a
            # place of business (tiny.en heard "Ha, got you!" as "The law is closed.").
            r"\bour\s+\w+\s+(?:is|are)\s+(?:\w+\s+){0,3}closed\b",
            r"\bthe\s+(?:office|store|shop|clinic|practice|branch|bank|business|building|"
            r"restaurant|salon|studio|center|centre|showroom|dealership|pharmacy|school|"
            r"library)\s+(?:is|are)\s+(?:\w+\s+){0,3}closed\b",
            # A department line ("You have reached the claims department at ...", "Our
            # finance department is busy"), not a person's mention of one ("I'm in my
            # department"; tiny.en: "fill with my department").
            r"\b(?:(?:reached|calling|for|to)\s+(?:the\s+|our\s+)?|our\s+)(?:\w+\s+){1,2}department\b",
            # tiny.en: "You have reached the human remote in the department of ..." (human
            # resources department).
            r"\breached\s+the\s+(?:\w+\s+){1,4}department\b",
            # tiny.en: "You've reached the general mail of ..." for "general mailbox for".
            r"general\s+(?:mailbox|voicemail|delivery|mail\b)",
            r"(?:all\s+of\s+)?our\s+(?:representatives|agents|associates|staff)\s+are",
            # A team's shared line: "Our managing partners, <names>, are currently
            # unavailable", "You have reached the scheduling line at ...". A person's own
            # greeting speaks for one, and a personal line is named for its owner.
            r"\bour\s+(?:\w+\s+){0,2}(?:partners|attorneys|lawyers|agents|representatives|"
            r"associates|staff|team|team members|advisors|specialists|doctors|providers|nurses|"
            r"technicians|operators|receptionists|coordinators)\s+(?:\w+\s+){0,6}?(?:are|is)\s+"
            r"(?:\w+\s+){0,2}(?:unavailable|busy|assisting|helping|with other|away)\b",
            r"\b(?:reached|calling|for)\s+(?:the\s+)?(?:\w+\s+){0,3}(?:consultation|scheduling|"
            r"appointments?|sales|support|service|main|intake|billing|help|information|"
            r"reservations?)\s+line\b",
            *_PUTS_THROUGH_PATTERNS,
            # "All of our representatives are busy" however garbled ("all of our equipment
            # are"): a person's own greeting speaks for one.
            r"\ball\s+of\s+our\s+\w+\s+(?:are|is)\b",
            # ... and what they are busy with, its "our" lost ("You have reached Horizon
            # Software. Or how to coordinate or not helping other customers."): a person's
            # own greeting is with a client, not with other clients.
            r"\b(?:helping|assisting|serving|with)\s+other\s+(?:customers|callers|clients|"
            r"patients|members|guests)\b",
            r"someone\s+will\s+(?:return|get back)",
        ),
    ),
    (
        MailboxState.CARRIER_DEFAULT,
        (
            r"(?:person|party|subscriber|customer|number)\s+(?:\w+\s+){0,3}(?:is|are)\s+(?:not available|unavailable)",
            r"(?:has been forwarded|forwarded to)\s+(?:an\s+)?(?:automatic|automated)",
            r"automated voice (?:message|messaging) system",
            r"at the tone please record",
        ),
    ),
)

# "For the operator, press 0" first, unless its digit starts another option ("... operator,
# press 1 for sales"); then "press 0 for the operator". Whisper often drops the full stop in
# "... directory, press 9. For the operator, press 0", which the first pattern reads right.
_OPERATOR_PATTERNS: tuple[str, ...] = (
    # One stray word may sit between: tiny.en wrote "...for the operator. The press zero."
    # Menus name the person's key as the catch-all too: "For all other calls, press zero."
    r"(?:operator|receptionist|front desk|attendant|(?:all|any) other \w+|anything else)"
    r"\s*(?:please\s+|the\s+)?press\s+(\w+)\b(?!\s+(?:for|to)\b)",
    r"press\s+(\w+)\s+(?:for|to (?:reach|speak (?:to|with)|talk to))\s+(?:the\s+|an\s+|our\s+)?(?:operator|receptionist|front desk|attendant|someone)",
)
_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "0": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "star": "*",
    "pound": "#",
}
_DIGIT_WORDS.update({str(d): str(d) for d in range(10)})

# A menu offers choices: "for sales, press one ... press two for support" - but not a
# mailbox's own "press pound for more options" / "press one to re-record". Each pattern
# captures the key and what it is for. Where the greeting ends as a mailbox system does
# ("When you have finished recording, you may hang up, or press one for more options"), one
# key is that system's option, however garbled ("press one for mode options", "press files
# for a more option", repeated): a menu there names two keys or more.
MENU_OPTION_PATTERNS: tuple[str, ...] = (
    r"\bpress\s+((?:\w+\s+){0,2})(?:for|to)\s+(?!more\b|further\b|other options\b|re ?record|review|skip|leave|send|mark|page|hear)(\w+)",
    r"\bfor\s+(?!more\b|further\b)((?:\w+\s+){1,3})press\b(?!\s+(?:pound|star|hash)\b)(?:\s+(\w+))?",
)
# ... and options that name only their key: "If you are a new patient, press one now.",
# "If you have an appointment, press 2." (not a mailbox's "If you'd like to leave a message,
# press one", nor its "press one now to re-record").
_MENU_KEY_PATTERNS: tuple[str, ...] = (
    r"\bpress\s+(\w+)\s+now\b(?!\s+(?:to|for)\s+(?:more|further|re ?record|review|skip|leave|send|mark|hear))",
    r"\bif\s+you\s+(?!(?:\w+\s+){0,10}?(?:leave|record|message|finished)\b)(?:\w+\s+){1,14}?press\s+(\w+)\b(?!\s+(?:to|for)\b)",
)
_MENU_MIN_KEYS = 2
_SYSTEM_TAIL = re.compile(r"\bhang up\b|\bfinished\b|\b(?:more|other) options?\b")

_COMPILED = tuple(
    (state, tuple(re.compile(p) for p in patterns)) for state, patterns in MAILBOX_PATTERNS
)
_MENU_COMPILED = tuple(re.compile(p) for p in MENU_OPTION_PATTERNS)
_MENU_KEY_COMPILED = tuple(re.compile(p) for p in _MENU_KEY_PATTERNS)
_OPERATOR_COMPILED = tuple(re.compile(p) for p in _OPERATOR_PATTERNS)


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces, common Whisper splits joined, spaces collapsed."""
    lowered = text.lower().replace("'", "").replace("\u2019", "")
    lowered = re.sub(r"[^a-z0-9#* ]+", " ", lowered)
    lowered = re.sub(r"\b(?:male|mail|voice)\s+box\b", "mailbox", lowered)
    lowered = re.sub(r"\bvoice\s+mail\b", "voicemail", lowered)
    lowered = re.sub(r"\bvoice\s*mailbox\b", "mailbox", lowered)
    return re.sub(r"\s+", " ", lowered).strip()


# "Please try again later", "call back later" (tiny.en: "go by" for "goodbye" is common, so
# the goodbye is not required), or a message that ends on "Goodbye" (a system hanging up:
# tiny.en often garbles the sentence before it, "...has been set up here. Goodbye!" for
# "...has not been set up yet. Goodbye."); not when the greeting asks for a message anywhere.
_SENDS_AWAY = re.compile(
    r"\b(?:try|call)\s+(?:\w+\s+)?(?:again|back)\s+later\b|\b(?:good\s*bye|go by)$"
)
_INVITES = re.compile(
    r"\bleave\b|\brecord\b|\bmessage\s+(?:after|at)\b|\b(?:after|at)\s+the\s+(?:tone|beep)\b"
)


_PUTS_THROUGH = re.compile("|".join(_PUTS_THROUGH_PATTERNS))


def puts_through(text: str) -> bool:
    """Whether a company line's words put the caller through to a person instead of taking
    a message: a hold or transfer prompt, a queue, a recording notice ("Please hold while we
    connect your call."), with no menu of keys and no invitation to leave a message."""
    clean = normalize(text)
    return (
        bool(_PUTS_THROUGH.search(clean)) and not _INVITES.search(clean) and not offers_a_menu(text)
    )


def classify_mailbox(text: str) -> MailboxState:
    """The mailbox state the greeting text says; ``PERSONAL`` when no pattern matches.

    ``TAKES_NO_MESSAGES`` comes after the full / not-set-up / menu tables (those say more)
    and means something only when no beep follows (the detector checks that)."""
    clean = normalize(text)
    for state, patterns in _COMPILED:
        if state is MailboxState.CARRIER_DEFAULT and _sends_away(clean):
            return MailboxState.TAKES_NO_MESSAGES
        if any(pattern.search(clean) for pattern in patterns):
            return state
        if state is MailboxState.GENERAL and _is_menu(clean):
            return state
    return MailboxState.TAKES_NO_MESSAGES if _sends_away(clean) else MailboxState.PERSONAL


_DIAL_BY_NAME = re.compile("|".join(_DIAL_BY_NAME_PATTERNS))


def offers_a_menu(text: str) -> bool:
    """Whether the words offer a company's menu: keys to press ("For support, press two"; not
    a mailbox system's one key for more options), dialling by name or a party's extension,
    or a key for the operator. Stricter than the general-mailbox table (no "extension" or
    "directory" alone): it takes a call from the rep who talks with whoever said it."""
    clean = normalize(text)
    return _is_menu(clean) or bool(_DIAL_BY_NAME.search(clean)) or operator_digit(text) is not None


def _is_menu(clean: str) -> bool:
    keys = len(_menu_options(clean))
    return keys >= _MENU_MIN_KEYS or (keys == 1 and not _SYSTEM_TAIL.search(clean))


def _menu_options(clean: str) -> set[str]:
    """The keys a menu offers (the option's first word where the key was not heard)."""
    options: set[str] = set()
    press_first, for_first = _MENU_COMPILED
    for match in press_first.finditer(clean):
        key = match.group(1).split()
        options.add(_DIGIT_WORDS.get(key[0], key[0]) if key else match.group(2))
    for match in for_first.finditer(clean):
        key = match.group(2)
        options.add(_DIGIT_WORDS.get(key, key) if key else match.group(1).split()[0])
    for pattern in _MENU_KEY_COMPILED:
        for match in pattern.finditer(clean):
            options.add(_DIGIT_WORDS.get(match.group(1), match.group(1)))
    return options


def _sends_away(clean: str) -> bool:
    return bool(_SENDS_AWAY.search(clean)) and not _INVITES.search(clean)


# How a recorded greeting ends: it invites a message or a call back, names the tone, says
# goodbye or thanks, or offers keys. A greeting that has said none of these yet ("You've
# reached the general mailbox for Keystone Engineering." <1.5 s hesitation> "Please leave a
# message after the beep.") is more likely pausing than over.
_CLOSES = re.compile(
    r"\bleave\b|\brecord\b|\b(?:tone|beep|signal)\b|\bmessage\b"
    r"|\b(?:good\s*bye|go by|bye|thank you|thanks)\b|\bhave a (?:\w+\s+)?(?:day|weekend|one)\b"
    r"|\b(?:call|get|come)\s+(?:\w+\s+)?back\b|\breturn\s+your\b|\blater\b"
    r"|\bpress\b|\bdial\b|\bextension\b|\boperator\b"
)


# A greeting that says a tone will follow ("leave a message after the beep"; tiny.en: "after
# the beat", and across a chunk's edge "after... here the beat").
_PROMISES_TONE = re.compile(
    r"\b(?:after|at|hear|here)\s+(?:\w+\s+)?the\s+(?:tone|beep|beat|signal)\b"
)


# Words a sentence does not end on: a transcript that stops on one ("Hello, this is Derek
# Mitchell with") was cut mid-sentence, by a pause or by speech the level detector lost in
# the noise, and the speaker is more likely going on than waiting.
_OPEN_ENDINGS = frozenset(
    {"with", "and", "the", "a", "an", "of", "for", "to", "from", "at", "or", "but", "my"}
    | {"your", "our", "their", "is", "are", "am", "im", "were", "weve", "youve", "youre"}
)


def trails_off(text: str) -> bool:
    """Whether the transcript stops mid-sentence (see ``_OPEN_ENDINGS``)."""
    words = normalize(text).split()
    return bool(words) and words[-1] in _OPEN_ENDINGS


def promises_tone(text: str) -> bool:
    """Whether the greeting's words say a tone will follow."""
    return bool(_PROMISES_TONE.search(normalize(text)))


def greeting_sounds_over(text: str) -> bool:
    """Whether the greeting's words so far could be all of it (see ``_CLOSES``); full,
    not-set-up and menu greetings are read by ``classify_mailbox`` first."""
    clean = normalize(text)
    return bool(_CLOSES.search(clean)) or classify_mailbox(text) is not MailboxState.PERSONAL


# A mailbox's owner speaking of themselves (normalised text, apostrophes dropped): "I'm not
# available", "Can't get to the phone right now", "I'm out of the office", "I'll call you
# back", "Sorry I missed your call", "We're not home", "I'm on the other line". Full,
# not-set-up and carrier greetings speak of "the person you are calling", a company's of
# "our agents" and "one of us" (none of the 270 full, not-set-up, general and carrier
# greetings of dev seeds 3, 7 and 11 says any of these; 203 of their 270 personal ones do).
_OWNER = re.compile(
    r"\bim (?:not|un) ?available\b"
    r"|\b(?:cant|cannot|can not|couldnt) (?:get|come|make it) to the phone\b"
    r"|\bim (?:away|out) (?:from|of)\b|\bim on the (?:other line|road|phone)\b"
    r"|\b(?:ill|i will) (?:call|get back|return)\b|\bsorry i missed your call\b"
    r"|\bwere not (?:home|in|available)\b|\bleave me\b"
    r"|\bmy (?:voicemail|mailbox|desk|phone|cell)\b"
)


# A carrier's prompt before it says what it is about: "The person you are calling", "You are
# trying to reach", "The number you have dialed". Full, not-set-up, no-messages and
# carrier-default greetings all open so; what decides between them (and between a message
# and none) comes after. Not "you have reached", a personal greeting's opening. tiny.en
# writes "The person you are calling" as "I'm a person who is calling" too (``_CARRIER_WHO``):
# no one answering the phone speaks of "a person who is calling".
_CARRIER_WHO = (
    r"\b(?:person|party|subscriber|customer)\s+who(?:s|\s+is|\s+s)\s+"
    r"(?:\w+\s+)?(?:calling|trying)\b"
)
_CARRIER_OPENING = re.compile(
    r"\b(?:person|party|subscriber|customer|number|you)\s+(?:you\s+)?(?:are|re|have)\s+"
    rf"(?:\w+\s+)?(?:calling|dialed|dialled|trying)\b|{_CARRIER_WHO}"
)


def opens_like_a_carrier(text: str, *, state: MailboxState | None = None) -> bool:
    """Whether the words so far open a carrier's prompt (see ``_CARRIER_OPENING``) and name
    no mailbox state yet: the rest of its words decide whether a message is left.
    ``state``: ``classify_mailbox(text)``, when the caller has it already."""
    if state is None:
        state = classify_mailbox(text)
    return state is MailboxState.PERSONAL and bool(_CARRIER_OPENING.search(normalize(text)))


def owner_speaks(text: str) -> bool:
    """Whether the words are a personal mailbox's owner speaking of themselves (see
    ``_OWNER``): a personal greeting, whatever is still to be read of it."""
    return bool(_OWNER.search(normalize(text)))


def operator_digit(text: str, *, key_last: bool = False) -> str | None:
    """The key the greeting says reaches a person ("press 0 for the operator" -> "0").
    ``key_last``: only where the key comes after the person ("For the operator, press 0"),
    which words still to come cannot change; "press 5 to reach the operator" at the end of
    words so far may be "... press 5. To reach the operator, press 0." cut short."""
    # "For the operator, press 0" over the whole text (a chunk boundary may have put a full
    # stop inside it); "press 0 for the operator" sentence by sentence, so that
    # "...directory, press nine. For the operator, press zero." is not read as
    # "press nine for the operator".
    operator_first, press_first = _OPERATOR_COMPILED
    match = operator_first.search(normalize(text))
    if match and match.group(1) in _DIGIT_WORDS:
        return _DIGIT_WORDS[match.group(1)]
    if key_last:
        return None
    for sentence in re.split(r"[.!?;]+", text):
        match = press_first.search(normalize(sentence))
        if match and match.group(1) in _DIGIT_WORDS:
            return _DIGIT_WORDS[match.group(1)]
    return None


# Who answered, by the words of the first greeting. Timing alone cannot tell "Hi, you've
# reached Dana Smith. <1 s pause> ..." from a person's "Hi, this is Dana." nor a person's long
# "Good afternoon, Westfield Engineering, Maria speaking." from a recording; the words often
# can. A recorded greeting speaks about the call it is not taking; a person answering says who
# they are and waits, or asks.
# A recording asking for the caller's message, or saying whose line it is: "You've reached
# Dana.", "Please leave your name and number.", "... after the tone". "have reached": tiny.en
# writes "You have reached" as "You'll have reached" too, and "Please leave your name" as
# "I'm leaving your name".
_ASKS_FOR_A_MESSAGE_PATTERNS: tuple[str, ...] = (
    r"\b(?:youve|you ve|you|ive|weve|we ve)\s+reached\b|\bhave reached\b|\breached the\b",
    r"\bleav(?:e|ing)\s+(?:a|your|me a|us a|me your|us your)?\s*(?:\w+\s+){0,2}(?:message|name|number)",
    r"\b(?:after|at)\s+the\s+(?:tone|beep|signal)",
)
_RECORDING_PATTERNS: tuple[str, ...] = (
    *_ASKS_FOR_A_MESSAGE_PATTERNS,
    rf"{_BOX}|voice message|answering machine",
    r"\b(?:not|isnt|is not|are not|arent)\s+(?:available|here right now|in right now|at (?:my|the) desk|home)",
    r"\bunavailable\b",
    r"\b(?:cant|can t|cannot|can not|unable to|not able to)\s+(?:get to|come to|take|answer)\b",
    r"\b(?:away from|out of)\s+(?:my|the)\s+(?:desk|office|phone)",
    r"\bon (?:the other|another) (?:line|call)",
    r"\bmissed your call|\bsorry (?:i|we) missed",
    r"\b(?:get back to you|call you back|return your call|back to you as soon)",
    r"\bpress\s+(?:\w+\s+)?(?:one|two|three|four|five|six|seven|eight|nine|zero|pound|star|\d)\b",
    r"\bextension\b|\bdirectory\b|\bmenu\b|\boffice hours\b|\bbusiness hours\b",
    r"\bwelcome to\b|\bplease (?:record|enter|hold|listen)\b",
    # A company line's "If you know your party's extension, ..." (often cut before it).
    r"\bif you know (?:your|the)\b",
    r"\bhas been forwarded\b|\bis full\b|\bset up\b",
    # A carrier prompt's opening, which often pauses before the number or the owner's
    # recorded name ("The person you are calling, <1 s> Dana Smith, is unavailable"): a
    # person answering speaks of themselves, never of "the person you are calling".
    r"\b(?:person|party|subscriber|customer|number|cellular customer)\s+you\s+(?:are|re|have)\s+"
    r"(?:\w+\s+)?(?:calling|call|dialed|dialled|trying|reached)\b",
    _CARRIER_WHO,
    # A person answering opens with their thanks ("Thanks for calling Acme, this is Kim");
    # a recording signs off (see _SIGN_OFF).
    r"\bhave a (?:great|good|nice|wonderful) (?:day|one|weekend)\b",
)
# A greeting over, and followed by quiet, that ends on thanks for calling: "This is Rachel.
# Thanks for calling." A recording's sign-off; a person's "Thank you for calling Acme, this
# is Kim" ends on who they are. Read only once the greeting is over and all its words are in:
# a transcript of the greeting so far ends on "Thank you for calling" as often as not.
# tiny.en drops a sound: "thank for calling".
_SIGN_OFF = re.compile(r"\b(?:thanks?|thank you)\s+for\s+calling\s*$")
# The first three hold wherever a reading stops (``_PERSON_ANYWHERE``); the rest only at
# its end.
_PERSON_PATTERNS: tuple[str, ...] = (
    r"\b[a-z]+\s+speaking\b",
    r"\bhow (?:can|may|could|do) (?:i|we) help\b|\bwhat can i do for you\b",
    r"\bwho(?:s| is| s)\s+(?:this|calling)\b|\bcan i help\b",
    r"\b[a-z]+\s+speak\s*$",
    r"\bwho(?:s| is| s)\s+there\b",
    r"\bthis is\s+[a-z]+(?:\s+[a-z]+)?\s*$",
    r"\b[a-z]+\s+here\s*$",
    # Someone on the line who cannot hear the caller.
    r"\b(?:any\s*one|any\s*body|someone|somebody)\s+there\b|\bcan you hear me\b",
)
# All it said was an opening: "Good afternoon, Trident Manufacturing." or "Thank you for
# calling Evergreen Insurance, ..." cut short (tiny.en often drops the name at the end),
# then quiet. A company's recording goes on to what it is for ("If you know your party's
# extension..."); a person answering stops and waits. Not when the rest is a recording's
# ("Thanks for calling. Have a great day.").
_OPENING_ONLY = re.compile(
    r"^(?:good (?:morning|afternoon|evening)|(?:thanks|thank you) for calling)(?:\s+\w+){1,8}$"
)
_RECORDING_COMPILED = tuple(re.compile(p) for p in _RECORDING_PATTERNS)
_ASKS_FOR_A_MESSAGE = re.compile("|".join(_ASKS_FOR_A_MESSAGE_PATTERNS))
_PERSON_COMPILED = tuple(re.compile(p) for p in _PERSON_PATTERNS)
# The marks of a person answering that hold wherever a reading stops (the anchored "this is
# Dana" and "Dana here" do not: a reading cut short ends on them in "Hi, this is Dana, leave
# a message"): "Dana speaking", "how can I help", "who's calling", "can I help".
_PERSON_ANYWHERE = _PERSON_COMPILED[:3]


@dataclass(frozen=True, slots=True)
class AnswerWords:
    """What a greeting's words say about who is speaking: a recording, a person, or both
    (neither settles it then)."""

    recording: bool
    person: bool
    signs_off: bool = False
    calls_out: bool = False
    """Nothing but hellos ("Hello? Hello?"): a person calling out to a silent line, once
    the greeting is over (a recording's "Hello," is only its opening; see ``person``)."""
    person_anywhere: bool = False
    """A person's mark that a reading cut short cannot fake ("Kim speaking", "how can I
    help"): it says a person though the rest of the greeting is still to be read."""


def spoken_words(text: str) -> int:
    """How many words a transcript says were spoken, a number read out counted digit by digit
    (Whisper writes "two eight three, eight three five" as one word, "283-835")."""
    clean = normalize(text)
    return sum(
        sum(ch.isdigit() for ch in word) if any(ch.isdigit() for ch in word) else 1
        for word in clean.split()
    )


def answer_words(text: str) -> AnswerWords:
    """Read a greeting transcript for the marks of a recording and of a person answering.

    A recording talks about the call it is not taking ("you've reached", "leave a message",
    "not available", "press one"); a person says who they are and waits ("..., this is Dana",
    "Maria speaking", "how can I help you?"). Any mailbox phrase is a recording's.
    """
    clean = normalize(text)
    # "Call me back later" is something a person says too.
    recording = any(p.search(clean) for p in _RECORDING_COMPILED) or (
        classify_mailbox(text) not in (MailboxState.PERSONAL, MailboxState.TAKES_NO_MESSAGES)
    )
    person = any(p.search(clean) for p in _PERSON_COMPILED) or (
        not recording and bool(_OPENING_ONLY.search(clean))
    )
    return AnswerWords(
        recording=recording,
        person=person,
        signs_off=bool(_SIGN_OFF.search(clean)),
        calls_out=bool(_CALLS_OUT.match(clean)),
        person_anywhere=any(p.search(clean) for p in _PERSON_ANYWHERE),
    )


def asks_for_a_message(text: str) -> bool:
    """Whether the words are a recording's asking for the caller's message or saying whose
    line this is ("You've reached Dana.", "Please leave your name and number.", "after the
    tone"): what no person says in a second of quiet after their own hello."""
    return bool(_ASKS_FOR_A_MESSAGE.search(normalize(text)))


_CALLS_OUT = re.compile(r"^(?:(?:hello|hullo|hi|hey|yes|yeah)\b\s*)+$")


# Where a greeting says a name: "this is Dana", "Dana speaking", "you've reached Dana Smith".
_NAME_PATTERNS: tuple[str, ...] = (
    r"\b(?:this is|its|it is|you ve reached|youve reached|you have reached|reached|my name is|name s|names)\s+(?:the\s+)?(?:voicemail\s+(?:of|for)\s+)?([a-z]+(?:\s+[a-z]+)?)",
    r"\b([a-z]+)\s+(?:speaking|here)\b",
)
_NAME_STOP = {
    "a",
    "an",
    "the",
    "not",
    "no",
    "my",
    "your",
    "our",
    "voicemail",
    "mailbox",
    "sorry",
    "hello",
    "hi",
    "hey",
    "who",
    "is",
    "me",
    "im",
    "unavailable",
    "available",
    "please",
    "leave",
    "at",
    "from",
    "with",
    "and",
    "of",
}
_NAME_COMPILED = tuple(re.compile(p) for p in _NAME_PATTERNS)

# Register words: a company name or "speaking" or "good morning" reads formal; "hey", "yo",
# "yeah" casual. Counted, highest count wins; a tie is "neutral".
_FORMAL = ("speaking", "good morning", "good afternoon", "how may i", "how can i help", "office")
_CASUAL = ("hey", "yo ", "yeah", "yep", "sup", "whats up", "hiya")


@dataclass(frozen=True, slots=True)
class GreetingNotes:
    """Notes for the rep from a greeting transcript."""

    transcript: str
    spoken_name: str | None
    name_span_ms: tuple[int, int] | None
    words_per_minute: float | None
    formality: str


def greeting_notes(transcript: Transcript, *, offset_ms: int, speech_ms: int) -> GreetingNotes:
    """Name as spoken (with its time span), pace and register of a greeting.

    ``offset_ms`` is where the transcribed audio starts in the call; ``speech_ms`` how much of
    it was speech (pace is words per minute of speech, not of silence).
    """
    clean = normalize(transcript.text)
    # Clause by clause: a name never runs on into the next sentence or clause ("... this is
    # Dana. This is ..." is Dana, not "Dana This"; "This is Rachel, thanks for calling" is
    # Rachel), and which of its mentions it is stays known.
    sentences = [normalize(part) for part in re.split(r"(?<=[.!?,;])\s+", transcript.text)]
    name: str | None = None
    mentions_before = 0
    for pattern in _NAME_COMPILED:
        for index, sentence in enumerate(sentences):
            match = pattern.search(sentence)
            if not match:
                continue
            tokens = [t for t in match.group(1).split() if t not in _NAME_STOP]
            if tokens and tokens[0] == match.group(1).split()[0]:
                name = " ".join(tokens[:2])
                before = " ".join([*sentences[:index], sentence[: match.start(1)]]).split()
                mentions_before = before.count(tokens[0])
                break
        if name:
            break
    span: tuple[int, int] | None = None
    if name:
        first = name.split()[0]
        last = name.split()[-1]
        starts = [w for w in transcript.words if normalize(w.text) == first]
        if starts:
            start = starts[min(mentions_before, len(starts) - 1)]
            ends = [
                w for w in transcript.words if normalize(w.text) == last and w.end_s >= start.end_s
            ]
            end_s = ends[0].end_s if ends else start.end_s
            span = (offset_ms + round(start.start_s * 1000), offset_ms + round(end_s * 1000))
        name = " ".join(part.capitalize() for part in name.split())
    n_words = len(clean.split())
    wpm = round(n_words * 60000.0 / speech_ms, 1) if speech_ms > 0 and n_words else None
    padded = f" {clean} "
    formal = sum(1 for phrase in _FORMAL if phrase in padded)
    casual = sum(1 for phrase in _CASUAL if f" {phrase.strip()} " in padded)
    formality = "formal" if formal > casual else "casual" if casual > formal else "neutral"
    return GreetingNotes(transcript.text.strip(), name, span, wpm, formality)


__all__ = [
    "MAILBOX_PATTERNS",
    "AnswerWords",
    "GreetingNotes",
    "MailboxState",
    "answer_words",
    "asks_for_a_message",
    "classify_mailbox",
    "greeting_notes",
    "normalize",
    "opens_like_a_carrier",
    "operator_digit",
    "owner_speaks",
    "puts_through",
    "trails_off",
]
