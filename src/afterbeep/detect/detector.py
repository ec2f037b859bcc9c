"""afterbeep's streaming answering-machine, beep and mailbox detector.

Owns ``DetectorSettings`` (every threshold, with its default and why), ``Detector`` (one call:
20 ms frames in, typed events out) and ``DetectorBank`` (many calls ticked together: one
vectorised feature pass per tick, then each call's small state machine). ``Detector`` is a bank
of one, so both give the same events for the same audio.

The decision logic per call (``_CallState``):

- frames louder than the adaptive floor are speech; runs of them form utterances;
- a beep (``_beep``) before any decision means machine, and its end is the message cue;
- a short greeting (<= ``human_max_greeting_ms``) followed by ``human_silence_ms`` of quiet is a
  person waiting for an answer: human;
- talking on with only short pauses for ``machine_speech_ms`` is a recorded greeting: machine;
- after a machine: the first beep's end (``BeepEnded``), or ``greeting_end_silence_ms`` of quiet
  after the speech (``GreetingEnded``) is the cue; the greeting is transcribed chunk by chunk
  as its pauses come, so a full / not set up / general mailbox is known before the cue.

Never looks ahead: each event's ``emitted_ms`` is the end of the frame that produced it.
Speech recognition runs beside the decisions (``_asr.AsrJob``): its results come in at the
audio time they are ready, and only a beep-less greeting's end waits for them, see
docs/detector.md.
Must not speak any carrier protocol nor read files.
"""

from __future__ import annotations

import io
import wave
from collections import deque
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from afterbeep.detect._asr import (
    GREETING_PROMPT,
    PRIORITY_CUE,
    PRIORITY_DECISION,
    PRIORITY_NOTES,
    AsrJob,
    Transcriber,
    Transcript,
    WhisperTranscriber,
    recognition_worker,
)
from afterbeep.detect._beep import Beep, BeepConfig, BeepTracker
from afterbeep.detect._features import FRAME_MS, FrameAnalyzer
from afterbeep.detect._mailbox import (
    AnswerWords,
    MailboxState,
    answer_words,
    asks_for_a_message,
    classify_mailbox,
    greeting_notes,
    greeting_sounds_over,
    normalize,
    offers_a_menu,
    opens_like_a_carrier,
    operator_digit,
    owner_speaks,
    promises_tone,
    puts_through,
    spoken_words,
    trails_off,
)
from afterbeep.detect._vad import NoiseFloorVad
from afterbeep.detect.events import (
    BeepEnded,
    DetectionEvent,
    FaxDetected,
    GeneralMailbox,
    GreetingEnded,
    GreetingTranscribed,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    MailboxNotSetUp,
    MailboxTakesNoMessages,
    NotSure,
    RecognitionShed,
    RecordingAfterAll,
    Timeout,
)
from afterbeep.errors import ConfigError

SAMPLE_RATES = (8000, 16000)
# Audio kept either side of the name's words in GreetingTranscribed.name_wav, and the length
# a name is given when its word times say less (a name is a word or two: 0.3-0.8 s).
NAME_CLIP_MARGIN_MS = 120
NAME_CLIP_MIN_MS = 250
NAME_CLIP_MAX_MS = 800


