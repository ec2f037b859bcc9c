"""Audio: file I/O, import of any take, phone normalisation, message assembly, codecs, coach.

The Piper text-to-speech fallback (``afterbeep.audio.tts``) is not imported here, so Piper
loads only when a message needs a synthetic segment.
"""

from __future__ import annotations

from afterbeep.audio.assemble import (
    AssembledMessage,
    Gap,
    Segment,
    assemble_file,
    assemble_message,
    find_gap,
    find_name_clip,
    normalise_name,
)
from afterbeep.audio.coach import CoachFinding, CoachReport, CoachSettings, coach_take
from afterbeep.audio.codec import (
    float_to_int16,
    int16_to_float,
    mulaw_decode,
    mulaw_encode,
    pcm16_decode,
    pcm16_encode,
)
from afterbeep.audio.importing import SUPPORTED_FORMATS, Recording, import_recording
from afterbeep.audio.io import (
    TELEPHONY_RATES,
    Audio,
    check_telephony_rate,
    read_audio,
    resample,
    write_wav,
)
from afterbeep.audio.levels import integrated_lufs, true_peak_dbtp
from afterbeep.audio.normalise import (
    PHONE_RATE,
    NormaliseResult,
    PhoneFile,
    PhoneFormat,
    normalise_for_phone,
)
from afterbeep.audio.settings import AudioSettings, load_audio_settings

__all__ = [
    "PHONE_RATE",
    "SUPPORTED_FORMATS",
    "TELEPHONY_RATES",
    "AssembledMessage",
    "Audio",
    "AudioSettings",
    "CoachFinding",
    "CoachReport",
    "CoachSettings",
    "Gap",
    "NormaliseResult",
    "PhoneFile",
    "PhoneFormat",
    "Recording",
    "Segment",
    "assemble_file",
    "assemble_message",
    "check_telephony_rate",
    "coach_take",
    "find_gap",
    "find_name_clip",
    "float_to_int16",
    "import_recording",
    "int16_to_float",
    "integrated_lufs",
    "load_audio_settings",
    "mulaw_decode",
    "mulaw_encode",
    "normalise_for_phone",
    "normalise_name",
    "pcm16_decode",
    "pcm16_encode",
    "read_audio",
    "resample",
    "true_peak_dbtp",
    "write_wav",
]
