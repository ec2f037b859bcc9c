"""Detectors by name: the one place that maps a name to a streaming detector class.

Owns ``create_detector`` and the list of names (``DETECTOR_NAMES``); imports each detector
lazily so a missing or broken one fails with a ``ConfigError`` only when it is asked for.
Must not hold detection logic nor evaluate anything.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from afterbeep.detect.events import DetectionEvent
from afterbeep.errors import ConfigError


class StreamingDetector(Protocol):
    """What evaluation and media sessions need of a detector (see docs/eval.md)."""

    sample_rate: int

    def feed(self, frame: NDArray[np.int16]) -> list[DetectionEvent]: ...

    def finish(self) -> list[DetectionEvent]: ...


# name -> (module, class): imported on first use.
_DETECTORS: dict[str, tuple[str, str]] = {
    "afterbeep": ("afterbeep.detect.detector", "Detector"),
    "asterisk-baseline": ("afterbeep.detect.baseline", "AsteriskAmd"),
}
DETECTOR_NAMES = tuple(_DETECTORS)


def detector_class(name: str) -> type[Any]:
    """The class registered as ``name``; ``ConfigError`` for an unknown or unavailable one."""
    if name not in _DETECTORS:
        raise ConfigError(f"unknown detector {name!r}; known: {', '.join(DETECTOR_NAMES)}")
    module_name, class_name = _DETECTORS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise ConfigError(
            f"detector {name!r} is not available: module {module_name} is missing"
        ) from error
    cls = getattr(module, class_name, None)
    if cls is None:
        raise ConfigError(f"detector {name!r} is not available: {module_name} has no {class_name}")
    return cls


def create_detector(
    name: str, *, sample_rate: int, settings: Any | None = None, warm_up: bool = False
) -> StreamingDetector:
    """A fresh detector ``name`` for one call at ``sample_rate`` (8000 or 16000).

    ``settings`` go to the detector's constructor unchanged (None = its documented defaults);
    bad settings raise ``ConfigError`` there. ``warm_up``: load what the detector loads on
    first use (a recognition model) now, so a replay does not charge it to a call.
    """
    if sample_rate not in (8000, 16000):
        raise ConfigError(f"sample_rate must be 8000 or 16000, got {sample_rate}")
    cls = detector_class(name)
    detector: StreamingDetector = cls(sample_rate=sample_rate, settings=settings)
    warm = getattr(detector, "warm_up", None)
    if warm_up and callable(warm):
        warm()
    return detector


__all__ = ["DETECTOR_NAMES", "StreamingDetector", "create_detector", "detector_class"]
