"""The rule catalogue: every lint rule as data, with its checks, docs and examples.

Each check is a pure function of an ``Analysis`` (or ``EmailAnalysis``) and must not tokenise
text again: it reads sentences, phones and names already found and runs small compiled regexes
on sentence text. The message facts come from the seed articles (see docs/lint.md). This module
must not render templates, read files or format output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from afterbeep.scripts import _patterns as p
from afterbeep.scripts._analysis import Analysis, Sentence
from afterbeep.scripts._email import EmailAnalysis
from afterbeep.scripts._rules import Hit, Rule

# Example scripts in an SDR's voice, reused across rules' examples.
GOOD = (
    "Hi Dana, this is Sam with Northwind Freight. Congrats on the new Denver warehouse. "
    "We cut Peak Outdoor's freight spend 15% last year. Give me a call at 206-555-0148 so we "
    "can compare lanes. That's 206-555-0148. Thanks, Dana."
)
GOOD_CALL_AGAIN = (
    "Hi Marcus, it's Priya from Ledgerline. Your CFO mentioned close takes eight days. We got "
    "Harbor Dental to three. I'll call you Thursday at 10 a.m. to walk you through how. My "
    "number is 312-555-0199, again 312-555-0199. Talk soon, Marcus."
)
GOOD_SPOKEN = (
    "Hey Jordan, Alex Kim here from Brightpath. Congrats on the Series B. We help sales teams "
    "like yours ramp new reps in half the time. Call me at (415) 555-0123 so I can share what "
    "worked for Acme. Again, four one five, five five five, oh one two three. Thanks, Jordan."
)
NO_CTA = (
    "Hi Dana, this is Sam Ortiz with Northwind Freight. I saw you opened a Denver warehouse "
    "in March. We helped Peak Outdoor cut their freight spend 15% last year. Thanks, Dana."
)


def _whole(a: Analysis) -> tuple[int, int]:
    return 0, len(a.text)


def _first_sentence(a: Analysis) -> tuple[int, int]:
    if not a.sentences:
        return 0, len(a.text)
    return a.sentences[0].start, a.sentences[0].end


def _regex_hits(a: Analysis, lexicon: p.Lexicon, message: str, fix: str) -> Iterator[Hit]:
    for match in lexicon.finditer(a.lower, a.word_index):
        said = a.text[match.start() : match.end()]
        yield Hit(message.format(match=said), match.start(), match.end(), fix)


# --- length -----------------------------------------------------------------------------------


def _too_long(a: Analysis) -> Iterator[Hit]:
    if a.duration_s > a.config.max_seconds:
        yield Hit(
            f"about {a.duration_s:.0f} s when spoken at {a.config.words_per_minute:.0f} words a "
            f"minute; keep it under {a.config.max_seconds:.0f} s",
            *_whole(a),
            "cut the feature talk and background; keep hook, reason, one ask, name and number",
        )


def _too_short(a: Analysis) -> Iterator[Hit]:
    if a.text.strip() and a.duration_s < a.config.min_seconds:
        yield Hit(
            f"about {a.duration_s:.0f} s when spoken; under {a.config.min_seconds:.0f} s there "
            "is no room for a reason and your number said twice",
            *_whole(a),
            "add why you are calling and repeat your number",
        )


# --- opening, names, identity ---------------------------------------------------------------


def _weak_opening(a: Analysis) -> Iterator[Hit]:
    for sentence in a.sentences[:2]:
        match = p.WEAK_OPENING.search(a.lower, a.word_index, sentence.start, sentence.end)
        if match:
            yield Hit(
                f"weak opening {a.text[match.start() : match.end()]!r}: the first seconds decide whether they keep "
                "listening",
                match.start(),
                match.end(),
                "open with their name and a specific reason: a trigger event, a referral, a result",
            )
            return


def _greeting_first_name(a: Analysis) -> Iterator[Hit]:
    if not a.sentences:
        return
    first = a.sentences[0]
    if a.first_name is None:
        yield Hit(
            "the greeting does not use the prospect's first name",
            first.start,
            first.end,
            "start with 'Hi {{ first_name }}, ...'",
        )
        return
    if not any(start < first.end for start, _ in a.first_name_spans):
        yield Hit(
            f"the greeting does not say {a.first_name!r}; say their name first",
            first.start,
            first.end,
            f"start with 'Hi {a.first_name}, ...'",
        )


def _name_repeat(a: Analysis) -> Iterator[Hit]:
    if a.first_name is None or not a.first_name_spans:
        return
    count = len(a.first_name_spans)
    start, end = a.first_name_spans[-1]
    if count == 1:
        yield Hit(
            f"{a.first_name!r} is said once; say it about twice (greeting and sign-off)",
            start,
            end,
            f"end with 'Thanks, {a.first_name}.'",
        )
    elif count > 3:
        yield Hit(
            f"{a.first_name!r} is said {count} times; more than three sounds scripted",
            start,
            end,
            "keep the name in the greeting and the sign-off",
        )


def _rep_name(a: Analysis) -> Iterator[Hit]:
    expected = a.fields.get("rep_name")
    if expected:
        first = re.escape(expected.split()[0].lower())
        if not re.search(rf"(?<!\w){first}(?!\w)", a.lower):
            yield Hit(
                f"you never say your name ({expected!r})",
                *_first_sentence(a),
                f"say 'this is {expected}' right after the greeting",
            )
    elif a.rep_name is None:
        yield Hit(
            "you never say who you are",
            *_first_sentence(a),
            "say 'this is <your name> with <company>' right after the greeting",
        )


_LEGAL_SUFFIX = re.compile(
    r"[,.]?\s+(?:inc|llc|ltd|limited|corp|corporation|co|gmbh|plc|company)\.?$", re.I
)


def _business_said_at(a: Analysis, start: int, end: int) -> bool:
    """Whether the business name is said in ``a.lower[start:end]``; a legal suffix such as
    "Inc." or "LLC" in the configured name may be left out, as people do when speaking."""
    name = a.business_name
    if not name:
        return False
    short = _LEGAL_SUFFIX.sub("", name.strip())
    return any(variant.lower() in a.lower[start:end] for variant in {name, short} if variant)


def _company(a: Analysis) -> Iterator[Hit]:
    if not _business_said_at(a, 0, len(a.text)):
        yield Hit(
            "your company is never named, so the message builds no brand recognition",
            *_first_sentence(a),
            "say 'this is <name> with <company>' in the first sentence",
        )


# --- reason and call to action ------------------------------------------------------------------


def _reason_missing(a: Analysis) -> Iterator[Hit]:
    if a.sentences and "reason" not in a.parts_present():
        yield Hit(
            "no reason for the call: nothing about them, their company, a referral or a result",
            *_whole(a),
            "add one line of research: 'I saw you ...', 'Lee suggested I call', 'We helped X do Y'",
        )


def _cta_missing(a: Analysis) -> Iterator[Hit]:
    if a.sentences and "call_to_action" not in a.parts_present():
        yield Hit(
            "no call to action: the listener is not told what to do next",
            *_whole(a),
            "ask for one thing: 'Give me a call at ... so we can ...' or 'I'll call you Thursday at 10'",
        )


def _cta_matches(a: Analysis) -> list[tuple[int, str, re.Match[str]]]:
    """The first match of each kind of ask, in text order."""
    found = [
        (a.matches[f"cta:{kind}"][0].start(), kind, a.matches[f"cta:{kind}"][0])
        for kind in p.CTA_KINDS
        if a.matches.get(f"cta:{kind}")
    ]
    return sorted(found, key=lambda item: item[0])


def _cta_multiple(a: Analysis) -> Iterator[Hit]:
    found = [item for item in _cta_matches(a) if item[1] != "interest"]
    if len(found) > 1:
        kinds = ", ".join(kind for _, kind, _ in found)
        _, _, match = found[1]
        yield Hit(
            f"more than one call to action ({kinds}); the listener picks none",
            match.start(),
            match.end(),
            "keep one ask; mention the email only as 'I'll also send you an email'",
        )


def _cta_sentence_indices(a: Analysis) -> list[int]:
    """Sentences holding an ask (not a promise to call again), in order."""
    indices = {
        a.sentence_at(match.start()).index
        for kind in p.CTA_KINDS
        for match in a.matches.get(f"cta:{kind}", ())
    }
    return sorted(indices)


def _cta_no_reason(a: Analysis) -> Iterator[Hit]:
    indices = _cta_sentence_indices(a)
    if not indices:
        return
    index = indices[0]
    neighbours = a.sentences[max(index - 1, 0) : index + 2]
    if any(p.CTA_REASON.search(s.lower) for s in neighbours):
        return
    sentence = a.sentences[index]
    # "Kestrel hit 90% accuracy. Worth a look?": an interest question right after a result
    # takes that result as its reason.
    interest_only = all(
        a.sentence_at(m.start()).index != index
        for kind in p.CTA_KINDS
        if kind != "interest"
        for m in a.matches.get(f"cta:{kind}", ())
    )
    if interest_only and index > 0 and "reason" in a.sentences[index - 1].parts:
        return
    yield Hit(
        "the call to action gives no reason to act",
        sentence.start,
        sentence.end,
        "add what they get: '... so we can compare your rates', '... to see if it fits'",
    )


def _promise_sentences(a: Analysis) -> list[Sentence]:
    indices = sorted({a.sentence_at(m.start()).index for m in a.matches.get("call_again", ())})
    return [a.sentences[i] for i in indices]


def _callback_no_time(a: Analysis) -> Iterator[Hit]:
    strategy = a.config.strategy
    if strategy == "invite-callback" or not a.sentences:
        return
    promises = _promise_sentences(a)
    if not promises:
        if strategy == "call-again":
            yield Hit(
                "strategy is call-again but the message never says when you will call again",
                *_whole(a),
                "say 'I'll call you Thursday at 10 a.m.' and then do it",
            )
        return
    if not any(p.TIME_WORDS.search(s.lower) for s in promises):
        yield Hit(
            "you promise to call again but give no day or time",
            promises[0].start,
            promises[0].end,
            "name the time: 'I'll try you Thursday at 10 a.m.'",
        )


def _callback_no_invitation(a: Analysis) -> Iterator[Hit]:
    strategy = a.config.strategy
    if strategy == "call-again" or not a.sentences:
        return
    if a.matches.get("cta:call") or (a.matches.get("cta:interest") and a.phones):
        return  # "Worth a look? 404-555-0187" invites a call too
    if strategy == "invite-callback":
        yield Hit(
            "strategy is invite-callback but the message never asks them to call you",
            *_whole(a),
            "ask: 'Give me a call at ... so we can ...'",
        )
    elif "call_to_action" in a.parts_present() and not _promise_sentences(a):
        yield Hit(
            "neither an invitation to call you nor a time you will call again",
            *_whole(a),
            "add 'Give me a call at ...' or 'I'll call you Thursday at 10'",
        )


# --- numbers -------------------------------------------------------------------------------------


def _number_missing(a: Analysis) -> Iterator[Hit]:
    if a.sentences and not a.phones:
        yield Hit(
            "no callback number in the message",
            *_whole(a),
            "say your direct number slowly near the end, then repeat it",
        )


def _number_not_repeated(a: Analysis) -> Iterator[Hit]:
    counts = Counter(phone.digits for phone in a.phones)
    for phone in a.phones:
        if counts[phone.digits] == 1:
            yield Hit(
                f"{phone.text!r} is said once; people reach for a pen only after the first time",
                phone.start,
                phone.end,
                f"repeat it at the end: 'again, that's {phone.text}'",
            )


def _number_invalid(a: Analysis) -> Iterator[Hit]:
    for phone in a.phones:
        if not phone.valid:
            yield Hit(
                f"{phone.text!r} is not a valid phone number for region {a.config.region}",
                phone.start,
                phone.end,
                "say the full number with area code, e.g. 206-555-0148",
            )


def _digits_of(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _caller_id_mismatch(a: Analysis) -> Iterator[Hit]:
    caller_id = a.config.caller_id
    if not caller_id or not a.phones:
        return
    expected = _digits_of(caller_id)
    if not any(phone.digits == expected for phone in a.phones):
        first = a.phones[0]
        yield Hit(
            f"the callback number {first.text!r} differs from the caller ID {caller_id!r} the "
            "prospect sees",
            first.start,
            first.end,
            "call from the number you ask them to call back, or say the caller ID number",
        )


# --- phrases and content --------------------------------------------------------------------


def _checking_in(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a,
        p.CHECKING_IN,
        "{match!r} gives no reason to call back",
        "replace it with something new: a result, an idea, a question about their plans",
    )


def _not_right_person(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a,
        p.NOT_RIGHT_PERSON,
        "{match!r}: asking them to redirect you says you did not do your research",
        "research who owns the problem before calling; leave a message meant for them",
    )


def _call_me_or_ill_call(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a,
        p.CALL_ME_OR_ILL_CALL,
        "{match!r}: 'call me or I'll call you' tells them they need not call",
        "pick one: invite a call with a reason, or promise a specific time you will call",
    )


def _vague_promise(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a,
        p.VAGUE_PROMISE,
        "{match!r} is a vague promise every vendor makes",
        "be specific: 'cut freight spend 15% at Peak Outdoor', 'close books in three days'",
    )


def _feature_dump(a: Analysis) -> Iterator[Hit]:
    features = list(p.FEATURE_WORDS.finditer(a.lower, a.word_index))
    if len(features) >= 3:
        yield Hit(
            f"{len(features)} product features named; a voicemail is not a demo",
            features[0].start(),
            features[-1].end(),
            "name one result the prospect cares about and save features for the meeting",
        )
        return
    for sentence in a.sentences:
        if sentence.phones or sentence.label in {"greeting", "sign_off"}:
            continue
        if sentence.text.count(",") >= 3 and re.search(r"\b(?:and|plus)\b", sentence.lower):
            yield Hit(
                "a list of four or more items in one sentence sounds like a feature dump",
                sentence.start,
                sentence.end,
                "keep the one item most relevant to this prospect",
            )
            return


def _jargon(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a, p.JARGON, "{match!r} is jargon; it sounds like a brochure", "say it in plain words"
    )


def _over_formal(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a,
        p.OVER_FORMAL,
        "{match!r} sounds like a letter, not a person on the phone",
        "talk the way you would to a colleague",
    )


def _too_many_questions(a: Analysis) -> Iterator[Hit]:
    questions = [s for s in a.sentences if s.text.rstrip().endswith("?")]
    if len(questions) > 2:
        yield Hit(
            f"{len(questions)} questions; nobody can answer a voicemail",
            questions[2].start,
            questions[-1].end,
            "keep at most one question, the one your call to action answers",
        )


def _filler(a: Analysis) -> Iterator[Hit]:
    yield from _regex_hits(
        a, p.FILLER, "filler {match!r} wastes seconds and sounds unsure", "cut it"
    )


def _long_sentence(a: Analysis) -> Iterator[Hit]:
    limit = a.config.max_sentence_words
    for sentence in a.sentences:
        if sentence.words > limit and not sentence.phones:
            yield Hit(
                f"{sentence.words} words in one sentence; over {limit} is hard to say in one breath",
                sentence.start,
                sentence.end,
                "split it in two",
            )


def _email_no_subject(a: Analysis) -> Iterator[Hit]:
    match = p.EMAIL_PROMISE.search(a.lower, a.word_index)
    if match is None:
        return
    index = next(s.index for s in a.sentences if s.start <= match.start() < s.end)
    if not any(p.EMAIL_SUBJECT.search(s.lower) for s in a.sentences[index : index + 2]):
        yield Hit(
            "you promise an email but not the subject to look for",
            match.start(),
            match.end(),
            "add 'the subject line is <subject>' so they find it",
        )


# --- compliance ---------------------------------------------------------------------------------


def _business_name(a: Analysis) -> Iterator[Hit]:
    if not a.sentences:
        return
    opening = a.sentences[:2]
    if _business_said_at(a, opening[0].start, opening[-1].end):
        return
    yield Hit(
        "the business is not named at the start; a pre-recorded message must name it first",
        opening[0].start,
        opening[-1].end,
        "name your company in the first sentence: "
        f"'this is {a.rep_name or '<your name>'} with {a.business_name or '<your company>'}'",
    )


def _callback_number(a: Analysis) -> Iterator[Hit]:
    required = a.config.callback_number
    if not required or not a.sentences:
        return
    expected = _digits_of(required)
    if not any(phone.digits == expected for phone in a.phones):
        yield Hit(
            f"the message does not give the campaign's callback number {required}",
            *_whole(a),
            f"say {required} in the message",
        )


def _opt_out(a: Analysis) -> Iterator[Hit]:
    if a.config.require_opt_out and a.sentences and not p.OPT_OUT.search(a.lower):
        yield Hit(
            "this campaign requires opt-out wording and the message has none",
            *_whole(a),
            "add 'To opt out of these calls, call 206-555-0148 and we'll remove you.'",
        )


# --- structure ------------------------------------------------------------------------------------


def _missing_part(a: Analysis) -> Iterator[Hit]:
    if not a.sentences:
        return
    present = a.parts_present()
    if "greeting" not in present:
        yield Hit(
            "no greeting: the message starts without saying hello to them",
            *_first_sentence(a),
            "start with 'Hi <first name>,'",
        )
    if "sign_off" not in present:
        last = a.sentences[-1]
        yield Hit(
            "no sign-off: the message stops abruptly",
            last.start,
            last.end,
            "end with 'Thanks, <first name>.'",
        )


def _order(a: Analysis) -> Iterator[Hit]:
    identity = a.first_with("context")
    ask = next(
        (s for s in a.sentences if s.parts & {"call_to_action", "contact"}),
        None,
    )
    if identity and ask and ask.index < identity.index:
        yield Hit(
            "the ask comes before you say who you are",
            ask.start,
            ask.end,
            "order: greeting, who you are, reason, ask, number, number again, sign-off",
        )
    for sentence in a.sentences[:-1]:
        if sentence.label == "sign_off":
            later = a.sentences[sentence.index + 1]
            if later.parts & {"reason", "context", "call_to_action"} and not later.phones:
                yield Hit(
                    "the message goes on after the sign-off",
                    later.start,
                    later.end,
                    "move this before the sign-off, or cut it",
                )
                return


# --- follow-up email ---------------------------------------------------------------------------

_VOICEMAIL_REF = re.compile(
    r"\b(?:voicemail|voice\s*mail|vm|my\s+(?:message|call)|just\s+called|left\s+you|"
    r"tried\s+(?:you|calling)|missed\s+you|sorry\s+i\s+missed)\b",
    re.I,
)


def _email_subject_missing(e: EmailAnalysis) -> Iterator[Hit]:
    if not e.subject:
        yield Hit(
            "the email has no subject line",
            0,
            min(len(e.text), 1),
            "start with 'Subject: Re: my voicemail about ...'",
        )


def _email_subject_ref(e: EmailAnalysis) -> Iterator[Hit]:
    if not e.subject or _VOICEMAIL_REF.search(e.subject):
        return
    yield Hit(
        "the subject does not refer to the voicemail, so the two touches do not connect",
        e.subject_start,
        e.subject_start + len(e.subject),
        "e.g. 'Re: my voicemail - Denver lanes'",
    )


def _email_too_long(e: EmailAnalysis) -> Iterator[Hit]:
    if e.body_words > e.config.email_max_words:
        yield Hit(
            f"{e.body_words} words; a follow-up to a voicemail should be read in 20 seconds "
            f"(at most {e.config.email_max_words} words)",
            e.body_start,
            e.body_start + len(e.body),
            "keep the reason, the one ask and your signature",
        )


def _email_cta_mismatch(e: EmailAnalysis) -> Iterator[Hit]:
    if e.voicemail is None:
        return
    from afterbeep.scripts._email import cta_kinds

    voicemail_kinds = cta_kinds(e.voicemail.lower)
    if not voicemail_kinds:
        return
    if not e.cta_kinds & voicemail_kinds:
        asked = ", ".join(sorted(e.cta_kinds)) or "nothing"
        yield Hit(
            f"the email asks for {asked}; the voicemail asked for "
            f"{', '.join(sorted(voicemail_kinds))}",
            e.body_start,
            e.body_start + len(e.body),
            "ask for the same next step in both",
        )


VOICEMAIL_FOR_EMAIL = GOOD
GOOD_EMAIL = (
    "Subject: Re: my voicemail - Denver lanes\n\nHi Dana,\n\nI just left you a voicemail. "
    "We helped Peak Outdoor cut freight spend 15% after they opened a second warehouse. "
    "Give me a call at 206-555-0148 so we can see if your lanes look the same.\n\nSam"
)
LONG_BODY = " ".join(
    ["We help shippers in the mountain west plan lanes, consolidate loads and audit invoices."] * 12
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="length.too-long",
        severity="warning",
        summary="The message takes longer than the target (30 s by default) to say.",
        what="Estimates spoken duration (numbers as people say them, digits slower, pauses) and "
        "flags scripts over `max_seconds`.",
        why="Callbacks peak for messages under about 20-30 seconds; listeners delete long ones.",
        example="A 45-second message walking through three products and a case study.",
        instead="Hook, one reason, one ask, name and number twice: 15-25 seconds.",
        should_fail=(
            GOOD + " We also do warehousing, drayage, customs brokerage and final-mile delivery in "
            "all fifty states, with a team of forty account managers who know the mountain "
            "west and a network of more than three hundred carriers that we have vetted "
            "ourselves over the last twelve years of running this business from Seattle.",
            "Hi Marcus, it's Priya from Ledgerline. " + "We close books faster. " * 25,
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_too_long,
    ),
    Rule(
        id="length.too-short",
        severity="warning",
        summary="The message is too short to carry a reason and a number said twice.",
        what="Flags scripts whose estimated spoken duration is under `min_seconds` (8 s).",
        why="A message with only a name and 'call me' gives no reason to call back.",
        example="Hi Dana, it's Sam. Call me.",
        instead="Add the reason for your call and say your number twice.",
        should_fail=("Hi Dana, it's Sam. Call me.", "Hey, Priya here. Ring me back, thanks."),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_too_short,
    ),
    Rule(
        id="hook.weak-opening",
        severity="warning",
        summary="The first sentences waste the hook on pleasantries or an apology.",
        what="Looks for 'sorry to bother you', 'hope you're well', 'how are you', "
        "'I wanted to introduce myself' in the first two sentences.",
        why="People decide in the first seconds whether to keep listening.",
        example="Hi Dana, sorry to bother you, I just wanted to introduce myself.",
        instead="Hi Dana, this is Sam with Northwind. I saw you opened a Denver warehouse.",
        should_fail=(
            "Hi Dana, sorry to bother you. This is Sam with Northwind Freight.",
            "Hey Marcus, how are you? I just wanted to introduce myself, I'm Priya.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_weak_opening,
    ),
    Rule(
        id="greeting.first-name",
        severity="warning",
        summary="The greeting does not use the prospect's first name.",
        what="Checks that the first sentence says the prospect's first name (the `first_name` "
        "merge value, or a name after 'Hi').",
        why="Their own name is the strongest hook; a message that could be for anyone sounds "
        "like a robocall.",
        example="Hello, this is Sam from Northwind Freight.",
        instead="Hi Dana, this is Sam from Northwind Freight.",
        should_fail=(
            "Hello, this is Sam from Northwind Freight. Give me a call.",
            "Good morning, it's Priya with Ledgerline calling about month-end close.",
        ),
        should_pass=(GOOD, "Marcus, this is Priya with Ledgerline. Call me back."),
        check=_greeting_first_name,
    ),
    Rule(
        id="name.repeat",
        severity="info",
        summary="The prospect's first name is said once only, or more than three times.",
        what="Counts the prospect's first name in the message.",
        why="About twice - greeting and sign-off - sounds personal; once is easy to miss, more "
        "than three sounds scripted.",
        example="Hi Dana, ... Thanks.",
        instead="Hi Dana, ... Thanks, Dana.",
        should_fail=(
            "Hi Dana, this is Sam with Northwind Freight. Call me at 206-555-0148. Thanks.",
            "Hi Dana, Dana, I know, Dana. Thanks Dana.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_name_repeat,
    ),
    Rule(
        id="identity.rep-name",
        severity="error",
        summary="The rep never says who they are.",
        what="Looks for 'this is <name>', 'my name is', '<name> here', '<name> at <Company>', "
        "or the `rep_name` merge value.",
        why="A message from nobody is not returned; your name is what they will ask for.",
        example="Hi Dana, calling from Northwind Freight about your Denver lanes.",
        instead="Hi Dana, this is Sam Ortiz with Northwind Freight.",
        should_fail=(
            "Hi Dana, calling from Northwind Freight about your Denver lanes.",
            "Hey Marcus, quick one about month-end close at Harbor.",
        ),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_rep_name,
    ),
    Rule(
        id="identity.company",
        severity="warning",
        summary="The rep's company is never named.",
        what="Checks that the business name (`business_name` in config, or 'with/from/at "
        "<Company>') is said.",
        why="Even unreturned, a voicemail works as a billboard that builds brand recognition.",
        example="Hi Dana, this is Sam. Call me at 206-555-0148.",
        instead="Hi Dana, this is Sam with Northwind Freight.",
        should_fail=(
            "Hi Dana, this is Sam. Call me at 206-555-0148.",
            "Hey Marcus, it's Priya. I'll call you Thursday at 10.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_company,
    ),
    Rule(
        id="reason.missing",
        severity="warning",
        summary="No relevant reason for the call (research, common ground, referral, result).",
        what="Looks for a sentence that gives a reason: something you noticed, a referral, a "
        "result for a similar company (a percentage or an amount counts as a result).",
        why="A message that is relevant to the listener is the one that gets returned.",
        example="Hi Dana, this is Sam with Northwind. Call me at 206-555-0148.",
        instead="Hi Dana, this is Sam with Northwind. I saw you opened a Denver warehouse.",
        should_fail=(
            "Hi Dana, this is Sam with Northwind Freight. Call me at 206-555-0148. Thanks, Dana.",
            "Hey Marcus, it's Priya from Ledgerline. Give me a call at 312-555-0199.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_reason_missing,
    ),
    Rule(
        id="cta.missing",
        severity="error",
        summary="No call to action: the listener is not told what to do next.",
        what="Looks for an ask (call me, reply, book a time) or a promise to call again.",
        why="Every voicemail needs a next step; without one it is only a courtesy.",
        example=NO_CTA,
        instead="Give me a call at 206-555-0148 so we can compare your lanes.",
        should_fail=(
            NO_CTA,
            "Hey Marcus, it's Priya from Ledgerline. Your CFO mentioned close takes eight days.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_cta_missing,
    ),
    Rule(
        id="cta.multiple",
        severity="warning",
        summary="More than one call to action (call, email, book, visit...).",
        what="Counts the kinds of ask in the message: call, reply by email, text, book a "
        "meeting, visit a website.",
        why="Several asks split attention; one clear ask gets acted on.",
        example="Call me back, or reply to my email, or book a time on my calendar.",
        instead="Give me a call at 206-555-0148 so we can compare lanes.",
        should_fail=(
            "Hi Dana, call me back at 206-555-0148 or reply to my email.",
            "Marcus, grab a time on my calendar link, or text me at 312-555-0199.",
        ),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_cta_multiple,
    ),
    Rule(
        id="cta.no-reason",
        severity="warning",
        summary="The call to action gives no reason to act.",
        what="Checks the ask (or the sentence next to it) says what the listener gets: 'so we "
        "can', 'to see', 'to schedule', 'because', 'I'll show you'. An interest question "
        "('Worth a look?') right after a result takes that result as its reason.",
        why="A call to action with a reason is the one that gets returned.",
        example="Give me a call at 206-555-0148.",
        instead="Give me a call at 206-555-0148 so we can see if your lanes look the same.",
        should_fail=(
            "Hi Dana, it's Sam with Northwind. Give me a call at 206-555-0148. Thanks.",
            "Marcus, Priya here. Call me back. Bye.",
        ),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_cta_no_reason,
    ),
    Rule(
        id="callback.no-time",
        severity="warning",
        summary="A promise to call again without a day or time (or none, under call-again).",
        what="With strategy `call-again`, requires 'I'll call you <day/time>'; with `either` "
        "(default), flags a promise to call again that names no time.",
        why="A specific time you then keep builds trust; 'I'll try you again' is forgettable.",
        example="I'll try you again sometime.",
        instead="I'll call you Thursday at 10 a.m.",
        should_fail=(
            "Hi Dana, this is Sam with Northwind. I'll try you again soon. Thanks.",
            "Marcus, Priya from Ledgerline. I'll call you again to walk you through it.",
        ),
        should_pass=(GOOD_CALL_AGAIN, "Hi Dana, it's Sam. I'll call you tomorrow at 2:30."),
        check=_callback_no_time,
    ),
    Rule(
        id="callback.no-invitation",
        severity="warning",
        summary="No invitation to call back (strategy invite-callback), or no phone next step.",
        what="With strategy `invite-callback`, requires 'call me / give me a call' (or an "
        "interest question followed by the number); with `either`, flags a message whose only "
        "ask is not a phone call at all.",
        why="A voicemail's natural next step is a call; the number is only useful with an ask.",
        example="Reply to my email when you get a chance.",
        instead="Give me a call at 206-555-0148 so we can compare lanes.",
        should_fail=(
            "Hi Dana, this is Sam with Northwind. Reply to my email when you can. Thanks.",
            "Marcus, it's Priya. Grab a time on my calendar link to see the demo.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_callback_no_invitation,
    ),
    Rule(
        id="number.missing",
        severity="error",
        summary="No callback phone number in the message.",
        what="Looks for a phone number, as numerals or spoken digits.",
        why="Your number said slowly is what makes a callback possible.",
        example=NO_CTA,
        instead="Give me a call at 206-555-0148.",
        should_fail=(NO_CTA, "Hi Marcus, it's Priya from Ledgerline. Call me back. Thanks."),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_number_missing,
    ),
    Rule(
        id="number.not-repeated",
        severity="warning",
        summary="The callback number is said only once.",
        what="Normalises every number to its digits ('206-555-0148', '(206) 555 0148' and 'two "
        "oh six, five five five, oh one four eight' are the same) and flags one said once.",
        why="Listeners reach for a pen after the first time; the repeat is what they write down.",
        example="Call me at 206-555-0148. Thanks, Dana.",
        instead="Call me at 206-555-0148. Again, 206-555-0148. Thanks, Dana.",
        should_fail=(
            "Hi Dana, call me at 206-555-0148. Thanks, Dana.",
            "Marcus, reach me at 312.555.0199 to see the numbers.",
        ),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_number_not_repeated,
    ),
    Rule(
        id="number.invalid",
        severity="error",
        summary="A phone number in the message is not a valid number.",
        what="Checks every number with the phonenumbers library for the configured region.",
        why="A mistyped or incomplete number makes the whole message useless.",
        example="Call me at 555-0148.",
        instead="Call me at 206-555-0148.",
        should_fail=(
            "Hi Dana, call me at 555-0148. Again, 555-0148.",
            "Marcus, reach me at 123-456-7890.",
        ),
        should_pass=(GOOD, GOOD_SPOKEN),
        check=_number_invalid,
    ),
    Rule(
        id="number.caller-id-mismatch",
        severity="warning",
        summary="The callback number differs from the campaign's caller ID.",
        what="Compares the numbers said with `caller_id` from the config (digits only).",
        why="Prospects call back the number on their screen; a different one looks untrustworthy "
        "and splits callbacks.",
        example="Caller ID 206-555-0100, message says 206-555-0148.",
        instead="Call from 206-555-0148, or say the caller ID number.",
        should_fail=(GOOD, GOOD_SPOKEN),
        should_pass=(
            "Hi Dana, call me at 206-555-0100. Again, (206) 555 0100.",
            "Hi Dana, call me at two oh six, five five five, oh one oh oh.",
        ),
        check=_caller_id_mismatch,
        example_config={"caller_id": "+1 206 555 0100"},
    ),
    Rule(
        id="phrase.checking-in",
        severity="warning",
        summary="'Just checking in', 'touching base' and similar.",
        what="Flags phrases that announce a call with nothing new.",
        why="'Just checking in' gives the listener no reason to call back.",
        example="Hi Dana, just checking in on my last email.",
        instead="Hi Dana, one more idea on your Denver lanes: ...",
        should_fail=(
            "Hi Dana, just checking in on my last email.",
            "Marcus, Priya here, wanted to touch base about close.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_checking_in,
    ),
    Rule(
        id="phrase.not-right-person",
        severity="warning",
        summary="'If you're not the right person...' asks for a referral instead of a callback.",
        what="Flags asking the listener to redirect you.",
        why="It says you did not research who owns the problem; leave messages for the right "
        "person only.",
        example="If you're not the right person, could you point me in the right direction?",
        instead="Research the owner first and speak to them about their situation.",
        should_fail=(
            "Hi Dana, if you're not the right person for this, please let me know.",
            "Marcus, could you point me in the right direction on finance tools?",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_not_right_person,
    ),
    Rule(
        id="phrase.call-me-or-ill-call",
        severity="warning",
        summary="'Call me back or I'll call you' removes the reason to call.",
        what="Flags an invitation to call combined with a promise to call anyway.",
        why="If you will call anyway, they need not call you.",
        example="Call me back, or I'll call you Thursday.",
        instead="Choose one: 'I'll call you Thursday at 10' or 'Give me a call so we can ...'",
        should_fail=(
            "Hi Dana, call me back at 206-555-0148 or I'll call you Friday.",
            "Marcus, if I don't hear from you, I'll try again next week.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_call_me_or_ill_call,
    ),
    Rule(
        id="phrase.vague-promise",
        severity="warning",
        summary="Vague promises such as 'save you money' or 'learn about your challenges'.",
        what="Flags claims every vendor makes and nobody believes.",
        why="Specific results earn callbacks; vague promises sound like every other pitch.",
        example="We can save you money and take your business to the next level.",
        instead="We cut Peak Outdoor's freight spend 15% last year.",
        should_fail=(
            "Hi Dana, we can save you money on freight.",
            "Marcus, I'd love to learn about your challenges in finance.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_vague_promise,
    ),
    Rule(
        id="content.feature-dump",
        severity="warning",
        summary="A list of product features instead of one relevant reason.",
        what="Flags three or more product-feature words, or a sentence listing four or more items.",
        why="A voicemail is a billboard, not an elevator pitch; feature dumps get deleted.",
        example="Our platform has dashboards, integrations, automation and real-time reporting.",
        instead="We got Harbor Dental's month-end close from eight days to three.",
        should_fail=(
            "Our platform has dashboards, integrations, automation and real-time reporting.",
            "We do warehousing, drayage, customs, brokerage and final-mile delivery.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_feature_dump,
    ),
    Rule(
        id="style.jargon",
        severity="warning",
        summary="Buzzwords such as 'synergy', 'leverage', 'best-in-class'.",
        what="Flags sales jargon from a word list.",
        why="Jargon sounds read from a brochure; plain words sound like a person.",
        example="We leverage best-in-class synergies.",
        instead="We help teams like yours close the books in three days.",
        should_fail=(
            "Hi Dana, we leverage a best-in-class network.",
            "Marcus, our scalable, end-to-end platform.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_jargon,
    ),
    Rule(
        id="style.over-formal",
        severity="info",
        summary="Letter-like formality: 'at your earliest convenience', 'do not hesitate'.",
        what="Flags phrases from formal letters.",
        why="Voicemails work when they sound friendly and confident, like a colleague.",
        example="Please do not hesitate to contact me at your earliest convenience.",
        instead="Give me a call when you have a minute.",
        should_fail=(
            "Dana, please call me at your earliest convenience.",
            "Marcus, kindly do not hesitate to reach out.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_over_formal,
    ),
    Rule(
        id="style.too-many-questions",
        severity="warning",
        summary="More than two questions in a message nobody can answer live.",
        what="Counts sentences ending in a question mark.",
        why="A voicemail is one-way; a string of questions sounds like a survey.",
        example="Are you shipping to Denver? Using LTL? Happy with your rates?",
        instead="One question at most, answered by your call to action.",
        should_fail=(
            "Dana, are you shipping to Denver? Using LTL? Happy with your rates?",
            "Marcus, how long is close? Who runs it? Is it manual? Want to fix it?",
        ),
        should_pass=(GOOD, "Hi Dana, is Denver on your list this year? Call me at 206-555-0148."),
        check=_too_many_questions,
    ),
    Rule(
        id="style.filler",
        severity="info",
        summary="Filler words: 'um', 'basically', 'just wanted to', 'you know'.",
        what="Flags filler words and hedges written into the script.",
        why="Filler wastes seconds and makes you sound unsure.",
        example="Hi Dana, I just wanted to basically see if you know...",
        instead="Hi Dana, I saw you opened a Denver warehouse.",
        should_fail=(
            "Hi Dana, I just wanted to see if you're shipping to Denver.",
            "Marcus, um, it's basically about close.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_filler,
    ),
    Rule(
        id="style.long-sentence",
        severity="info",
        summary="A sentence too long to say in one breath.",
        what="Flags sentences over `max_sentence_words` spoken words (25), numbers excluded.",
        why="Long sentences get rushed and lose the listener.",
        example="A 40-word sentence with three clauses.",
        instead="Two short sentences.",
        should_fail=(
            "We work with shippers across the mountain west who have opened new warehouses in "
            "the last year and found that their carriers did not adjust the lanes or the rates "
            "to match the new volume.",
            "I was looking at your careers page and noticed that you are hiring three "
            "accountants and a controller which usually means that close is taking longer than "
            "anyone would like it to.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_long_sentence,
    ),
    Rule(
        id="followup.email-no-subject",
        severity="info",
        summary="The message promises an email but not its subject line.",
        what="When the script says 'I'll send you an email', checks it also says what subject to "
        "look for.",
        why="Naming the subject connects the two touches and gets the email opened.",
        example="I'll also send you an email.",
        instead="I'll also send you an email; the subject is 'Denver lanes'.",
        should_fail=(
            "Hi Dana, I'll also send you an email. Thanks.",
            "Marcus, I'll shoot you an email today.",
        ),
        should_pass=(
            GOOD,
            "Hi Dana, I'll also send you an email with the subject 'Denver lanes'.",
        ),
        check=_email_no_subject,
    ),
    Rule(
        id="compliance.business-name",
        severity="error",
        summary="The business is not named at the start of the message.",
        what="Checks that the business name is said within the first two sentences.",
        why="US rules require a pre-recorded message to name the business at the start.",
        example="Hi Dana, this is Sam. ... I'm with Northwind Freight.",
        instead="Hi Dana, this is Sam with Northwind Freight.",
        should_fail=(
            "Hi Dana, this is Sam. I saw your Denver news. Call me at 206-555-0148.",
            "Hey Marcus, it's Priya. Quick one. I'm calling from Ledgerline about close.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_business_name,
    ),
    Rule(
        id="compliance.callback-number",
        severity="error",
        summary="The message does not give the campaign's registered callback number.",
        what="When `callback_number` is configured, checks the message says it.",
        why="A pre-recorded message must give a number the business can be called back on.",
        example="Config callback_number 206-555-0148; message gives a cell number.",
        instead="Say 206-555-0148 in the message.",
        should_fail=(GOOD_CALL_AGAIN, GOOD_SPOKEN),
        should_pass=(
            GOOD,
            "Hi Dana, call Northwind at two oh six, five five five, oh one four eight.",
        ),
        check=_callback_number,
        example_config={"callback_number": "206-555-0148"},
    ),
    Rule(
        id="compliance.opt-out",
        severity="error",
        summary="Opt-out wording is missing where the campaign requires it.",
        what="With `require_opt_out = true`, checks for opt-out wording ('to opt out', 'to be "
        "removed', 'do not call list').",
        why="Pre-recorded marketing messages left on voicemail must give a way to opt out.",
        example=GOOD,
        instead=GOOD + " To opt out of these calls, call 206-555-0148.",
        should_fail=(GOOD, GOOD_CALL_AGAIN),
        should_pass=(
            GOOD + " To opt out of these calls, call 206-555-0148.",
            GOOD_CALL_AGAIN + " To be removed from our list, press 9 or call us.",
        ),
        check=_opt_out,
        example_config={"require_opt_out": True},
    ),
    Rule(
        id="structure.missing-part",
        severity="info",
        summary="The message has no greeting or no sign-off.",
        what="Labels each sentence (greeting, context, reason, call_to_action, contact, "
        "repeat_number, sign_off) and reports a missing greeting or sign-off; the other "
        "parts have rules of their own.",
        why="A greeting and a short sign-off frame the message and make it sound human.",
        example="Call me at 206-555-0148 about freight.",
        instead="Hi Dana, ... Thanks, Dana.",
        should_fail=(
            "Call me at 206-555-0148 about freight.",
            "Hi Dana, this is Sam with Northwind. Call me at 206-555-0148.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_missing_part,
    ),
    Rule(
        id="structure.order",
        severity="warning",
        summary="The parts of the message are out of order.",
        what="Flags an ask or number before you say who you are, and talk after the sign-off.",
        why="Greeting, who you are, reason, ask, number, number again, sign-off is the order "
        "listeners can follow.",
        example="Call me at 206-555-0148. Hi Dana, this is Sam with Northwind.",
        instead="Hi Dana, this is Sam with Northwind. ... Call me at 206-555-0148.",
        should_fail=(
            "Give me a call at 206-555-0148. Dana, this is Sam with Northwind Freight.",
            "Hi Dana, this is Sam. Thanks, Dana. We helped Peak Outdoor cut freight costs.",
        ),
        should_pass=(GOOD, GOOD_CALL_AGAIN),
        check=_order,
    ),
    Rule(
        id="email.subject-missing",
        severity="error",
        summary="The follow-up email has no subject line.",
        what="Checks the follow-up email starts with 'Subject: ...'.",
        why="An email with no subject is not opened, and cannot point back to the voicemail.",
        example="Hi Dana, I just left you a voicemail...",
        instead="Subject: Re: my voicemail - Denver lanes",
        should_fail=("Hi Dana, I just left you a voicemail.", "Subject:\n\nHi Marcus, quick note."),
        should_pass=(GOOD_EMAIL, "Subject: my voicemail\n\nHi Dana."),
        check=_email_subject_missing,
        target="email",
        example_voicemail=VOICEMAIL_FOR_EMAIL,
    ),
    Rule(
        id="email.subject-no-voicemail-ref",
        severity="warning",
        summary="The email's subject does not refer to the voicemail.",
        what="Checks the subject mentions the voicemail ('my voicemail', 'just called', 'sorry I "
        "missed you').",
        why="Voicemail and email work together when each points to the other.",
        example="Subject: Northwind Freight - introduction",
        instead="Subject: Re: my voicemail - Denver lanes",
        should_fail=(
            "Subject: Northwind Freight - introduction\n\nHi Dana.",
            "Subject: Quick question\n\nHi Marcus.",
        ),
        should_pass=(GOOD_EMAIL, "Subject: Sorry I missed you, Marcus\n\nHi Marcus."),
        check=_email_subject_ref,
        target="email",
        example_voicemail=VOICEMAIL_FOR_EMAIL,
    ),
    Rule(
        id="email.too-long",
        severity="warning",
        summary="The follow-up email is too long to read in 20 seconds.",
        what="Flags bodies over `email_max_words` words (120).",
        why="A short body that repeats the one ask is what gets a reply.",
        example="Five paragraphs about the company's history.",
        instead="Three or four sentences: reason, result, the same ask, signature.",
        should_fail=(
            "Subject: my voicemail\n\n" + LONG_BODY,
            "Subject: Re: my call\n\n" + LONG_BODY + " Call me.",
        ),
        should_pass=(GOOD_EMAIL, "Subject: my voicemail\n\nHi Dana, call me. Sam"),
        check=_email_too_long,
        target="email",
        example_voicemail=VOICEMAIL_FOR_EMAIL,
    ),
    Rule(
        id="email.cta-mismatch",
        severity="warning",
        summary="The email asks for a different next step than the voicemail.",
        what="Compares the kinds of ask (call, email reply, text, meeting, web) in the email and "
        "in the voicemail it follows.",
        why="The same single ask in both channels is clear; different asks compete.",
        example="Voicemail: 'give me a call'; email: 'book a time on my calendar link'.",
        instead="Email: 'Give me a call at 206-555-0148 so we can compare lanes.'",
        should_fail=(
            "Subject: my voicemail\n\nHi Dana, book a time on my calendar link.",
            "Subject: my voicemail\n\nHi Dana, here is our brochure.",
        ),
        should_pass=(GOOD_EMAIL, "Subject: my voicemail\n\nDana, call me at 206-555-0148."),
        check=_email_cta_mismatch,
        target="email",
        example_voicemail=VOICEMAIL_FOR_EMAIL,
    ),
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
SCRIPT_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.target == "script")
EMAIL_RULES: tuple[Rule, ...] = tuple(r for r in RULES if r.target == "email")
