"""The phone chain on real recordings: the 35 labelled greetings in shared/eval/real-greetings.

Each call there is 1 s of silence, a real recorded greeting, for most a 0.4 s 1000 Hz beep
ending at ``beep_end_ms``, then 4 s of silence, so the trimmer's cut points are known exactly.
Nothing was tuned on these files: the checks are the documented targets.
"""

import json
from pathlib import Path

import pytest

from afterbeep.audio.normalise import normalise_for_phone

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "eval" / "real-greetings"
CALLS = (
    [json.loads(line) for line in (CORPUS / "calls.jsonl").read_text().splitlines() if line.strip()]
    if (CORPUS / "calls.jsonl").exists()
    else []
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CALLS, reason="shared/eval/real-greetings not present"),
]


@pytest.mark.parametrize("call", CALLS, ids=[call["id"] for call in CALLS])
def test_real_greeting_is_normalised_and_trimmed_at_the_known_points(tmp_path, call):
    out = tmp_path / "phone.wav"
    result = normalise_for_phone(CORPUS / call["audio"], {"mulaw": out})
    (written,) = result.files
    assert written.loudness_lufs == pytest.approx(-19.0, abs=0.5)
    assert written.true_peak_dbtp <= -1.5
    # 1 s of silence comes first: at most that, less the 150 ms margin, is cut (20 ms frames).
    assert result.trimmed_start_ms >= 1000 - 150 - 20
    if call["beep_end_ms"] is not None:
        kept_end_ms = result.source_duration_s * 1000 - result.trimmed_end_ms
        assert kept_end_ms == pytest.approx(call["beep_end_ms"] + 150, abs=20)