class DetectorSettings(BaseModel):
    """Every threshold of the detector. Times in ms of audio, levels in dB.

    Invalid values raise ``ConfigError`` naming the setting. Defaults were chosen from the
    domain facts in docs/detector.md and tuned on dev corpora (seeds 1-99) only.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- voice activity -------------------------------------------------------------------
    # 10 dB over the floor: white line noise frames vary by ~1 dB, babble by ~4 dB, while
    # voiced speech sits 15-40 dB above the line; 10 keeps soft word endings as speech.
    vad_snr_db: float = Field(10.0, ge=3.0, le=40.0, description="Speech margin over floor.")
    # Nothing quieter than -55 dBFS is speech, however quiet the line (digital silence).
    vad_min_speech_dbfs: float = Field(-55.0, ge=-90.0, le=-10.0)
    # The floor is the quietest frame of the last 3 s: long enough to span pauses of a
    # continuous machine greeting, short enough to follow a line that gets noisier.
    noise_floor_window_ms: int = Field(3000, ge=400, le=20000)
    # ... unless the quietest frame of the last 0.6 s is 12 dB above that floor: the line's
    # background stepped up (noise often starts with the far end's first words), and waiting
    # 3 s for the floor to follow would read a person's "Hello?" plus noise as a long greeting.
    noise_floor_step_window_ms: int = Field(600, ge=100, le=5000)
    noise_floor_step_db: float = Field(12.0, ge=3.0, le=60.0)
    # ... and only when that window is steady (loudest and quietest frames within 8 dB):
    # line noise varies a few dB frame to frame, speech 20 dB and more between syllables.
    noise_floor_steady_db: float = Field(8.0, ge=1.0, le=40.0)
    # Floor never below -70 dBFS, so exact-zero carrier silence cannot make hiss "speech".
    noise_floor_clamp_dbfs: float = Field(-70.0, ge=-100.0, le=-30.0)
    # Speech frames are also within 15 dB of the loudest speech frame so far: background
    # talkers (babble) and line noise that pass the floor test are still well below the voice
    # on the line, whose syllables stay within ~15 dB of its peak.
    vad_peak_range_db: float = Field(15.0, ge=5.0, le=60.0)
    # A person picks up in a busy room: the talkers behind them are heard from the pick-up,
    # then the person's "Hello?" stands a few dB out of them, often less than
    # vad_peak_range_db. Speech this much louder than all of the greeting before it, after
    # at least room_min_ms of that quieter talk, is the voice on the line and the talk before
    # it the room's: the greeting starts again at it, and until the decision a frame no
    # louder than the room's loudest (plus room_margin_db) is not speech, so the person's
    # pause reads as one though the talkers go on. A recording's own words do not start this
    # much under its level for half a second: it starts with its words.
    room_step_db: float = Field(6.0, ge=1.0, le=60.0)
    room_min_ms: int = Field(500, ge=0, le=10000)
    room_margin_db: float = Field(1.0, ge=0.0, le=20.0)
    # An utterance starts after 60 ms of speech frames: clicks and pops are shorter.
    min_speech_ms: int = Field(60, ge=20, le=500)
    # --- human vs machine -----------------------------------------------------------------
    # A person's greeting ("Hello?", "Hi, this is Dana", "Acme, Mike speaking") is 0.3-2.5 s;
    # a receptionist's company answer ("Good afternoon, Riverside Medical Center, Omar
    # speaking.") runs on to 3-3.5 s. Longer than this, it is a recording. 2600 took those
    # answers for machines: without recognition, a third of the people taken for machines on
    # dev seeds 3, 7 and 11 (23 of 210, 14 played a message; 15 and 7 at 3200, 9 at 3800).
    # Each step up takes more short beep-less recordings for people (10, 21, 34 of 390
    # machines; the rep hears them and can drop), and a recording that goes on to its beep
    # is taken back (watch_after_human_ms): right actions 469, 469, 464 of 600. A message
    # played to a person is the worse error. With recognition on, words decide in between
    # (dev: the same right actions at 2600 and 3200).
    human_max_greeting_ms: int = Field(3200, ge=300, le=5000)
    # ... then they wait. 950 ms of quiet is longer than the pauses inside a recorded
    # greeting (recorded greetings: p99 650 ms between sentences), and leaves ~50 ms of the
    # 1 s decision budget for the end-of-speech estimate (dev seeds 3 and 7: p95 of the
    # decision 960-975 ms after the greeting's end). Shorter: faster human decisions, more
    # machines taken for people (900 ms: 2 more per 250 dev calls, 60 ms sooner).
    human_silence_ms: int = Field(950, ge=200, le=3000)
    # Speech with no pause of human_silence_ms for this long is a recording (Twilio AMD uses
    # a 2.4 s speech threshold); equal to human_max_greeting_ms so no greeting is left between.
    machine_speech_ms: int = Field(3200, ge=500, le=10000)
    # With speech recognition on, the first greeting's words settle what timing cannot:
    # a short greeting that says "you've reached", "leave a message", "press one" is a
    # recording even if a pause follows; a long one that ends "..., Maria speaking" or
    # "how can I help you?" is a person. The words are used only if they are in by the
    # moment timing decides (recognition never delays a decision).
    asr_decide: bool = True
    # ... and then only talking this long without a human_silence_ms pause is a recording
    # whatever it says: a person's longest company answers ("Good afternoon, Westfield
    # Engineering, Maria speaking, how can I help you?") stay under 5 s.
    machine_sure_speech_ms: int = Field(5000, ge=500, le=20000)
    # Talk whose loudest frame stays under this is not yet a recorded greeting: greetings
    # are played near a line's nominal speech level (frames peak around -20 dBFS; the 35
    # recorded greetings of the evaluation set at -19 to -14 at their decision), while the
    # talkers of a busy room, heard from the pick-up before the person says a word, are
    # 15-30 dB under a voice at the phone. Such talk must go on for machine_sure_speech_ms
    # before it is taken for a recording; a louder voice in between starts the greeting
    # again (vad_peak_range_db), and a person's "Hello?" then stands out of the room.
    machine_min_peak_dbfs: float = Field(-35.0, ge=-90.0, le=0.0)
    # Before a decision, the whole greeting so far goes to recognition at a pause this long
    # (longer than a comma's: Whisper reads "Hi," alone badly), so its words are in before
    # human_silence_ms of quiet (1-3 s of speech: 120-250 ms on two cores).
    asr_decide_pause_ms: int = Field(400, ge=40, le=3000)
    # When timing would decide while the greeting's words are still being recognised, wait
    # this much longer for them. They are normally in by then; they are late when the end of
    # the greeting was found only afterwards (noise or music that starts with the words keeps
    # the speech going until the floor steps up, then its end is moved back, see
    # _resegment), which is exactly when "Hello, you've reached ..." reads as a short
    # greeting. 250 ms keeps a person's hand-over well inside 2 s, however late it comes.
    asr_decide_grace_ms: int = Field(250, ge=0, le=1000)
    # A person in a busy room says "Yes?" and waits while the talkers behind them go on: the
    # speech runs past machine_sure_speech_ms, but recognition hears only the person's word
    # or two (the talkers are too far back for it). A greeting whose words, once
    # asr_few_words_min_ms of it are transcribed, number asr_few_words or fewer (a number
    # read out counts digit by digit) is a person's: every machine greeting of dev seeds 3
    # and 7 said at least 5 words in its first 5 s.
    asr_few_words: int = Field(3, ge=0, le=20)
    asr_few_words_min_ms: int = Field(4400, ge=1000, le=20000)
    # ... and up to this many when they are a person's own ("Yes, hello? Anyone there?",
    # "Good afternoon, Riverside Marketing, Tom speaking.") and none a recording's.
    asr_person_words: int = Field(8, ge=0, le=30)
    # Carriers may send 3-7 s of silence before the greeting: wait past that before NotSure.
    no_speech_timeout_ms: int = Field(9000, ge=1000, le=60000)
    # No decision by 15 s of audio: NotSure (stock AMD gives up at 5 s; we wait longer
    # because a late decision on a machine still lets the message start at the beep).
    decision_timeout_ms: int = Field(15000, ge=1000, le=120000)
    # --- cues -----------------------------------------------------------------------------
    # A mailbox without a beep: 1.7 s of quiet after the speech means the greeting is over;
    # beeps come 0.2-1 s after the greeting, so this does not pre-empt a late beep. Home-made
    # greetings hesitate up to 1.5 s between sentences, and the next sentence's speech is
    # known 60-100 ms after it starts: 1.5 s cued one in the middle (report seed 4122026,
    # recognition off), so 200 ms more.
    greeting_end_silence_ms: int = Field(1700, ge=300, le=10000)
    # "Quiet" for that cue is stricter than "not speech": no frame within it may be
    # greeting_end_sound_db over the floor. The end of a greeting over music or hum, or a soft
    # voice on a noisy line, sits only 6-10 dB over the floor: under the speech gate, yet
    # still the greeting. Cueing there started messages seconds before the beep (dev seeds).
    greeting_end_sound_db: float = Field(6.0, ge=1.0, le=40.0)
    # ... and the quiet must outlast the longest pause inside the greeting by this margin
    # (a speaker who paused 1.4 s mid-greeting may pause so again), up to
    # greeting_end_max_silence_ms (a cap on this lengthening only), so a long mid-greeting
    # pause is not read as its end.
    greeting_end_pause_margin_ms: int = Field(600, ge=0, le=10000)
    greeting_end_max_silence_ms: int = Field(3000, ge=300, le=20000)
    # A line that never goes quiet (talkers behind the mailbox's line, street noise: frames
    # keep rising greeting_end_sound_db over the floor) still ends its greeting: after this
    # long with no speech at all (the speech gate), the greeting is over. Longer than any
    # pause inside a greeting, and than the quiet above, so it only acts where that quiet
    # cannot come.
    greeting_end_no_speech_ms: int = Field(4000, ge=300, le=60000)
    # ... where "speech" is within this of the greeting's loudest: the talkers far behind a
    # mailbox's clean recording (30-40 dB under it) cross the speech gate now and then, and
    # would otherwise hold such a greeting open until the call ends. (Quiet itself still
    # counts any sound: a room's echo under a pause is 30 dB down, and is the greeting's.)
    greeting_end_below_peak_db: float = Field(30.0, ge=10.0, le=80.0)
    # With recognition on, a greeting whose words promise a tone ("leave a message after the
    # beep") waits this much quiet for it before its end cues the message: recorded greetings
    # pause up to 1.5 s between sentences, and a soft word's edges lost in line noise make
    # such a pause read 0.3-0.5 s longer.
    greeting_end_tone_promised_ms: int = Field(2500, ge=300, le=20000)
    # Give up waiting for a cue after 60 s of audio (a Timeout event).
    total_timeout_ms: int = Field(60000, ge=2000, le=600000)
    # --- after a person's answer ----------------------------------------------------------
    # A person's answer is watched this long after the decision. A recording that opens like
    # a person ("Hello?", a pause as if listening, "Ha, got you! You've reached Dana ...")
    # cannot be told apart when a person's decision is due; its greeting then goes on and
    # ends in a beep. Such a beep takes the call back for the drop (RecordingAfterAll): the
    # rep need not press drop. 30 s covers the rest of a personal greeting (up to ~15 s of
    # speech), a carrier's tail after it ("At the tone, please record your message. When you
    # are finished, hang up or ...", ~6 s), their pauses and the beep. 0: not watched.
    watch_after_human_ms: int = Field(30000, ge=0, le=120000)
    # ... if this much speech came after the decision: the rest of a greeting, not a
    # person's second "Hello?" (under a second) ...
    watch_min_speech_ms: int = Field(1500, ge=0, le=60000)
    # ... and the beep began within this of the last speech: mailboxes beep 0.2-1 s after
    # the greeting, while a tone on the line in a long quiet (a person listening to the rep)
    # is something else.
    watch_beep_after_speech_ms: int = Field(2000, ge=0, le=20000)
    # A beep that follows the greeting the person was decided on, with nothing said since
    # (the greeting ended, the person's quiet passed, then the mailbox beeped: "Derek
    # Phillips. Leave your name and number after the beep." <1.3 s> beep), takes the call
    # back too, within watch_beep_after_speech_ms of its words; but only after a greeting
    # this long (from its first word to its last), not after a lone "Hello?", the person's
    # answer least like a recording's.
    watch_beep_alone_min_greeting_ms: int = Field(1000, ge=0, le=20000)
    # With recognition on, the speech after the decision that goes on past
    # watch_min_speech_ms is recognised, up to this much of it: a company line that opened
    # like a person ("Thank you for calling Cedar Marketing." <pause> "Our office is
    # currently closed ...") is then known for one by its beep, and skipped rather than
    # dropped on. A cap on what a person talking with the rep costs in recognition.
    watch_words_ms: int = Field(8000, ge=0, le=60000)
    # With recognition on, an answer that went on with no pause longer than this since the
    # person's greeting, to words that ask for a message or say whose line it is and nothing
    # of a person's ("Hi, Robert here." <1 s> "Please leave a message."), is taken back once
    # it goes quiet as a beep-less greeting ends, and dropped on. The person decision itself
    # waits about a second of quiet; a person then speaks again only after the rep has (who
    # is connected at that decision, and takes longer than half a second to say who is
    # calling), or says their hello again. The talkers behind a person in a busy room, which
    # tiny.en may read as any words, never let the line go quiet.
    watch_words_gap_ms: int = Field(1500, ge=0, le=10000)
    # --- beep -----------------------------------------------------------------------------
    beep_min_hz: float = Field(350.0, ge=100.0, le=4000.0)
    beep_max_hz: float = Field(2500.0, ge=100.0, le=7900.0)
    # 80% of the power in one +-50 Hz peak: a tone at 15 dB SNR after mu-law shows ~97%,
    # at 10 dB ~90%, its first (half-filled) window ~83%; a voice's strongest harmonic rarely
    # holds more than 75%; DTMF's two tones split the power about evenly.
    beep_tone_ratio: float = Field(0.8, gt=0.0, lt=1.0)
    # Second harmonic at least 20 dB under the peak: a pure tone (mu-law adds < -30 dB).
    beep_max_harmonic_db: float = Field(-20.0, ge=-80.0, le=0.0)
    # Frequency wander allowed within one tone around its running mean. Interpolated 25 Hz
    # bins put a beep within +-2 Hz frame to frame even in noise; a voice's harmonics glide
    # 5-20 Hz per frame at 800 Hz.
    beep_frequency_tolerance_hz: float = Field(10.0, ge=2.0, le=200.0)
    beep_min_tone_ms: int = Field(60, ge=20, le=1000)
    # Longer tones are not beeps (fax answer tone 2.6-4 s, dial tone).
    beep_max_tone_ms: int = Field(2000, ge=100, le=10000)
    # A beep is at least 12 dB over the line's floor.
    beep_min_snr_db: float = Field(12.0, ge=0.0, le=60.0)
    # A tone has stopped when its frame falls 10 dB under the tone's level.
    beep_end_drop_db: float = Field(10.0, ge=3.0, le=40.0)
    # Wait 100 ms after a tone stops for another tone of the same beep (gaps are 0-80 ms):
    # this is the whole of the beep-to-message latency budget, bar sub-frame rounding.
    beep_confirm_ms: int = Field(100, ge=0, le=1000)
    # Sound within 12 dB of the tone right after it stops: speech or music, not a beep.
    beep_quiet_margin_db: float = Field(12.0, ge=0.0, le=60.0)
    # ... 8 dB after a tone of beep_isolated_below_ms or longer, which no vowel sustains:
    # talkers behind a beep come back 10-13 dB under it, and read as speech at 12 dB.
    beep_long_quiet_margin_db: float = Field(8.0, ge=0.0, le=60.0)
    # A first tone shorter than 150 ms must follow 40 ms within that margin of quiet: on a
    # telephone band (no fundamental) a steady vowel can pass the purity tests for 40-80 ms,
    # but it comes straight out of speech, while a beep follows a pause.
    beep_isolated_below_ms: int = Field(150, ge=0, le=2000)
    # ... and be exact: its best frame holds 95% of the power in the peak (a beep at 15 dB
    # SNR shows 97%, such vowels 85-92%), its frames agree within 4 Hz (beeps +-1.5 Hz) and
    # its purest frame has related partials 25 dB down (beeps after mu-law: 27-30 dB).
    # A short beep in heavy noise may be missed; the end-of-greeting silence then cues late,
    # never early.
    beep_short_tone_ratio: float = Field(0.95, gt=0.0, lt=1.0)
    beep_short_tone_spread_hz: float = Field(4.0, ge=0.5, le=100.0)
    beep_short_tone_harmonic_db: float = Field(-25.0, ge=-80.0, le=0.0)
    # A sounding tone goes on through frames that fail those tests only because background
    # talkers fill the bins where a voice's partials would be: at its pitch within
    # beep_short_tone_spread_hz (a voice glides more), with beep_tone_ratio of the power in
    # the peak, or 70% and partials 10 dB down (a voice's partials are within a few dB of
    # its strongest one). A beep 10-13 dB over babble shows partial bins 12-19 dB down.
    beep_held_ratio: float = Field(0.7, gt=0.0, lt=1.0)
    beep_held_harmonic_db: float = Field(-10.0, ge=-80.0, le=0.0)
    # --- fax ------------------------------------------------------------------------------
    # A fax answers with a 2100 Hz tone for 2.6-4 s (ITU-T T.30 CED); 600 ms of it is enough.
    fax_tone_hz: float = Field(2100.0, ge=300.0, le=3900.0)
    fax_tone_tolerance_hz: float = Field(40.0, ge=5.0, le=300.0)
    fax_min_ms: int = Field(600, ge=100, le=4000)
    # A fax calling tone (CNG, T.30): 1100 Hz for 0.5 s every 3 s. Heard before any speech
    # it is a fax line; a mailbox beep at exactly that pitch and length with no greeting is
    # far rarer than a fax.
    fax_cng_hz: float = Field(1100.0, ge=300.0, le=3900.0)
    fax_cng_min_ms: int = Field(380, ge=50, le=2000)
    fax_cng_max_ms: int = Field(650, ge=50, le=4000)
    # --- speech recognition -----------------------------------------------------------------
    # Transcribe greetings (mailbox state, rep notes). Off: events still come, minus those.
    asr: bool = True
    # Model folder; None = Settings.asr_model_path, else the bundled tiny.en.
    asr_model_path: str | None = None
    # CPU threads per recognition job; 0: every core. The media engine uses 1, leaving the
    # other cores to its event loop.
    asr_cpu_threads: int = Field(0, ge=0, le=64)
    # Hypotheses the decoder keeps (1: greedy). On tiny.en a beam of 5 costs 1.6-1.8x the
    # decoding time of greedy for about the same words on greetings; a larger model may
    # earn a wider beam.
    asr_beam_size: int = Field(1, ge=1, le=10)
    # Text the recogniser reads as what came before each chunk: sentences in the words of
    # greetings make it expect them (tiny.en hears "voice mailbox that has not been set up"
    # on a formant-synthesised voice far more often with it). Empty: no prompt.
    asr_prompt: str = GREETING_PROMPT
    # Before a greeting's words alone make it a machine ("you've reached", "mailbox"), hear
    # the same audio once more without the prompt; a machine only if that reading agrees. The
    # prompt that helps tiny.en hear greeting words also makes it hear them where there are
    # none: "Maria Taylor." came out "I'll read this mailbox.", "Evergreen Logistics, Tina
    # speaking" came out "And we've reached logistics." (dev corpora). No effect without a
    # prompt, or with a transcriber that cannot drop its prompt. Only while the greeting is
    # no longer than human_max_greeting_ms (a longer one is a machine by timing as well).
    asr_recheck_recording: bool = True
    # Recognise in the process's worker thread, so no decision or beep cue ever waits for it
    # (live calls). False: inside ``feed``, for replaying recordings faster than real time
    # (evaluation, ``afterbeep detect``); each result is then released at the audio time it
    # would have been ready given its measured recognition time, so the figures stay honest.
    asr_threaded: bool = True
    # Live calls (threaded) only: words for the human/machine decision that would come back
    # later than this (the work queued ahead of them at the worker's measured rate) are not
    # asked for, and timing decides (load shedding: late words help no one, and a queue that
    # only grows would delay every call). The rep's notes may wait 10x as long.
    asr_max_wait_ms: int = Field(800, ge=50, le=60000)
    # The longest a beep-less greeting's cue waits for its last words; then it goes without.
    # Live calls: a machine's words that could not be back within this are not asked for,
    # and the call goes on as with recognition off (no mailbox reading, no notes).
    asr_cue_max_wait_ms: int = Field(2000, ge=0, le=30000)
    # Transcribe a chunk of a machine greeting at a pause of 200 ms once it holds >= 1.2 s
    # of speech (Whisper needs some context), and whatever is left at a 500 ms pause, so at
    # the greeting's end only its last phrase is still to transcribe.
    asr_pause_ms: int = Field(200, ge=40, le=3000)
    asr_min_chunk_ms: int = Field(1200, ge=200, le=30000)
    asr_final_pause_ms: int = Field(500, ge=100, le=5000)
    # A greeting read without pauses is cut at any 40 ms gap once 4 s are pending, so the
    # last piece (transcribed when the greeting ends, delaying the cue) stays short.
    asr_max_chunk_ms: int = Field(4000, ge=500, le=30000)
    # Once 6 s of a greeting are read with no full / not set up / menu phrase, the cue does
    # not wait for the last phrase (those greetings say so in their first sentences); the
    # rest is transcribed after the cue for the notes.
    asr_settled_ms: int = Field(6000, ge=0, le=60000)
    # A greeting up to this long is transcribed again from its start with each new phrase
    # (10 s: 300-400 ms on two cores), not phrase by phrase: Whisper drops and garbles words
    # at a chunk's edges, and full / not-set-up messages fit in 10 s.
    asr_whole_max_ms: int = Field(10000, ge=0, le=30000)
    # Audio kept for transcription per call (from the greeting's start).
    asr_max_audio_ms: int = Field(30000, ge=2000, le=120000)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            first = error.errors()[0]
            name = ".".join(str(part) for part in first["loc"]) or "settings"
            raise ConfigError(f"detector setting {name!r}: {first['msg']}") from error

    @model_validator(mode="after")
    def _consistent(self) -> DetectorSettings:
        if self.beep_min_hz >= self.beep_max_hz:
            raise ValueError("beep_min_hz must be below beep_max_hz")
        if self.human_max_greeting_ms > self.machine_speech_ms:
            raise ValueError("human_max_greeting_ms must not exceed machine_speech_ms")
        if self.machine_speech_ms > self.machine_sure_speech_ms:
            raise ValueError("machine_speech_ms must not exceed machine_sure_speech_ms")
        if self.beep_min_tone_ms > self.beep_max_tone_ms:
            raise ValueError("beep_min_tone_ms must not exceed beep_max_tone_ms")
        if self.asr_pause_ms > self.asr_final_pause_ms:
            raise ValueError("asr_pause_ms must not exceed asr_final_pause_ms")
        return self

    @classmethod
    def from_config(cls, table: dict[str, Any] | None = None, **overrides: Any) -> DetectorSettings:
        """Settings from the ``[detect]`` table of afterbeep.toml (or ``table`` if given),
        with ``overrides`` (e.g. a command-line ``--no-asr``) on top."""
        if table is None:
            from afterbeep.settings import read_config_file

            table = dict(read_config_file().get("detect", {}))
        return cls(**{**table, **overrides})

    def whisper_transcriber(self) -> WhisperTranscriber:
        """The Whisper transcriber these settings name (model path, prompt, CPU threads)."""
        return WhisperTranscriber(
            self.asr_model_path,
            prompt=self.asr_prompt or None,
            cpu_threads=self.asr_cpu_threads,
            beam_size=self.asr_beam_size,
        )

    def beep_config(self) -> BeepConfig:
        return BeepConfig(
            min_hz=self.beep_min_hz,
            max_hz=self.beep_max_hz,
            tone_ratio=self.beep_tone_ratio,
            max_harmonic_db=self.beep_max_harmonic_db,
            frequency_tolerance_hz=self.beep_frequency_tolerance_hz,
            min_tone_ms=self.beep_min_tone_ms,
            max_tone_ms=self.beep_max_tone_ms,
            min_snr_db=self.beep_min_snr_db,
            end_drop_db=self.beep_end_drop_db,
            confirm_ms=self.beep_confirm_ms,
            quiet_margin_db=self.beep_quiet_margin_db,
            isolated_below_ms=self.beep_isolated_below_ms,
            short_tone_ratio=self.beep_short_tone_ratio,
            short_tone_spread_hz=self.beep_short_tone_spread_hz,
            short_tone_harmonic_db=self.beep_short_tone_harmonic_db,
            held_ratio=self.beep_held_ratio,
            held_harmonic_db=self.beep_held_harmonic_db,
            long_quiet_margin_db=self.beep_long_quiet_margin_db,
        )


# A machine's words refused by a busy recognition worker are asked for again this much later.
SHED_RETRY_MS = 500
# A few-words reading holds only if a transcript reaching this much further says the same.
FEW_WORDS_CONFIRM_MS = 300
# Speech this long after the last word heard is heard again on its own (_hear_the_rest).
REST_MIN_MS = 600
# Readings of at least this many words are kept when a later one leaves out their opening.
SKIP_MIN_WORDS = 6


# Mailbox states that take no message (their events end the call without a drop).
NO_DROP_STATES = (MailboxState.FULL, MailboxState.NOT_SET_UP, MailboxState.GENERAL)


def _frames(ms: int) -> int:
    return max(1, -(-ms // FRAME_MS))


class _WordsRead:
    """What one text of a greeting's words says, each reading made once and only if asked:
    the phrase tables' patterns cost 0.1-0.2 ms a reading, and the end of a beep-less
    greeting asks every frame, for each call waiting on it."""

    __slots__ = ("_carrier", "_over", "_owner", "_state", "_tone", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._state: MailboxState | None = None
        self._over: bool | None = None
        self._tone: bool | None = None
        self._owner: bool | None = None
        self._carrier: bool | None = None

    @property
    def opens_like_a_carrier(self) -> bool:
        if self._carrier is None:
            self._carrier = opens_like_a_carrier(self.text, state=self.state)
        return self._carrier

    @property
    def state(self) -> MailboxState:
        if self._state is None:
            self._state = classify_mailbox(self.text)
        return self._state

    @property
    def sounds_over(self) -> bool:
        if self._over is None:
            self._over = greeting_sounds_over(self.text)
        return self._over

    @property
    def promises_tone(self) -> bool:
        if self._tone is None:
            self._tone = promises_tone(self.text)
        return self._tone

    @property
    def owner_speaks(self) -> bool:
        if self._owner is None:
            self._owner = owner_speaks(self.text)
        return self._owner


class _CallState:
    """One call's detection state machine (plain Python, a few attribute updates per frame)."""

    def __init__(
        self,
        settings: DetectorSettings,
        *,
        sample_rate: int,
        transcriber: Transcriber | None,
        beep_config: BeepConfig,
        machine_known: bool = False,
        watching: bool = False,
        checker: Transcriber | None = None,
        reader: Transcriber | None = None,
    ) -> None:
        s = settings
        self.s = s
        self.sample_rate = sample_rate
        # A call already known to have reached a machine (a rep heard one and asked for the
        # drop) only waits for its cue; its greeting was heard, so nothing is recognised.
        # Nor is a person's answer watched on a copy of the call (``watching``).
        if machine_known or watching:
            transcriber = None
        self.transcriber = transcriber
        # The second opinion on words that say a recording (see asr_recheck_recording): the
        # job in flight and the text it was asked for.
        self.checker = checker if transcriber is not None else None
        # Words for a machine's mailbox reading only (no word times): see _submit.
        self.reader = reader if transcriber is not None else None
        self.check_job: AsrJob | None = None
        self.check_text: str | None = None
        # Hearing the greeting again when its words stopped mid-sentence (see
        # _submit_for_decision): the job, the words it is to go beyond, and the speech end it
        # was sent after (once per pause).
        self.relisten_job: AsrJob | None = None
        self.relisten_words = 0
        self.relistened_after = -1
        # Hearing the rest of a greeting whose words stopped short of its speech (see
        # _hear_the_rest): the job, the word end it was sent from (once each) and its text.
        self.rest_job: AsrJob | None = None
        self.rest_from = -1
        self.rest_text = ""
        self.vad = NoiseFloorVad(
            window_frames=_frames(s.noise_floor_window_ms),
            short_window_frames=_frames(s.noise_floor_step_window_ms),
            step_db=s.noise_floor_step_db,
            steady_db=s.noise_floor_steady_db,
            snr_db=s.vad_snr_db,
            min_speech_db=s.vad_min_speech_dbfs,
            floor_clamp_db=s.noise_floor_clamp_dbfs,
        )
        self.beep = BeepTracker(beep_config, sample_rate=sample_rate)
        self.min_speech_frames = _frames(s.min_speech_ms)
        self.now = 0
        self.done = False
        self.decision: str | None = None
        self.cue_emitted = False
        self.no_drop_emitted = False
        self.busy_until = 0  # audio time at which recognition waited for at hang-up was ready
        self.speech_run = 0
        self.in_speech = False
        self.speech_peak_db = -200.0
        self.loud_now = False
        # End of the last frame with any sound over the floor (see greeting_end_sound_db) and
        # the longest pause between utterances of the greeting so far.
        self.last_sound_ms = 0
        self.longest_pause_ms = 0
        # End of the last speech within greeting_end_below_peak_db of the greeting's peak.
        self.last_voice_ms = 0
        # Recent frame energies, to re-read them when the floor steps up (see _resegment).
        self.recent: deque[float] = deque(maxlen=_frames(s.noise_floor_step_window_ms) + 20)
        self.greeting_start: int | None = None
        self.last_speech_end = 0
        self.utterance_start = 0
        self.peak_before_run = -200.0  # the loudest speech before the current run began
        # The room's loudest frame before the voice plus room_margin_db (see room_step_db).
        self.room_db: float | None = None
        # Where the first transcript of a long greeting with few words ended (_few_words_heard).
        self.few_words_until: int | None = None
        # Speech recognition state.
        self.audio: list[NDArray[np.int16]] | None = [] if transcriber is not None else None
        self.audio_start_ms = 0
        self.max_audio_frames = _frames(s.asr_max_audio_ms)
        self.transcribed_until = 0
        # Audio time the greeting's words have been read up to, from its start without a gap.
        self.read_until = 0
        self.speech_ms_total = 0
        self.transcripts: list[tuple[int, Transcript]] = []
        self.words_read = _WordsRead("")  # the last reading of the transcripts' text
        # What the transcripts say about who answered (read when they change, not per frame).
        self.heard: AnswerWords | None = None
        self.jobs: deque[AsrJob] = deque()  # sent to recognition, results not yet read
        self.asr_free_at = 0  # audio time this call's last job was (would have been) ready
        # After the cue (or a person's answer): only reading the outstanding transcripts.
        self.draining = False
        self.transcribed_ms = 0
        self.words_decide = transcriber is not None and s.asr_decide
        # What recognition was given up for (see _can_hear), and the reports not yet emitted:
        # (stage, the worker's expected wait then).
        self.shed_stages: set[str] = set()
        self.shed_reports: list[tuple[str, float]] = []
        # A machine's words refused at audio time shed_at (None: the last send went out):
        # asked for again from SHED_RETRY_MS later, as a busy worker may have caught up.
        self.shed_at: int | None = None
        self.cue_wait_since: int | None = None  # when a beep-less cue began waiting for words
        self._heard_answer: tuple[str, AnswerWords] | None = None  # see _end_words
        # A person's answer, watched for a greeting that goes on (see watch_after_human_ms):
        # when it was decided, the speech and its end then, and whether the notes are out.
        self.human_at: int | None = None
        self.human_speech_ms = 0
        self.human_end_ms = 0
        self.human_notes_sent = False
        self.watch_text_read = ""  # the words last read for a menu while watched
        self.pause_after_hello_ms = 0  # the longest pause in the speech after it
        self.watch_tail_sent = False  # its last phrase, past watch_words_ms, was sent
        self.beep_heard = False  # the cue was a beep: a message would be recorded
        # Decided a machine on timing alone (no words, no beep): words may yet say a person.
        self.timing_machine = False
        if machine_known:
            # Joined mid-greeting or after it: the greeting counts from the first frame, so a
            # line already quiet (the beep gone by, the mailbox recording) cues once
            # greeting_end_silence_ms of it has passed, and speech, or a beep, waits as usual.
            self.decision = "machine"
            self.greeting_start = 0
        elif watching:
            # A copy of a call handed to the rep as a person (a carrier's one-way fork of its
            # audio): from its first frame, watched as a person's answer is after the
            # decision (watch_after_human_ms), its notes already out with the first stream.
            self.decision = "human"
            self.human_at = 0
            self.human_notes_sent = True

    # -- per frame -----------------------------------------------------------------------
    def step(
        self,
        frames: NDArray[np.int16],
        stream: int,
        analyzer: FrameAnalyzer,
        energy_db: float,
        ratio: float,
        hz: float,
        harmonic_db: float,
    ) -> list[DetectionEvent]:
        events = self._step(frames, stream, analyzer, energy_db, ratio, hz, harmonic_db)
        if self.shed_reports:
            self._report_shed(events)
        return events

    def _report_shed(self, events: list[DetectionEvent]) -> None:
        events[:0] = [
            self._emit(RecognitionShed, self.now, stage=stage, expected_wait_ms=round(wait))
            for stage, wait in self.shed_reports
        ]
        self.shed_reports.clear()

    def _step(
        self,
        frames: NDArray[np.int16],
        stream: int,
        analyzer: FrameAnalyzer,
        energy_db: float,
        ratio: float,
        hz: float,
        harmonic_db: float,
    ) -> list[DetectionEvent]:
        self.now += FRAME_MS
        if self.done:
            return []
        now = self.now
        events: list[DetectionEvent] = []
        beep = self.beep.update(
            now, energy_db, ratio, hz, harmonic_db, self.vad.floor_db, analyzer, stream
        )
        # A tone is neither speech nor background: it must not lift the floor either.
        tone = self.beep.tone_active
        if tone:
            loud = False
            self.recent.append(-200.0)
        else:
            floor_before = self.vad.floor_db
            loud = self.vad.update(energy_db)
            self.recent.append(energy_db)
            if self.vad.floor_db - floor_before >= self.s.noise_floor_step_db / 2:
                self._resegment()
        self.loud_now = loud
        if tone or energy_db >= self.vad.floor_db + self.s.greeting_end_sound_db:
            self.last_sound_ms = now
        if (
            loud
            and self.decision is None
            and (
                energy_db < self.speech_peak_db - self.s.vad_peak_range_db
                or (self.room_db is not None and energy_db <= self.room_db)
            )
        ):
            # Only for the human/machine decision: once a machine is known, anything loud
            # means the greeting (or a tone we did not recognise) is still going.
            loud = False
        if self.audio is not None:
            self._keep_audio(frames[stream])
        self._track_speech(loud, energy_db)
        if self.in_speech and energy_db >= self.speech_peak_db - self.s.greeting_end_below_peak_db:
            self.last_voice_ms = now
        if self.decision is None and self.words_decide:
            self._submit_for_decision()
        if self.jobs:
            events.extend(self._collect())
        if self.draining:
            if not self.jobs:
                events.extend(self._after_words())
                self.done = True
            return events

        if self.decision is None:
            self._decide(beep, events)
            if self.decision == "machine" and self.transcriber is not None:
                # Words heard before the decision may already say full / not set up / menu.
                events.extend(self._classify())
        if self.decision == "machine":
            self._machine_cues(beep, events)
        elif self.decision == "human":
            if self.human_at is None:
                self.human_at = now
                self.human_speech_ms = self.speech_ms_total
                self.human_end_ms = self.last_speech_end
                # The name as spoken, for the rep: recognised while the call goes on.
                if self.transcriber is not None and (
                    self.transcribed_until < self.last_speech_end + 100
                ):
                    # Speech since the last whole-greeting job (or none sent yet).
                    self._drop_jobs()
                    self._submit_whole()
            if self.s.watch_after_human_ms > 0:
                self._watch_the_person(beep, events)
            elif self.transcriber is not None:
                self.draining = True
            else:
                self.done = True
        elif self.decision is not None:
            self.done = True
        return events

    def _resegment(self) -> None:
        """The floor stepped up: re-read the recent frames against it.

        Noise that starts with the far end's first words reads as speech until the floor
        follows it; without this, a "Hello?" plus that noise looks like a long greeting.
        A greeting that began before the kept frames keeps its start, and only its end is
        re-read: the noise after "Good morning!" must not delay the person's hand-over.
        """
        if self.decision is not None or self.greeting_start is None:
            return
        window_start = self.now - len(self.recent) * FRAME_MS
        older = self.greeting_start < window_start
        threshold = max(self.vad.floor_db + self.s.vad_snr_db, self.s.vad_min_speech_dbfs)
        run = 0
        first: int | None = None
        last_end = 0
        total = 0
        for index, energy in enumerate(self.recent):
            if energy >= threshold:
                run += 1
                if run == self.min_speech_frames:
                    end = window_start + (index + 1) * FRAME_MS
                    if first is None:
                        first = end - run * FRAME_MS
                    total += run * FRAME_MS
                elif run > self.min_speech_frames:
                    total += FRAME_MS
                if run >= self.min_speech_frames:
                    last_end = window_start + (index + 1) * FRAME_MS
            else:
                run = 0
        self.speech_run = run
        self.in_speech = run >= self.min_speech_frames
        if older:
            # Only ever earlier: the running reading already left out background talkers
            # (vad_peak_range_db), which this one cannot. No speech among the kept frames:
            # it ended before them, at the latest.
            end = last_end if first is not None else window_start
            self.last_speech_end = min(self.last_speech_end, end)
            return
        # What was sent for the old reading of the greeting is sent again from its new start.
        self._drop_jobs()
        self._forget_words()
        self.few_words_until = None
        if first is None:
            self.greeting_start = None
            self.speech_ms_total = 0
            self.speech_peak_db = -200.0
            self.room_db = None
            return
        self.greeting_start = first
        self.last_speech_end = last_end
        self.speech_ms_total = total
        self.audio_start_ms = max(0, first - 200)
        self.transcribed_until = self.audio_start_ms

    def _track_speech(self, speech: bool, energy_db: float) -> None:
        now = self.now
        if speech:
            if self.speech_run == 0:
                self.peak_before_run = self.speech_peak_db
            if energy_db > self.speech_peak_db:
                self.speech_peak_db = energy_db
            self.speech_run += 1
            if not self.in_speech and self.speech_run >= self.min_speech_frames:
                self.in_speech = True
                self.utterance_start = now - self.speech_run * FRAME_MS
                if self.greeting_start is not None and self.speech_ms_total > 0:
                    pause = self.utterance_start - self.last_speech_end
                    if pause > self.longest_pause_ms:
                        self.longest_pause_ms = pause
                    if self.human_at is not None and pause > self.pause_after_hello_ms:
                        self.pause_after_hello_ms = pause
                if self.greeting_start is None:
                    self.greeting_start = self.utterance_start
                    self.audio_start_ms = max(0, self.greeting_start - 200)
                    self.transcribed_until = self.audio_start_ms
                self.speech_ms_total += self.speech_run * FRAME_MS
            elif self.in_speech:
                self.speech_ms_total += FRAME_MS
            if self.in_speech:
                self.last_speech_end = now
                if (
                    self.decision is None
                    and self.greeting_start is not None
                    and self.utterance_start > self.greeting_start
                ):
                    self._leave_the_room_behind()
        else:
            self.speech_run = 0
            self.in_speech = False

    def _leave_the_room_behind(self) -> None:
        """Start the greeting again at the current utterance when it is so much louder than
        all of the greeting before it that what came before was background:
        ``vad_peak_range_db`` over it, or ``room_step_db`` over at least ``room_min_ms`` of
        it. In the second case that talk's loudest frame is the room's level (``room_db``),
        and until the decision a frame no louder than it is not speech."""
        s = self.s
        step = self.speech_peak_db - self.peak_before_run
        if step < s.vad_peak_range_db:
            before_ms = self.speech_ms_total - (self.now - self.utterance_start)
            if step < s.room_step_db or before_ms < s.room_min_ms:
                return
            self.room_db = self.peak_before_run + s.room_margin_db
        self._restart_greeting(self.utterance_start)

    def _restart_greeting(self, start: int) -> None:
        """Speech this much louder than all before it: what came before was background.

        Someone picks up in a busy room and says nothing for a second or two; the talkers
        behind them read as speech until the first loud word sets the greeting's level
        (``vad_peak_range_db``). Had they come after that word they would have been left out,
        so they are left out here too: the greeting starts again at this utterance, and what
        was sent to recognition for the old reading is forgotten.
        """
        self._drop_jobs()
        self._forget_words()
        self.few_words_until = None
        self.greeting_start = start
        self.longest_pause_ms = 0
        self.speech_ms_total = self.now - start
        self.audio_start_ms = max(0, start - 200)
        self.transcribed_until = self.audio_start_ms

    def _emit(self, cls: type[DetectionEvent], at_ms: int, **fields: Any) -> DetectionEvent:
        emitted = max(self.now, self.busy_until)
        return cls(at_ms=min(at_ms, emitted), emitted_ms=emitted, **fields)

    def _decide(self, beep: Beep | None, events: list[DetectionEvent]) -> None:
        s = self.s
        now = self.now
        if beep is not None:
            tone_start = beep.end_ms - beep.duration_ms
            if (
                # No speech before the tone (line noise that starts with it reads as speech
                # until the floor follows, by which time the tone is over).
                (self.greeting_start is None or self.greeting_start >= tone_start)
                and abs(beep.frequency_hz - s.fax_cng_hz) <= s.fax_tone_tolerance_hz
                and beep.tones == 1
                and s.fax_cng_min_ms <= beep.duration_ms <= s.fax_cng_max_ms
            ):
                # A lone half-second 1100 Hz tone before anyone spoke: a calling fax (CNG).
                self.decision = "fax"
                events.append(self._emit(FaxDetected, tone_start))
                return
            self.decision = "machine"
            events.append(self._emit(MachineDetected, beep.end_ms, reason="beep"))
            return
        tone = self.beep
        if (
            tone.tone_active
            and tone.tone_ms >= s.fax_min_ms
            and abs(tone.tone_hz - s.fax_tone_hz) <= s.fax_tone_tolerance_hz
        ):
            self.decision = "fax"
            events.append(self._emit(FaxDetected, now - tone.tone_ms))
            return
        if self.greeting_start is None:
            if now >= s.no_speech_timeout_ms:
                self.decision = "not_sure"
                events.append(self._emit(NotSure, now, reason="no speech"))
            return
        span = (now if self.in_speech else self.last_speech_end) - self.greeting_start
        words = self.heard
        if words is not None and words.recording and not words.person and self._recording_stands():
            self.decision = "machine"
            events.append(self._emit(MachineDetected, now, reason="words of a recording"))
            return
        if span >= s.machine_speech_ms and self.words_decide:
            # Only words can still make this a person: give up on them if they cannot come.
            self._can_hear(PRIORITY_DECISION, span)
        # A tone sounding, or one just over that may yet be confirmed as a beep, is the
        # machine's cue coming: no person is decided on until the tracker has settled it (a
        # beep straight after "... after the tone." fell in the person's silence, and the
        # call went to the rep with its beep heard 150 ms later).
        tone_pending = self.beep.busy
        if self.words_decide and not tone_pending and self._few_words_heard():
            self.decision = "human"
            events.append(self._emit(HumanDetected, self._last_word_end(), reason="few words"))
            return
        long_speech = s.machine_sure_speech_ms if self.words_decide else s.machine_speech_ms
        if self._quiet_so_far():
            long_speech = max(long_speech, s.machine_sure_speech_ms)
        if span >= long_speech:
            if self._words_on_their_way(self.greeting_start + long_speech):
                return
            self.decision = "machine"
            self.timing_machine = True
            events.append(self._emit(MachineDetected, now, reason="long greeting"))
            return
        if (
            not self.in_speech
            and self.speech_run == 0
            and not tone_pending
            and now - self.last_speech_end >= s.human_silence_ms
        ):
            # Not while speech may be starting again (a loud frame or two, not yet an
            # utterance): a machine's next sentence, or a click, tells within min_speech_ms.
            if self._words_on_their_way(self.last_speech_end + s.human_silence_ms):
                return
            if (
                self.check_job is not None
                and words is not None
                and words.recording
                and not words.person
            ):
                # The second opinion would come too late (the words themselves were late: a
                # greeting's end found only afterwards, in music): the words go as heard.
                self.decision = "machine"
                events.append(self._emit(MachineDetected, now, reason="words of a recording"))
            elif (
                span <= s.human_max_greeting_ms
                and words is not None
                and words.signs_off
                and self._words_cover_speech()
            ):
                # Over, and it ended on "Thanks for calling.": a recording's sign-off.
                self.decision = "machine"
                events.append(self._emit(MachineDetected, now, reason="words of a recording"))
            elif span <= s.human_max_greeting_ms:
                self.decision = "human"
                events.append(
                    self._emit(HumanDetected, self.last_speech_end, reason="short greeting")
                )
            elif words is not None and words.person and self._words_cover_speech():
                self.decision = "human"
                events.append(
                    self._emit(HumanDetected, self.last_speech_end, reason="words of a person")
                )
            elif (
                words is not None
                and not words.recording
                and self._words_cover_speech()
                and spoken_words(self._full_text()) <= s.asr_few_words
            ):
                # Too long for a person by timing, but all its words are a person's "Hello?":
                # the rest was the talkers behind them (see asr_few_words).
                self.decision = "human"
                events.append(self._emit(HumanDetected, self._last_word_end(), reason="few words"))
            else:
                self.decision = "machine"
                self.timing_machine = True
                events.append(
                    self._emit(MachineDetected, now, reason="greeting too long for a person")
                )
            return
        if now >= s.decision_timeout_ms:
            self.decision = "not_sure"
            events.append(self._emit(NotSure, now, reason="no decision in time"))

    def _machine_cues(self, beep: Beep | None, events: list[DetectionEvent]) -> None:
        s = self.s
        now = self.now
        if self.in_speech:
            self.cue_wait_since = None  # more speech: the greeting had not ended
        self._submit_at_pauses()
        cue: DetectionEvent | None = None
        if beep is not None:
            self.beep_heard = True
            # A beep ends any wait for words: the message starts now. A no-drop phrase whose
            # transcript is still on its way is reported after the cue (the media engine
            # can still stop the message). A company line already known from the words so
            # far ("Our office is currently closed.") was held back only for the key that
            # reaches a person: it is reported now, with the key if heard.
            if self.transcriber is not None:
                events.extend(self._classify(final=True))
            cue = self._emit(
                BeepEnded,
                beep.end_ms,
                frequency_hz=beep.frequency_hz,
                duration_ms=beep.duration_ms,
                words_heard=bool(self.transcripts),
            )
        elif self._person_after_timing():
            # A person's long answer ("Trident Law Group, Kim speaking, how can I help
            # you?") taken for a recording by its length, its words read too late for the
            # decision (under load, or the call past asr_max_calls): to the rep as soon as
            # its words are in, not at a recording's greeting end.
            cue = self._emit(
                GreetingEnded,
                self.last_speech_end,
                words_read=self._read_to_end(),
                words_say_person=True,
                words_heard=True,
            )
        elif (
            self.greeting_start is not None
            and not self.in_speech
            and not self.loud_now
            and not self.beep.busy
            and (
                now - max(self.last_speech_end, self.last_sound_ms) >= self._greeting_end_wait()
                or self._no_speech_for_long()
            )
        ):
            if self.transcriber is not None and (
                self.cue_wait_since is not None or self._cue_must_wait_for_words(read=True)
            ):
                # Beep-less greetings are where full, not-set-up and menu mailboxes are: wait
                # for the last phrase's words (a beep or more speech meanwhile ends the wait),
                # at most asr_cue_max_wait_ms.
                # Those words decide now between a message and none: they are as urgent as
                # a decision's, queued or still to send, and may be asked for once more
                # though refused lately (_can_hear).
                if self.cue_wait_since is None:
                    self.cue_wait_since = now
                    for job in self.jobs:
                        job.promote(PRIORITY_DECISION)
                self._submit_pending()
                if self.jobs and now - self.cue_wait_since < s.asr_cue_max_wait_ms:
                    return
                events.extend(self._classify(final=True))
            if self._words_leave_greeting_open():
                return
            read = self._read_to_end()
            person = read and self._words_say_person()
            cue = self._emit(
                GreetingEnded,
                self.last_voice_ms,
                # Read to its end, its words must say a recording (or a person) to count:
                # noise behind a person read as words ("Hello, I'm going to go.") is not a
                # mailbox's greeting, and a message needs one.
                words_read=(read and (person or self._end_words().recording)) or self._owner_read(),
                words_say_person=person,
                words_heard=bool(self.transcripts),
            )
        elif now >= s.total_timeout_ms:
            events.append(self._emit(Timeout, now, stage="cue"))
            self.done = True
            return
        if cue is None:
            return
        events.append(cue)
        if self.transcriber is not None:
            # The rest is recognised after the cue: a late no-drop phrase and the rep's notes.
            # Neither is worth another call's cue, so the words still queued, and the last
            # phrase's, go behind every call still waiting on words for its own.
            self.draining = True
            for job in self.jobs:
                job.demote(PRIORITY_NOTES)
            self._submit_pending()
            if self.jobs:
                return
            events.extend(self._after_words())
        self.done = True

    def _person_after_timing(self) -> bool:
        """A machine by timing alone whose words read so far carry a person's mark that a
        reading cut short cannot fake ("Kim speaking", "how can I help") and nothing of a
        recording's. Neither the rest of its words nor quiet is waited for: a recording that
        answers like a person is rare (the rep who hears one can still drop the message),
        and the talkers behind a person in a busy room keep the line from ever going quiet.
        Not while a tone sounds (a beep may be on its way)."""
        if (
            not self.timing_machine
            or self.transcriber is None
            or not self.transcripts
            or self.beep.busy
        ):
            return False
        heard = self._end_words()
        return heard.person_anywhere and not heard.recording

    def _submit_at_pauses(self) -> None:
        """Send the speech not yet recognised at its pauses: one chunk in flight per call
        (the next one, often the greeting again whole, goes when it is back)."""
        if self.transcriber is None or self.in_speech or self.jobs:
            return
        s = self.s
        pause = self.now - self.last_speech_end
        pending = self.last_speech_end - self.transcribed_until
        if pending > 0 and (
            (pause >= s.asr_pause_ms and pending >= s.asr_min_chunk_ms)
            or (pause >= 2 * FRAME_MS and pending >= s.asr_max_chunk_ms)
            or pause >= s.asr_final_pause_ms
        ):
            self._submit_pending()

    def _watch_the_person(self, beep: Beep | None, events: list[DetectionEvent]) -> None:
        """After a person's answer: the notes once their words are in, and a beep that ends
        a greeting which went on takes the call back for the drop (watch_after_human_ms).
        Such a greeting's words are recognised as it goes on (``watch_words_ms`` of them), so
        the beep that takes it back finds a company line or a full mailbox already known."""
        s = self.s
        assert self.human_at is not None
        if self.transcriber is not None and not self.jobs and not self.human_notes_sent:
            events.extend(self._after_words())
        went_on = self.speech_ms_total - self.human_speech_ms >= s.watch_min_speech_ms
        if (
            went_on
            and self.human_notes_sent
            and self.transcribed_until - self.human_end_ms < s.watch_words_ms
        ):
            self._submit_at_pauses()
        if (
            went_on
            and self.human_notes_sent
            and not self.jobs
            and self.transcribed_until > self.human_end_ms + 100
            and self._words_offer_a_menu()
        ):
            # A company's menu that opened like a person ("Thank you for calling Lakeside
            # Marketing." <pause> "If you know your party's extension ..."): taken back from
            # the rep, and not dropped on.
            self.decision = "machine"
            events.append(
                self._emit(RecordingAfterAll, self.last_speech_end, reason="its words are a menu's")
            )
            events.extend(self._classify(final=True))
            events.extend(self._notes("machine"))
            self.done = True
            return
        if beep is None and went_on and self._went_on_as_a_recording_does():
            if self._words_ask_for_a_message():
                # Its cue as a machine's: the greeting's end now, or the tone its words
                # promise, or more of its words.
                self._take_back(events, self.last_speech_end, "its words are a recording's")
                events.extend(self._classify(final=True))
                self._machine_cues(None, events)
                return
            self._read_the_last_phrase()
        if (
            beep is not None
            and (went_on or self._beep_ends_the_greeting(beep))
            and beep.end_ms - beep.duration_ms - self.last_speech_end
            <= s.watch_beep_after_speech_ms
        ):
            reason = "the greeting went on to a beep" if went_on else "a beep ended the greeting"
            self._take_back(events, beep.end_ms, reason)
            self._machine_cues(beep, events)
            return
        if self.now - self.human_at >= s.watch_after_human_ms:
            if self.jobs:
                self.draining = True
            else:
                events.extend(self._after_words())
                self.done = True

    def _take_back(self, events: list[DetectionEvent], at_ms: int, reason: str) -> None:
        """A recording after all: heard from here as a machine, its cue still to come (the
        rest of its words are read for the mailbox and the notes, not the rep's)."""
        self.decision = "machine"
        events.append(self._emit(RecordingAfterAll, at_ms, reason=reason))
        self.human_notes_sent = True

    def _went_on_as_a_recording_does(self) -> bool:
        """The answer handed over went on with no pause over ``watch_words_gap_ms`` since the
        person's greeting, the words sent of it are all in, and the line is now as quiet as
        at a beep-less greeting's end."""
        return (
            self.transcriber is not None
            and not self.jobs
            and self.human_notes_sent
            and self.transcribed_until > self.human_end_ms + 100
            and self.pause_after_hello_ms <= self.s.watch_words_gap_ms
            and not self.in_speech
            and not self.loud_now
            and not self.beep.busy
            and self.now - max(self.last_speech_end, self.last_sound_ms)
            >= self._greeting_end_wait()
        )

    def _words_ask_for_a_message(self) -> bool:
        """The words heard ask for a message or say whose line it is (``asks_for_a_message``)
        and say nothing of a person's."""
        return asks_for_a_message(self._heard_text()) and not self._end_words().person

    def _read_the_last_phrase(self) -> None:
        """Once, the end of an answer that went on past ``watch_words_ms`` (its words were
        not sent): a greeting asks for its message last ("... Please leave your name and
        number and I'll return your call.")."""
        if self.watch_tail_sent or self.transcribed_until >= self.last_speech_end:
            return
        self.watch_tail_sent = True
        start = max(self.transcribed_until, self.last_speech_end - self.s.asr_max_chunk_ms)
        if self._submit(start, self.last_speech_end + 100) is not None:
            self.transcribed_until = self.last_speech_end + 100

    def _quiet_so_far(self) -> bool:
        """The greeting has been quieter than any recording (``machine_min_peak_dbfs``): all
        of it, or all before the utterance now going on, which may be a person's voice rising
        out of their room (it starts the greeting again once ``vad_peak_range_db`` over it)."""
        floor = self.s.machine_min_peak_dbfs
        if self.speech_peak_db < floor:
            return True
        assert self.greeting_start is not None
        return (
            self.speech_run > 0
            and self.utterance_start > self.greeting_start
            and self.peak_before_run < floor
        )

    def _beep_ends_the_greeting(self, beep: Beep) -> bool:
        """The beep follows the very greeting the person was decided on (no speech since, the
        tone after its words) and that greeting was longer than a lone "Hello?" (see
        ``watch_beep_alone_min_greeting_ms``)."""
        assert self.greeting_start is not None
        return (
            self.last_speech_end == self.human_end_ms
            and beep.end_ms - beep.duration_ms >= self.human_end_ms
            and self.human_end_ms - self.greeting_start >= self.s.watch_beep_alone_min_greeting_ms
        )

    def _words_offer_a_menu(self) -> bool:
        """Whether the words so far offer a company's menu (read once per new transcript)."""
        text = self._full_text()
        if text == self.watch_text_read:
            return False
        self.watch_text_read = text
        return offers_a_menu(text) and self._words_read().state in NO_DROP_STATES

    def _submit_for_decision(self) -> None:
        """Before a decision: at each pause of ``asr_decide_pause_ms`` with new speech, send
        the whole greeting so far to recognition (one job at a time), so its words are in by
        the time timing alone would decide. Whole, because Whisper hears "Hi," or "this is"
        alone badly; a greeting before its decision is at most a few seconds."""
        if self.greeting_start is None or self.jobs:
            return
        if self.in_speech:
            # Talking on with no pause to send it at: once, enough of it for the few-words
            # reading before machine_sure_speech_ms, unless more words than that are in.
            if (
                self.transcribed_until - self.greeting_start < self.s.asr_few_words_min_ms
                and self.now - self.greeting_start >= self.s.asr_few_words_min_ms
                and spoken_words(self._full_text()) <= self.s.asr_few_words
            ) or (
                self.few_words_until is not None
                and self.now >= self.few_words_until + FEW_WORDS_CONFIRM_MS
            ):
                self._submit_whole()
            return
        if self.now - self.last_speech_end < self.s.asr_decide_pause_ms:
            return
        if self.last_speech_end > self.transcribed_until:
            self._submit_whole()
        elif (
            self.relistened_after != self.last_speech_end
            and self.transcripts
            and self.transcripts[0][0] <= self.audio_start_ms
            and trails_off(self._full_text())
        ):
            # The words stop mid-sentence ("..., this is Derek Mitchell with"): in noise the
            # level detector can lose the rest of a recording's sentence. Hear the greeting
            # again up to now; words beyond the pause say the speech went on (_collect).
            assert self.transcriber is not None
            self.relistened_after = self.last_speech_end
            self.relisten_words = spoken_words(self._full_text())
            self.relisten_job = self._send(
                self.transcriber, self.audio_start_ms, self.now, PRIORITY_DECISION
            )
            if self.relisten_job is not None:
                self.transcribed_until = self.now

    def _recording_stands(self) -> bool:
        """Whether the words that say a recording decide: no second opinion to ask (no
        checker; the greeting transcribed in parts, long enough for timing; no time for it),
        or it agreed (a reading without them clears ``heard.recording``, see ``_collect``).
        Only for greetings no longer than a person's (``human_max_greeting_ms``): that is
        where the words outvote timing, and it keeps the extra recognition to a few calls.
        Asks for it once all the words are in; meanwhile timing waits for it as for any words
        on their way."""
        if self.checker is None:
            return True
        text = self._full_text()
        if self.check_text == text:
            return self.check_job is None
        if self.jobs:
            return False  # newer words are coming: the second opinion goes on those
        assert self.greeting_start is not None
        if (
            self.transcripts[0][0] > self.audio_start_ms
            or self.last_speech_end - self.greeting_start > self.s.human_max_greeting_ms
        ):
            return True  # in parts, or longer than a person's answer: timing agrees anyway
        job = self._send(
            self.checker, self.audio_start_ms, self.transcribed_until, PRIORITY_DECISION
        )
        if job is None:
            return True
        self.check_job, self.check_text = job, text
        return False

    def _words_on_their_way(self, due_ms: int) -> bool:
        """Whether timing, due to decide at ``due_ms``, waits: the greeting's words are still
        being recognised and ``asr_decide_grace_ms`` has not run out since."""
        return (
            self.words_decide and bool(self.jobs) and self.now < due_ms + self.s.asr_decide_grace_ms
        )

    def _few_words_heard(self) -> bool:
        """The greeting's words are in for at least ``asr_few_words_min_ms`` of it and are no
        more than ``asr_few_words`` (``asr_person_words`` when they are a person's), none a
        recording's: a person with talkers behind them."""
        words = self.heard
        if words is None or words.recording or self.jobs or self.greeting_start is None:
            return False
        covered = self.transcribed_until - self.greeting_start
        limit = self.s.asr_person_words if words.person else self.s.asr_few_words
        if (
            covered < self.s.asr_few_words_min_ms
            or self.transcripts[0][0] > self.audio_start_ms
            or spoken_words(self._full_text()) > limit
        ):
            return False
        # Whisper drops the words being spoken at a chunk's very end, so a machine's next
        # sentence starting there ("Hello? <2 s over talkers> Ha, got you! ...") would pass
        # for nothing: a second transcript, reaching further, must say the same.
        if self.few_words_until is None:
            self.few_words_until = self.transcribed_until
            return False
        return self.transcribed_until >= self.few_words_until + FEW_WORDS_CONFIRM_MS

    def _last_word_end(self) -> int:
        """Audio time the last recognised word ended (now, if no word has a time)."""
        for start_ms, transcript in reversed(self.transcripts):
            if transcript.words:
                return min(self.now, start_ms + round(transcript.words[-1].end_s * 1000))
        return self.now

    def _submit_whole(self) -> None:
        """Send the greeting from its start up to now (its last speech and the quiet since,
        which keeps a soft last syllable such as "speak-ing" whole); its transcript replaces
        those of earlier parts (see ``_collect``)."""
        end = min(self.now, self.last_speech_end + 400)
        if self._submit(self.audio_start_ms, end) is not None:
            self.transcribed_until = end

    def _read_to_end(self) -> bool:
        """The greeting's words have been read, from its start up to its last speech, and
        none was refused since (a company's "press 0" comes last)."""
        return bool(self.transcripts) and not self.shed and self.read_until >= self.last_speech_end

    def _owner_read(self) -> bool:
        """Short of its end, the words read say a personal mailbox: its owner's own ("I'm
        not available", "I'll call you back") and no no-drop phrase. The rest, refused or
        not back yet under load (a settled greeting's cue does not wait for it), would only
        add to the notes; the cue then goes as if it were read."""
        if not self.transcripts:
            return False
        words = self._words_read()
        return words.owner_speaks and words.state is MailboxState.PERSONAL

    def _words_cover_speech(self) -> bool:
        """Every stretch of speech so far has been sent and its transcript read."""
        return not self.jobs and self.last_speech_end <= self.transcribed_until

    def _greeting_end_wait(self) -> int:
        """Quiet that ends a beep-less greeting: ``greeting_end_silence_ms``, or longer when
        the greeting itself paused longer (up to ``greeting_end_max_silence_ms``)."""
        s = self.s
        adaptive = self.longest_pause_ms + s.greeting_end_pause_margin_ms
        return max(s.greeting_end_silence_ms, min(adaptive, s.greeting_end_max_silence_ms))

    def _no_speech_for_long(self) -> bool:
        """No speech for ``greeting_end_no_speech_ms`` (none within
        ``greeting_end_below_peak_db`` of the greeting's peak): over, though the line is not
        quiet."""
        return self.now - self.last_voice_ms >= self.s.greeting_end_no_speech_ms

    def _words_leave_greeting_open(self) -> bool:
        """Whether the quiet so far is more likely a pause than the greeting's end: every
        word is in and none says what ends a greeting (a message invited, the tone, thanks,
        goodbye, keys to press), or they promise a tone that has not come. The cue then waits
        up to ``greeting_end_max_silence_ms`` of quiet (``greeting_end_tone_promised_ms`` for
        the tone): dead air on the recording is better than a message started mid-greeting."""
        if self.transcriber is None or self.shed or not self.transcripts:
            return False
        quiet = self.now - max(self.last_speech_end, self.last_sound_ms)
        if (
            quiet >= self.s.greeting_end_max_silence_ms
            or self._no_speech_for_long()
            or not self._words_cover_speech()
        ):
            return False
        words = self._words_read()
        if quiet < self.s.greeting_end_tone_promised_ms and words.promises_tone:
            return True  # the tone it promised has not come yet
        if self._words_say_person():
            return False  # a person's answer ("..., Julie speaking.") is over when they stop
        return not words.sounds_over

    def _words_say_person(self) -> bool:
        """The words heard are a person's answer (or a person's hellos into a quiet line,
        the greeting being over) and nothing of a recording's."""
        heard = self._end_words()
        return (heard.person or heard.calls_out) and not heard.recording

    def _end_words(self) -> AnswerWords:
        """What the words heard say, read once per text (the end of a beep-less greeting
        asks every frame)."""
        text = self._heard_text()
        if self._heard_answer is None or self._heard_answer[0] != text:
            self._heard_answer = (text, answer_words(text))
        return self._heard_answer[1]

    def _cue_must_wait_for_words(self, *, read: bool = False) -> bool:
        """Whether the last phrase must be transcribed before the cue.

        Not when a no-drop event is out already; yes for a general mailbox still waiting for
        its operator key; otherwise only while less than ``asr_settled_ms`` of the greeting
        has been sent to recognition (``read``: has been read; at the greeting's end, words
        sent but not back yet are still to wait for) - full / not set up / menu greetings
        say so early. At the end of a settled greeting (``read``), also while the words so
        far are neither its owner's nor read to its end: the last phrase then decides
        between a message (a personal mailbox read to its end) and none (a company's
        "press 0" comes last), so it is worth its wait.
        """
        if self.no_drop_emitted:
            return False
        if self.transcripts and self._words_read().state is MailboxState.GENERAL:
            return True
        covered = self.read_until if read else self.transcribed_until
        if covered - self.audio_start_ms < self.s.asr_settled_ms:
            return True
        return read and self.read_until < self.last_speech_end and not self._owner_read()

    # -- speech recognition -----------------------------------------------------------------
    def _keep_audio(self, frame: NDArray[np.int16]) -> None:
        assert self.audio is not None
        if len(self.audio) < self.max_audio_frames + _frames(self.audio_start_ms + 1):
            self.audio.append(frame.copy())

    def _slice(self, start_ms: int, end_ms: int) -> NDArray[np.int16]:
        assert self.audio is not None
        first = start_ms // FRAME_MS
        last = min(len(self.audio), -(-end_ms // FRAME_MS))
        if last <= first:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self.audio[first:last])

    @property
    def shed(self) -> bool:
        """The call's last words for its mailbox or notes were refused (``_can_hear``) and
        none sent since: the cue does not wait for words, nor do words hold a greeting open
        (giving up only the decision's words leaves the mailbox reading)."""
        return self.shed_at is not None

    @property
    def _refused_lately(self) -> bool:
        """A machine's words were refused less than ``SHED_RETRY_MS`` ago: not asked yet."""
        return self.shed_at is not None and self.now < self.shed_at + SHED_RETRY_MS

    def _can_hear(self, priority: int, audio_ms: int = 1000, *, again: bool = False) -> bool:
        """Whether a job sent now at ``priority`` would be back while its words still matter:
        for the decision within ``asr_max_wait_ms`` (if not, timing decides, and the words
        may still read a machine's mailbox); for a machine's mailbox within
        ``asr_cue_max_wait_ms`` and for notes within 10x ``asr_max_wait_ms`` (if not, the
        call goes on as with recognition off, until the worker has caught up: words refused
        are asked for again, with what followed, from ``SHED_RETRY_MS`` later). Replays (not
        threaded) never shed."""
        if not self.s.asr_threaded:
            return True
        # A decision's urgency for a machine: the words its beep-less cue is waiting on.
        urgent = priority == PRIORITY_DECISION and self.decision == "machine" and self._cue_waiting
        if self._refused_lately and not urgent:
            return False
        s = self.s
        if priority == PRIORITY_DECISION and not urgent:
            stage, limit = "decision", s.asr_max_wait_ms
        elif priority <= PRIORITY_CUE:
            stage, limit = "mailbox", max(s.asr_max_wait_ms, s.asr_cue_max_wait_ms)
        else:
            stage, limit = "notes", 10 * s.asr_max_wait_ms
        wait = recognition_worker().expected_wait_ms(priority, audio_ms / 1000, again=again)
        if wait <= limit:
            if stage != "decision":
                self.shed_at = None
            return True
        self.words_decide = False
        if stage != "decision":
            self.shed_at = self.now
        if stage not in self.shed_stages:
            self.shed_stages.add(stage)
            self.shed_reports.append((stage, wait))
        return False

    @property
    def _cue_waiting(self) -> bool:
        """The beep-less greeting has ended and its cue waits for words: those are sent at
        ``PRIORITY_DECISION`` and judged against ``asr_cue_max_wait_ms``, like a mailbox's,
        even just after a refusal, as the cue goes without them once refused."""
        return self.cue_wait_since is not None and not self.draining

    def _submit(self, start_ms: int, end_ms: int) -> AsrJob | None:
        assert self.transcriber is not None
        cue_waits = self._cue_waiting
        if self._refused_lately and not cue_waits:
            return None  # before working out the urgency: cheap to ask every frame
        transcriber = self.transcriber
        if self.decision is None:
            priority = PRIORITY_DECISION
        elif (
            self.decision == "machine"
            and not self.draining
            and self._cue_must_wait_for_words(read=cue_waits)
        ):
            # Words a beep-less cue would wait for; once the greeting has settled (no no-drop
            # phrase in its first asr_settled_ms), the rest only serves the notes. Only
            # their text is read (no word times: cheaper, and no decision waits on them).
            # The cue waiting on them now, they go before every call's mailbox words.
            priority = PRIORITY_DECISION if cue_waits else PRIORITY_CUE
            transcriber = self.reader or transcriber
        else:
            priority = PRIORITY_NOTES
        return self._send(transcriber, start_ms, end_ms, priority)

    def _send(
        self, transcriber: Transcriber, start_ms: int, end_ms: int, priority: int
    ) -> AsrJob | None:
        """Queue ``start_ms``-``end_ms`` of the call's audio for ``transcriber``, unless its
        words could not be back in time (``_can_hear``). A mailbox's words for a call with
        words already wait for the calls with none (under load, a first reading for each),
        unless those words opened a carrier's prompt and named nothing yet ("You are trying
        to reach ..."): the rest says full, not set up or a message taken, so it is worth
        a first reading's place."""
        again = (
            priority == PRIORITY_CUE
            and bool(self.transcripts)
            and not self._words_read().opens_like_a_carrier
        )
        if not self._can_hear(priority, end_ms - start_ms, again=again):
            return None
        samples = self._slice(start_ms, end_ms)
        self.transcribed_ms += samples.size * 1000 // self.sample_rate
        job = AsrJob(
            transcriber,
            samples,
            sample_rate=self.sample_rate,
            sent_ms=self.now,
            start_ms=start_ms,
            not_before_ms=self.asr_free_at,
            threaded=self.s.asr_threaded,
            priority=priority,
            again=again,
        )
        if job.ready_ms is not None:
            self.asr_free_at = job.ready_ms
        self.jobs.append(job)
        return job

    def _submit_pending(self) -> None:
        """Send the greeting's speech not yet sent (up to its last speech) to recognition:
        the whole greeting again while it is short (``asr_whole_max_ms``), since Whisper
        drops or garbles words at a chunk's edges ("...mailbox is | full"), else the part
        not yet sent."""
        end = min(self.now, self.last_speech_end + 100)
        if end <= self.transcribed_until:
            return
        if end - self.audio_start_ms <= self.s.asr_whole_max_ms:
            self._submit_whole()
            return
        if self._submit(self.transcribed_until, end) is not None:
            self.transcribed_until = end

    def _collect(self, *, wait: bool = False) -> list[DetectionEvent]:
        """Read the transcripts ready by now, in the order sent (``wait``: all of them, the
        call has ended; events then carry the audio time each was ready), and what they say."""
        events: list[DetectionEvent] = []
        while self.jobs:
            job = self.jobs[0]
            transcript = job.poll(self.now, wait=wait)
            if transcript is None:
                break
            self.jobs.popleft()
            if wait and job.ready_ms is not None:
                self.busy_until = max(self.busy_until, job.ready_ms)
            if job is self.check_job:
                self._read_check(transcript)
                continue
            if job is self.rest_job:
                self.rest_job = None
                if self.decision is None and self.transcripts:
                    self.rest_text = transcript.text
                    self.heard = self._answer_words()
                continue
            # The greeting from its start supersedes what was heard of it before, unless it
            # left out the opening heard then (tiny.en at times skips a sentence): then it is
            # read as the part after it.
            if job.start_ms <= self.audio_start_ms and not self._skips_the_opening(transcript):
                self._forget_words()
            if job.start_ms <= max(self.read_until, self.audio_start_ms):
                self.read_until = max(self.read_until, job.end_ms)
            self.rest_text = ""
            if transcript.text:
                self.transcripts.append((job.start_ms, transcript))
                if self.decision is None:
                    self.heard = self._answer_words()
            if job is self.relisten_job:
                self._read_relisten(job, transcript)
            elif self.decision is None:
                self._hear_the_rest(job)
            if self.decision == "machine":
                events.extend(self._classify())
        return events

    def _heard_until(self) -> int:
        """Audio time the last recognised word ended (-1 when no word has a time)."""
        ends = [
            start_ms + round(transcript.words[-1].end_s * 1000)
            for start_ms, transcript in self.transcripts
            if transcript.words
        ]
        return max(ends, default=-1)

    def _heard_text(self) -> str:
        """The words heard so far, with the rest heard on its own after them."""
        return f"{self._full_text()} {self.rest_text}".strip()

    def _answer_words(self) -> AnswerWords:
        """What the words heard so far say (``_heard_text``)."""
        return answer_words(self._heard_text())

    def _skips_the_opening(self, transcript: Transcript) -> bool:
        """Whether a reading from the greeting's start says less than the readings before
        (``SKIP_MIN_WORDS`` or more) and none of its first three words is one of theirs (it
        left out their opening; a reading that starts as they did is a new reading of the
        same words, "Hi, uh..." for "Hi, it's fine. Let me know"): Whisper's word times
        are no guide there (it stretches the first word it keeps over what it skipped)."""
        before = self._full_text()
        opening = set(normalize(before).split()[:3])
        return (
            spoken_words(before) >= SKIP_MIN_WORDS
            and spoken_words(transcript.text) < spoken_words(before)
            and not opening.intersection(normalize(transcript.text).split()[:3])
        )

    def _hear_the_rest(self, job: AsrJob) -> None:
        """Whisper at times stops early: "Thank you for calling." for "Thank you for calling
        Vantage Logistics, this is Kevin." When the words heard end ``REST_MIN_MS`` or more
        before the speech the job was sent for, hear that rest on its own, once, before
        timing decides (it waits for words on their way). Its words join what the greeting's
        words say (``heard``) but not its transcript: where the rest is background talkers,
        Whisper was right to leave them out, and a few words stay few."""
        heard_until = self._heard_until()
        speech_end = min(self.last_speech_end, job.end_ms)
        if (
            heard_until < 0
            or self.rest_from == heard_until
            or self.jobs
            or speech_end - heard_until < REST_MIN_MS
            # A word or two in longer "speech": a person with talkers behind, as likely as
            # not (see asr_few_words); the rest would be the talkers.
            or spoken_words(self._full_text()) <= self.s.asr_few_words
        ):
            return
        self.rest_from = heard_until
        assert self.transcriber is not None
        self.rest_job = self._send(
            self.transcriber, max(job.start_ms, heard_until - 100), job.end_ms, PRIORITY_DECISION
        )

    def _read_check(self, transcript: Transcript) -> None:
        """The second opinion is back: without words of a recording of its own, the words
        that said one do not decide (a person's marks it heard count)."""
        self.check_job = None
        words = self.heard
        if self.decision is not None or words is None or self.check_text != self._full_text():
            return
        reading = answer_words(transcript.text)
        if not reading.recording:
            self.heard = AnswerWords(
                recording=False, person=words.person or reading.person, signs_off=words.signs_off
            )

    def _read_relisten(self, job: AsrJob, transcript: Transcript) -> None:
        """The greeting heard again past a mid-sentence stop: more words than before, the
        last ending after what the level detector took for the end of speech, mean the
        speech went on there; the greeting counts to that word's end."""
        self.relisten_job = None
        if (
            self.decision is not None
            or not transcript.words
            or spoken_words(transcript.text) <= self.relisten_words
        ):
            return
        word_end = job.start_ms + round(transcript.words[-1].end_s * 1000)
        if word_end > self.last_speech_end:
            self.last_speech_end = min(self.now, word_end)

    def _drop_jobs(self) -> None:
        """Forget the jobs sent; those the worker has not started are cancelled."""
        for job in self.jobs:
            job.cancel()
        self.jobs.clear()
        self.check_job = None
        self.relisten_job = None
        self.rest_job = None

    def _forget_words(self) -> None:
        self.transcripts.clear()
        self.read_until = 0
        self.heard = None
        self.rest_text = ""

    def _after_words(self) -> list[DetectionEvent]:
        """Every transcript is in: for a machine, the final mailbox reading and the notes;
        for a person, the notes."""
        if self.decision == "human":
            if self.human_notes_sent:
                return []
            self.human_notes_sent = True
            return self._notes("human")
        if self.decision != "machine":
            return []
        return [*self._classify(final=True), *self._notes("machine")]

    def _full_text(self) -> str:
        return " ".join(t.text for _, t in self.transcripts)

    def _words_read(self) -> _WordsRead:
        text = self._full_text()
        if text != self.words_read.text:
            self.words_read = _WordsRead(text)
        return self.words_read

    def _classify(self, *, final: bool = False) -> list[DetectionEvent]:
        """A no-drop event if the text so far says so. A general mailbox is held back until
        the key for a person is heard or the greeting is over (``final``), still before the
        cue, so the event can say which key reaches the operator."""
        if self.no_drop_emitted or not self.transcripts:
            return []
        words = self._words_read()
        text, state = words.text, words.state
        at = self.last_speech_end
        if state is MailboxState.FULL:
            event = self._emit(MailboxFull, at, transcript=text)
        elif state is MailboxState.NOT_SET_UP:
            event = self._emit(MailboxNotSetUp, at, transcript=text)
        elif state is MailboxState.GENERAL:
            # Before the greeting is over, only a key no later word can change.
            digit = operator_digit(text, key_last=not final)
            if digit is None and not final:
                return []
            event = self._emit(
                GeneralMailbox,
                at,
                transcript=text,
                operator_digit=digit,
                puts_through=puts_through(text),
            )
        elif state is MailboxState.TAKES_NO_MESSAGES and final and not self.beep_heard:
            # Sent away, no message invited, and no beep: nothing would be recorded.
            event = self._emit(MailboxTakesNoMessages, at, transcript=text)
        else:
            return []
        self.no_drop_emitted = True
        return [event]

    def _decide_from_words_at_hang_up(self) -> list[DetectionEvent]:
        """The far end hung up before a decision. A short system message ("This mailbox is
        full. Goodbye.") followed by a hang-up is too short to read as a machine by timing;
        its words can still say so."""
        if self.transcriber is None or self.greeting_start is None:
            return [self._emit(NotSure, self.now, reason="audio ended")]
        self._submit_pending()
        no_drop = self._collect(wait=True)
        state = self._words_read().state if self.transcripts else None
        if state is not None and state is not MailboxState.PERSONAL:
            reason = f"words: {state.value}"
        elif self.transcripts and answer_words(self._full_text()).recording:
            # Words of a recording, even ones the second opinion did not hear ("This mailbox
            # is in full."): the call is over, so there is no person to hand over, and a
            # short system message hung up on is what they describe.
            reason = "words of a recording"
        elif self.last_speech_end - self.greeting_start > self.s.human_max_greeting_ms:
            # Too long for a person, though the words (if any) did not say what it was.
            reason = "greeting too long for a person"
        else:
            return [self._emit(NotSure, self.now, reason="audio ended")]
        self.decision = "machine"
        events = [self._emit(MachineDetected, self.now, reason=reason)]
        events.extend(no_drop)
        events.extend(self._classify(final=True))
        events.extend(self._notes("machine"))
        return events

    def _notes(self, speaker: str) -> list[DetectionEvent]:
        """Notes for the rep from every transcript of the greeting (``speaker``: who answered;
        a machine's notes also say its mailbox reading)."""
        if not self.transcripts:
            return []
        first_start, first = self.transcripts[0]
        merged = Transcript(self._full_text(), first.words)
        # A person's answer as it was at the decision (a watched line goes on afterwards).
        person = speaker == "human" and self.human_at is not None
        speech_ms = self.human_speech_ms if person else self.speech_ms_total
        end_ms = self.human_end_ms if person else self.last_speech_end
        notes = greeting_notes(merged, offset_ms=first_start, speech_ms=speech_ms)
        extra = {"speaker": speaker}
        if speaker == "machine":
            extra["mailbox"] = classify_mailbox(merged.text).value
        return [
            self._emit(
                GreetingTranscribed,
                end_ms,
                transcript=notes.transcript,
                spoken_name=notes.spoken_name,
                name_span_ms=notes.name_span_ms,
                words_per_minute=notes.words_per_minute,
                formality=notes.formality,
                extra=extra,
                name_wav=self._name_wav(notes.name_span_ms),
            )
        ]

    def _name_wav(self, span_ms: tuple[int, int] | None) -> bytes:
        """The name as spoken, with ``NAME_CLIP_MARGIN_MS`` either side (word times from
        Whisper are a few tens of ms off), as a WAV file; empty if the audio was not kept."""
        if span_ms is None or self.audio is None:
            return b""
        name_start, name_end = span_ms
        if name_end - name_start < NAME_CLIP_MIN_MS:
            # Whisper gives a greeting's last word ("..., this is Greg.") no length at times:
            # take the speech after its start, up to NAME_CLIP_MAX_MS.
            name_end = max(
                name_start + NAME_CLIP_MIN_MS,
                min(self.last_speech_end, name_start + NAME_CLIP_MAX_MS),
            )
        start = max(0, name_start - NAME_CLIP_MARGIN_MS)
        samples = self._slice(start, name_end + NAME_CLIP_MARGIN_MS)
        if samples.size == 0:
            return b""
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.sample_rate)
            out.writeframes(samples.astype("<i2").tobytes())
        return buffer.getvalue()

    def finish(self) -> list[DetectionEvent]:
        if self.done:
            return []
        events: list[DetectionEvent] = []
        if self.decision is None:
            events.extend(self._decide_from_words_at_hang_up())
        elif self.transcriber is not None:
            if self.decision == "machine":
                self._submit_pending()
            # What recognition still owes this call, each at the time it was ready.
            events.extend(self._collect(wait=True))
            events.extend(self._after_words())
        if self.shed_reports:
            self._report_shed(events)
        self.done = True
        return events


