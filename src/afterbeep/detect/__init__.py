"""Streaming answering-machine and beep detection (see docs/detector.md and docs/eval.md).

Public surface: the typed events, afterbeep's ``Detector`` (one call) and ``DetectorBank``
(many calls per tick) with ``DetectorSettings``, the ``Transcriber`` protocol for greeting
speech recognition, the corpus format, the evaluator, the Asterisk app_amd baseline and the
detector registry.
"""

from __future__ import annotations

from afterbeep.detect._asr import TranscribedWord, Transcriber, Transcript, WhisperTranscriber
from afterbeep.detect._mailbox import MailboxState, classify_mailbox
from afterbeep.detect.detector import Detector, DetectorBank, DetectorSettings, detect_samples
from afterbeep.detect.events import *  # noqa: F403
from afterbeep.detect.events import __all__ as _event_names

__all__ = [
    *_event_names,
    "Detector",
    "DetectorBank",
    "DetectorSettings",
    "MailboxState",
    "TranscribedWord",
    "Transcriber",
    "Transcript",
    "WhisperTranscriber",
    "classify_mailbox",
    "detect_samples",
]

# The corpus format, evaluation, baseline and registry (imported last: they build on the above).
from afterbeep.detect.baseline import *  # noqa: F403
from afterbeep.detect.baseline import __all__ as _baseline_names
from afterbeep.detect.corpus import *  # noqa: F403
from afterbeep.detect.corpus import __all__ as _corpus_names
from afterbeep.detect.evaluate import *  # noqa: F403
from afterbeep.detect.evaluate import __all__ as _evaluate_names
from afterbeep.detect.registry import *  # noqa: F403
from afterbeep.detect.registry import __all__ as _registry_names

__all__ += [*_corpus_names, *_evaluate_names, *_baseline_names, *_registry_names]
