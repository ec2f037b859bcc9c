"""The adaptive noise floor: clamps digital silence, follows a steady noise step, not speech."""

from __future__ import annotations

import numpy as np

from afterbeep.detect._vad import NoiseFloorVad


def _vad():
    return NoiseFloorVad(
        window_frames=150,
        short_window_frames=30,
        step_db=12.0,
        steady_db=8.0,
        snr_db=10.0,
        min_speech_db=-55.0,
        floor_clamp_db=-70.0,
    )


def test_digital_silence_is_clamped_and_not_speech():
    vad = _vad()
    assert not any(vad.update(-100.0) for _ in range(200))
    assert vad.floor_db == -70.0
    # A soft voice at -50 dBFS over it is speech; -58 dBFS is under the absolute minimum.
    assert vad.update(-50.0)
    assert not vad.update(-58.0)


def test_floor_follows_a_steady_noise_step_within_the_short_window():
    vad = _vad()
    for _ in range(100):
        vad.update(-100.0)
    rng = np.random.default_rng(0)
    flags = [vad.update(-40.0 + rng.uniform(-1.5, 1.5)) for _ in range(60)]
    # Reads as "speech" only until the short window (30 frames) has seen the new background.
    assert all(flags[:20])
    assert not any(flags[35:])
    assert -43.0 <= vad.floor_db <= -39.0


def test_floor_does_not_climb_onto_continuous_speech():
    vad = _vad()
    for _ in range(100):
        vad.update(-60.0)
    rng = np.random.default_rng(1)
    # Syllables swing 20 dB and more: not a steady background, so the old floor stays.
    for _ in range(100):
        vad.update(float(rng.choice([-20.0, -28.0, -35.0, -42.0])))
    assert vad.floor_db <= -59.0


def test_lost_packets_do_not_pull_the_floor_down():
    vad = _vad()
    rng = np.random.default_rng(2)
    for index in range(300):
        # Line noise at -45 dBFS with a lost (all-zero) packet every 7th frame.
        vad.update(-100.0 if index % 7 == 0 else -45.0 + rng.uniform(-1.0, 1.0))
    assert vad.floor_db >= -47.0