def _check_rate(sample_rate: int) -> int:
    if sample_rate not in SAMPLE_RATES:
        raise ValueError(f"sample_rate must be 8000 or 16000, got {sample_rate}")
    return sample_rate


class DetectorBank:
    """``n_streams`` calls analysed together, one 20 ms frame of each per ``feed``.

    A media server ticks every 20 ms anyway; handing the bank one frame from every call in
    one array lets the spectral front end run once, vectorised, for all of them.
    """

    def __init__(
        self,
        *,
        n_streams: int,
        sample_rate: int = 8000,
        settings: DetectorSettings | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        if n_streams < 1:
            raise ValueError(f"n_streams must be at least 1, got {n_streams}")
        self.sample_rate = _check_rate(sample_rate)
        self.settings = settings or DetectorSettings()
        if self.settings.beep_max_hz >= sample_rate / 2:
            raise ConfigError(
                f"detector setting 'beep_max_hz': must be below {sample_rate // 2} Hz "
                f"at {sample_rate} Hz, got {self.settings.beep_max_hz}"
            )
        if transcriber is None and self.settings.asr:
            transcriber = self.settings.whisper_transcriber()
        self._transcriber = transcriber if self.settings.asr else None
        # The prompt-less second opinion (asr_recheck_recording), from transcribers that
        # have one to give.
        self._checker: Transcriber | None = None
        if self._transcriber is not None and self.settings.asr_recheck_recording:
            without_prompt = getattr(self._transcriber, "without_prompt", None)
            self._checker = without_prompt() if callable(without_prompt) else None
        text_only = getattr(self._transcriber, "text_only", None)
        self._reader: Transcriber | None = text_only() if callable(text_only) else None
        self.n_streams = n_streams
        self._beep_config = self.settings.beep_config()
        self._analyzer = FrameAnalyzer(
            sample_rate=sample_rate,
            n_streams=n_streams,
            tone_min_hz=self.settings.beep_min_hz,
            tone_max_hz=self.settings.beep_max_hz,
        )
        self.frame_size = self._analyzer.frame_size
        self._calls = [self._new_call() for _ in range(n_streams)]

    def _new_call(self, *, machine_known: bool = False, watching: bool = False) -> _CallState:
        return _CallState(
            self.settings,
            sample_rate=self.sample_rate,
            transcriber=self._transcriber,
            beep_config=self._beep_config,
            machine_known=machine_known,
            watching=watching,
            checker=self._checker,
            reader=self._reader,
        )

    def reset(self, stream: int, *, machine_known: bool = False, watching: bool = False) -> None:
        """Start a new call on slot ``stream``; ``machine_known``: the call is known to have
        reached a machine (see ``Detector``), so only its cue is looked for; ``watching``:
        it was handed to the rep as a person and is only watched (see ``Detector``)."""
        self._calls[stream] = self._new_call(machine_known=machine_known, watching=watching)
        self._analyzer.reset(stream)

    def grow(self, n_streams: int) -> None:
        """Room for ``n_streams`` calls; the calls already on the bank keep their state."""
        if n_streams <= self.n_streams:
            return
        self._analyzer.grow(n_streams)
        self._calls.extend(self._new_call() for _ in range(n_streams - self.n_streams))
        self.n_streams = n_streams

    def feed(self, frames: NDArray[np.int16]) -> list[list[DetectionEvent]]:
        """One frame per stream, shape ``(n_streams, frame_size)``; events per stream."""
        expected = (self.n_streams, self.frame_size)
        if not isinstance(frames, np.ndarray) or frames.shape != expected:
            shape = getattr(frames, "shape", type(frames).__name__)
            raise ValueError(
                f"expected int16 frames of shape {expected} (20 ms at {self.sample_rate} Hz "
                f"per stream), got {shape}"
            )
        if frames.dtype != np.int16:
            raise ValueError(f"expected int16 samples, got {frames.dtype}")
        features = self._analyzer.analyze(frames)
        energy = features.energy_db.tolist()
        ratio = features.tone_ratio.tolist()
        hz = features.tone_hz.tolist()
        harmonic = features.harmonic_db.tolist()
        analyzer = self._analyzer
        return [
            call.step(frames, i, analyzer, energy[i], ratio[i], hz[i], harmonic[i])
            for i, call in enumerate(self._calls)
        ]

    def warm_up(self) -> None:
        """Load the recognition model now (see ``Detector.warm_up``)."""
        if self._transcriber is not None:
            self._transcriber.transcribe(
                np.zeros(self.sample_rate // 2, dtype=np.int16), sample_rate=self.sample_rate
            )

    def transcribed_ms(self, stream: int) -> int:
        """Audio of the call on ``stream`` sent to speech recognition so far, in ms."""
        return self._calls[stream].transcribed_ms

    def finish(self, stream: int) -> list[DetectionEvent]:
        """The call on ``stream`` ended (hang-up or end of audio)."""
        return self._calls[stream].finish()


class Detector:
    """Streaming detector for one call: ``feed`` 20 ms int16 frames, get typed events.

    ``transcriber`` replaces the Whisper model (tests inject a fake); it is ignored when
    ``settings.asr`` is off. ``machine_known``: the call is already known to have reached a
    machine, joined mid-greeting or after it (a rep connected to a recording asked for the
    drop): no decision event, no recognition, only the cue (``BeepEnded``, else
    ``GreetingEnded`` once the line has been quiet for ``greeting_end_silence_ms``).
    ``watching``: the call was handed to the rep as a person and this is a copy of its audio
    from then on (a carrier's fork): no decision event, no recognition; ``RecordingAfterAll``
    if the answer goes on to a beep within ``watch_after_human_ms``.
    """

    def __init__(
        self,
        *,
        sample_rate: int = 8000,
        settings: DetectorSettings | None = None,
        transcriber: Transcriber | None = None,
        machine_known: bool = False,
        watching: bool = False,
    ) -> None:
        self._bank = DetectorBank(
            n_streams=1, sample_rate=sample_rate, settings=settings, transcriber=transcriber
        )
        if machine_known or watching:
            self._bank.reset(0, machine_known=machine_known, watching=watching)
        self.sample_rate = self._bank.sample_rate
        self.settings = self._bank.settings
        self.frame_size = self._bank.frame_size

    @property
    def transcribed_ms(self) -> int:
        """Audio sent to speech recognition so far in this call, in ms."""
        return self._bank.transcribed_ms(0)

    def warm_up(self) -> None:
        """Load the recognition model now (seconds), as a server does at start, so that a
        replay does not charge the load to its first call's words."""
        self._bank.warm_up()

    def feed(self, frame: NDArray[np.int16]) -> list[DetectionEvent]:
        """Events produced by one frame of exactly 20 ms (``frame_size`` samples)."""
        if not isinstance(frame, np.ndarray) or frame.ndim != 1 or frame.size != self.frame_size:
            size = getattr(frame, "shape", type(frame).__name__)
            raise ValueError(
                f"expected a frame of {self.frame_size} samples (20 ms at {self.sample_rate} Hz),"
                f" got {size}"
            )
        return self._bank.feed(frame.reshape(1, -1))[0]

    def finish(self) -> list[DetectionEvent]:
        """The far end hung up or the audio ended: whatever can still be said."""
        return self._bank.finish(0)


def detect_samples(
    samples: NDArray[np.int16],
    *,
    sample_rate: int,
    settings: DetectorSettings | None = None,
    transcriber: Transcriber | None = None,
) -> list[DetectionEvent]:
    """Run a ``Detector`` over a whole recording frame by frame (a trailing part frame is
    zero-padded) and return every event in order."""
    detector = Detector(sample_rate=sample_rate, settings=settings, transcriber=transcriber)
    n = detector.frame_size
    events: list[DetectionEvent] = []
    padded = samples
    if samples.size % n:
        padded = np.concatenate([samples, np.zeros(n - samples.size % n, dtype=np.int16)])
    for start in range(0, padded.size, n):
        events.extend(detector.feed(padded[start : start + n]))
    events.extend(detector.finish())
    return events


__all__ = ["SAMPLE_RATES", "Detector", "DetectorBank", "DetectorSettings", "detect_samples"]
