import numpy as np
import pytest

from afterbeep.audio.codec import (
    float_to_int16,
    int16_to_float,
    mulaw_decode,
    mulaw_encode,
    pcm16_decode,
    pcm16_encode,
)


def test_mulaw_decodes_the_g711_end_points():
    # G.711: 0xFF and 0x7F are the two zeros, 0x80 and 0x00 the loudest codes.
    assert mulaw_decode(bytes([0xFF, 0x7F, 0x80, 0x00])).tolist() == [0, 0, 32124, -32124]


def test_mulaw_encode_inverts_decode_for_every_code():
    codes = np.arange(256, dtype=np.uint8)
    again = mulaw_encode(mulaw_decode(codes))
    # Both zero codes decode to 0, which encodes back to the positive zero 0xFF.
    expected = codes.copy()
    expected[0x7F] = 0xFF
    assert (again == expected).all()


def test_mulaw_round_trip_error_is_within_the_segment_step():
    samples = np.arange(-32000, 32000, 13, dtype=np.int16)
    back = mulaw_decode(mulaw_encode(samples)).astype(np.int32)
    error = np.abs(back - samples)
    # Quantisation step doubles per segment; half a step of the top segment is 512 (+ bias slack).
    assert error.max() <= 1024
    loud = np.abs(samples) > 1000
    assert (error[loud] / np.abs(samples[loud])).max() < 0.07


def test_pcm16_bytes_round_trip_and_reject_odd_lengths():
    samples = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    assert pcm16_encode(samples) == b"\x00\x00\x01\x00\xff\xff\xff\x7f\x00\x80"
    assert pcm16_decode(pcm16_encode(samples)).tolist() == samples.tolist()
    with pytest.raises(ValueError, match="even number of bytes"):
        pcm16_decode(b"\x00\x01\x02")


def test_float_conversion_clips_out_of_range():
    assert float_to_int16(np.array([2.0, -2.0, 0.0])).tolist() == [32767, -32767, 0]
    assert int16_to_float(np.array([-32768], dtype=np.int16)).tolist() == [-1.0]
