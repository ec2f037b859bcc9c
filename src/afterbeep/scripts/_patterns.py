"""Phrase lexicons shared by structure detection and rules, compiled once at import.

Owns the word lists (calls to action, sign-offs, filler, jargon ...). Each lexicon is a
case-sensitive regex of lowercase phrases, run on the lowered text that ``_analysis`` prepares
(``Analysis.lower``, ``Sentence.lower``): matching lowercase text without ``re.I`` is several
times faster. The name patterns (``GREETING_NAME``, ``REP_INTRO``, ``COMPANY_INTRO``,
``IDENTITY``) need capitals and run on the original text. It must not hold rule logic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping


def lowered(text: str) -> str:
    """``text`` in lower case with straight apostrophes, same length (offsets stay valid)."""
    lower = text.lower().replace("’", "'")
    if len(lower) != len(text):  # a few characters lower-case to two; keep offsets aligned
        lower = "".join(c.lower()[:1] or c for c in text).replace("’", "'")
    return lower


def _trie(phrases: list[list[str]]) -> str:
    """Regex alternation shaped as a trie of words, so the engine rejects most positions fast."""
    branches: dict[str, list[list[str]]] = {}
    for words in phrases:
        if words:
            branches.setdefault(words[0], []).append(words[1:])
    parts = []
    for word, rests in sorted(branches.items(), key=lambda item: -len(item[0])):
        tail = _trie(rests)
        parts.append(
            re.escape(word) + (rf"(?:\s+{tail})" + ("?" if [] in rests else "") if tail else "")
        )
    return f"(?:{'|'.join(parts)})" if parts else ""


class Lexicon:
    """A compiled lowercase pattern and the words any match must start with.

    ``first_words`` lets callers try the regex only where one of those words starts (the word
    index ``_analysis`` builds once per script); ``None`` means the pattern can start anywhere.
    """

    __slots__ = ("first_words", "pattern")

    def __init__(self, pattern: str, first_words: Iterable[str] | None = None) -> None:
        self.pattern = re.compile(pattern)
        self.first_words = frozenset(first_words) if first_words is not None else None

    def finditer(
        self,
        text: str,
        index: Mapping[str, list[int]] | None = None,
        start: int = 0,
        end: int | None = None,
    ) -> Iterator[re.Match[str]]:
        """Matches in ``text[start:end]``; with ``index`` (word -> start offsets), the regex is
        tried only where one of ``first_words`` starts, instead of at every character."""
        stop = len(text) if end is None else end
        if index is None or self.first_words is None:
            return self.pattern.finditer(text, start, stop)
        return self._at_words(text, index, start, stop)

    def _at_words(
        self, text: str, index: Mapping[str, list[int]], start: int, stop: int
    ) -> Iterator[re.Match[str]]:
        assert self.first_words is not None
        positions = sorted(
            position
            for word in index.keys() & self.first_words
            for position in index[word]
            if start <= position < stop
        )
        last_end = -1
        for position in positions:
            if position < last_end:
                continue
            match = self.pattern.match(text, position, stop)
            if match:
                last_end = match.end()
                yield match

    def search(
        self,
        text: str,
        index: Mapping[str, list[int]] | None = None,
        start: int = 0,
        end: int | None = None,
    ) -> re.Match[str] | None:
        """The first match in ``text[start:end]`` (see ``finditer``)."""
        return next(self.finditer(text, index, start, end), None)


def _words(*phrases: str) -> Lexicon:
    """One lexicon matching any phrase on word boundaries; spaces match any run of spaces."""
    split = [phrase.lower().split() for phrase in phrases]
    return Lexicon(rf"\b{_trie(split)}(?![\w'])", {words[0] for words in split})


GREETING = re.compile(
    r"^\W*(?:hi|hey|hello|good\s+(?:morning|afternoon|evening)|morning|afternoon)\b"
)
_HELLO = r"(?i:hi|hey|hello|good\s+(?:morning|afternoon|evening))"
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?"
# "Olivia, this is Raj" or just "Olivia, Raj at Tidewater": a name and a comma open the message.
NAME_FIRST = re.compile(rf"^\W*{_TITLE}([A-Z][a-z]+)\s*,")
GREETING_NAME = re.compile(rf"^\W*{_HELLO}[\s,]+(?:there\s+)?{_TITLE}([A-Z][a-z]+)")
REP_INTRO = re.compile(
    r"\b(?i:this\s+is|my\s+name\s+is|it's|it\s+is|i'm|i\s+am)\s+([A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?"
    r"|\b([A-Z][a-z]+)\s+here\b"
    r"|(?:^|[,.:]\s+)([A-Z][a-z]+)\s+(?:at|from|with)\s+[A-Z]"
)
COMPANY_INTRO = re.compile(
    r"\b(?:with|from|at|over\s+at|here\s+at)\s+((?:[A-Z][\w&'-]*)(?: [A-Z][\w&'-]*){0,2})"
)
# Words that are capitalised at a sentence start or are days/months, never a company or name.
NOT_NAMES = frozenset(
    [
        "I",
        "I'm",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "The",
        "This",
        "That",
        "Just",
        "Thanks",
        "Again",
        "Hi",
        "Hey",
        "Hello",
        "Calling",
        "Sorry",
        "Give",
        "Call",
        "Talk",
        "Looking",
        "Have",
        "Please",
        "Quick",
        "Listen",
        "Look",
        "So",
        "Well",
        "Yes",
        "Okay",
        "Ok",
        "Congrats",
        "Greetings",
        "Folks",
        "Team",
        "All",
        "Everyone",
        "There",
        "We",
        "You",
        "Your",
    ]
)

# Calls to action, by kind: more than one kind in a message is more than one ask.
CTA_KINDS: dict[str, Lexicon] = {
    "call": _words(
        "call me",
        "call me back",
        "give me a call",
        "give me a ring",
        "ring me",
        "return my call",
        "call back",
        "reach me",
        "reach me at",
        "call my direct line",
        "call my cell",
    ),
    "email": _words(
        "reply to my email",
        "reply to the email",
        "reply to that email",
        "email me",
        "shoot me an email",
        "send me an email",
        "drop me a note",
        "hit reply",
        "just reply",
    ),
    "text": _words("text me", "shoot me a text", "send me a text"),
    "meeting": _words(
        "book a time",
        "grab a time",
        "grab time",
        "book time",
        "pick a time",
        "schedule a call",
        "set up a call",
        "set up a time",
        "find a time",
        "my calendar",
        "calendar link",
        "open to a",
        "open to a quick",
        "worth a quick",
    ),
    "web": _words("visit our website", "check out our website", "go to our website", "sign up at"),
    # A question that asks for interest; it is answered by calling, so it does not compete
    # with "call me" as a second ask (see cta.multiple).
    # How long the talk would take ("in ten minutes", "a quick call") describes the ask, too.
    "interest": _words(
        "fifteen minutes",
        "15 minutes",
        "ten minutes",
        "10 minutes",
        "quick chat",
        "quick call",
        "worth a look",
        "worth a conversation",
        "worth a chat",
        "worth a call",
        "worth exploring",
        "would it make sense",
        "does it make sense",
        "are you open to",
        "would you be open to",
        "interested in seeing",
        "interested in hearing",
    ),
}
CALL_AGAIN = Lexicon(
    r"\bi(?:'ll|\s+will)\s+(?:also\s+)?(?:call\s+(?:you|back|again)|try\s+(?:you|again|back)|"
    r"give\s+you\s+a\s+(?:call|ring)|ring\s+you|reach\s+back\s+out|follow\s+up\s+by\s+phone)",
    {"i'll", "i"},
)
TIME_WORDS = Lexicon(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|"
    r"this\s+(?:morning|afternoon|evening)|next\s+week|later\s+today|end\s+of\s+(?:day|week)|"
    r"\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)|\d{1,2}:\d{2}|noon|"
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?:o'clock|thirty|fifteen|forty-five))\b",
    None,
)
REASON = _words(
    "i noticed",
    "i saw",
    "i read",
    "i heard",
    "i came across",
    "noticed",
    "congrats",
    "congratulations",
    "referred",
    "suggested i",
    "mentioned",
    "recommended",
    "reason for my call",
    "reason i'm calling",
    "i'm calling because",
    "i'm calling about",
    "calling about",
    "calling because",
    "we help",
    "we helped",
    "hit",
    "saved",
    "doubled",
    "tripled",
    "halved",
    "improved",
    "boosted",
    "increased",
    "lowered",
    "we found",
    "found",
    "we inspected",
    "you asked",
    "you requested",
    "you downloaded",
    "you signed up",
    "you mentioned",
    "you visited",
    "you attended",
    "your request",
    "we got",
    "we cut",
    "we've helped",
    "helped",
    "we work with",
    "i work with",
    "teams like",
    "companies like",
    "like yours",
    "your team",
    "because",
    "cut",
    "reduced",
    "saved",
    "increase",
    "grew",
)
RESEARCH = _words(
    "i noticed",
    "i saw",
    "i read",
    "i heard",
    "came across",
    "congrats",
    "congratulations",
    "referred",
    "suggested i",
    "mentioned",
    "recommended",
    "your post",
    "your article",
    "your talk",
    "your podcast",
)
# Saying who you are. The variants ending in a space ("it's ", "i'm ") count only when a
# capitalised name follows in the original text; "<Name> here" is checked at each "here".
IDENTITY = Lexicon(
    r"\b(?:this\s+is|my\s+name\s+is|i'm\s+with|i\s+am\s+with|i\s+work\s+(?:with|at|for)|"
    r"calling\s+from|it's\s+|it\s+is\s+|i'm\s+)",
    {"this", "my", "i'm", "i", "calling", "it's", "it"},
)
# "Raj at Tidewater": a name then at/from/with and a capitalised company, at a clause start.
# Two patterns, not one with (?:^|...): a literal first character lets the engine skip ahead.
REP_AT = re.compile(r"[,.:]\s+[A-Z][a-z]+\s+(?:at|from|with)\s+[A-Z]")
REP_AT_START = re.compile(r"\W*[A-Z][a-z]+\s+(?:at|from|with)\s+[A-Z]")
NAME_BEFORE = re.compile(r"\b[A-Z][a-z]+\s+$")
SIGN_OFF = _words(
    "thanks",
    "thank you",
    "talk soon",
    "talk to you soon",
    "speak soon",
    "have a great day",
    "have a good day",
    "have a great week",
    "have a good one",
    "take care",
    "cheers",
    "bye",
    "looking forward",
    "all the best",
)
CTA_REASON = Lexicon(
    r"\b(?:so\s+(?:that\s+)?(?:we|i|you)\b|because|to\s+(?:see|compare|share|show|walk|talk|"
    r"discuss|go\s+over|review|hear|get|find|swap|trade|learn\s+whether|explore|figure)|"
    r"about\s+(?:the|your|how|what|whether)|if\s+(?:it|you|that)|on\s+how|for\s+(?:a|the)\s+\w+|"
    r"i(?:'ll|\s+will|\s+can)\s+(?:show|share|walk|send|explain|tell|give)|"
    r"to\s+(?!you\b|me\b|us\b|the\b|a\b|an\b|your\b|my\b|our\b|him\b|her\b|them\b)[a-z]{3,})",
    None,
)
EMAIL_PROMISE = _words(
    "i'll send you an email",
    "i'll also send you an email",
    "i'll send an email",
    "i'll also send an email",
    "i'll shoot you an email",
    "i'll follow up by email",
    "i'll follow up with an email",
    "i'm sending you an email",
    "i'll drop you an email",
    "i'll also email you",
    "i'll email you",
    "sending you an email",
    "i'll send you a note",
)
EMAIL_SUBJECT = Lexicon(
    r"\b(?:subject(?:\s+line)?|titled|called|look\s+for|with\s+the\s+subject)\b",
    {"subject", "titled", "called", "look", "with"},
)

CHECKING_IN = _words(
    "just checking in",
    "checking in",
    "touching base",
    "touch base",
    "just following up",
    "following up to see",
    "wanted to follow up",
    "circling back",
    "just wanted to see if you got",
)
NOT_RIGHT_PERSON = Lexicon(
    r"(?:if\s+you(?:'re|\s+are)\s+not\s+the\s+(?:right|appropriate|correct|best)\s+person|"
    r"not\s+the\s+(?:right|appropriate)\s+person|point\s+me\s+in\s+the\s+right\s+direction|"
    r"who\s+(?:i\s+)?should\s+(?:be\s+)?(?:speaking|talking)\s+(?:with|to)|"
    r"who\s+handles\s+(?:this|that))",
    {"if", "not", "point", "who"},
)
CALL_ME_OR_ILL_CALL = Lexicon(
    r"(?:call\s+me(?:\s+back)?[^.?!]{0,40}?\bor\s+(?:else\s+)?i(?:'ll|\s+will)\s+(?:call|try|reach)|"
    r"if\s+i\s+don't\s+hear\s+(?:back\s+)?from\s+you[^.?!]{0,30}?i(?:'ll|\s+will)|"
    r"either\s+call\s+me|(?:give\s+me\s+a\s+call|call\s+me)\s+or\s+i(?:'ll|\s+will))",
    {"call", "if", "either", "give"},
)
VAGUE_PROMISE = _words(
    "save you money",
    "save you time",
    "save you time and money",
    "save your company money",
    "learn about your challenges",
    "learn more about your challenges",
    "learn more about your business",
    "learn about your business",
    "understand your challenges",
    "understand your needs",
    "help your business grow",
    "grow your business",
    "increase your revenue",
    "boost your revenue",
    "take your business to the next level",
    "to the next level",
    "add value",
    "provide value",
    "help you succeed",
    "make your life easier",
    "improve your bottom line",
)
FEATURE_WORDS = _words(
    "feature",
    "features",
    "integration",
    "integrations",
    "integrates",
    "dashboard",
    "dashboards",
    "reporting",
    "analytics",
    "automation",
    "automated",
    "module",
    "modules",
    "api",
    "plugin",
    "plugins",
    "ai-powered",
    "real-time",
    "workflow",
    "workflows",
    "single sign-on",
    "sso",
    "mobile app",
    "templates",
    "customizable",
    "drag-and-drop",
    "add-on",
    "add-ons",
)
JARGON = _words(
    "synergy",
    "synergies",
    "leverage",
    "leveraging",
    "best-in-class",
    "best of breed",
    "paradigm",
    "low-hanging fruit",
    "value proposition",
    "value-add",
    "robust",
    "scalable",
    "cutting-edge",
    "bleeding-edge",
    "end-to-end",
    "holistic",
    "disruptive",
    "bandwidth",
    "move the needle",
    "world-class",
    "turnkey",
    "game-changer",
    "game-changing",
    "next-generation",
    "next-gen",
    "mission-critical",
    "thought leader",
    "ecosystem",
    "omnichannel",
    "seamless",
    "seamlessly",
    "innovative solution",
    "innovative solutions",
    "industry-leading",
)
OVER_FORMAL = _words(
    "to whom it may concern",
    "dear",
    "i am writing",
    "please be advised",
    "at your earliest convenience",
    "per our",
    "hereby",
    "kindly",
    "i would like to take this opportunity",
    "do not hesitate",
    "please do not hesitate",
    "i am reaching out",
    "i would like to introduce",
    "allow me to introduce",
    "esteemed",
    "pursuant to",
    "with regard to",
    "with regards to",
)
FILLER = _words(
    "um",
    "uh",
    "umm",
    "er",
    "erm",
    "basically",
    "literally",
    "you know",
    "kind of",
    "sort of",
    "i mean",
    "just wanted to",
    "just calling to",
    "just reaching out",
    "actually",
)
WEAK_OPENING = Lexicon(
    r"(?:sorry\s+to\s+(?:bother|interrupt|disturb)|hope\s+(?:this|you're|you\s+are|all\s+is|your)|"
    r"how\s+are\s+you|how's\s+(?:it\s+going|your\s+day)|"
    r"(?:just\s+)?(?:wanted\s+to|calling\s+to|reaching\s+out\s+to)\s+introduce|"
    r"i\s+(?:just\s+)?(?:wanted\s+to\s+)?introduce\s+myself|i'm\s+sure\s+you're\s+busy|"
    r"i\s+know\s+you're\s+busy|this\s+is\s+a\s+sales\s+call|you\s+don't\s+know\s+me)",
    None,
)
OPT_OUT = Lexicon(
    r"\b(?:opt\s*-?\s*out|to\s+stop\s+(?:receiving|these|future)|remove\s+you|be\s+removed|"
    r"do[-\s]not[-\s]call\s+list|unsubscribe|no\s+longer\s+(?:wish|want)\s+to\s+(?:receive|hear))",
    None,
)
DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}


def _all_first_words() -> frozenset[str]:
    """Every word a lexicon match can start with: the analysis indexes only these."""
    words: set[str] = {"here"}
    for value in list(globals().values()) + list(CTA_KINDS.values()):
        if isinstance(value, Lexicon) and value.first_words is not None:
            words |= value.first_words
    return frozenset(words)


FIRST_WORDS = _all_first_words()
