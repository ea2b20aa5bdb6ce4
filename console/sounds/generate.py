"""Writes the alert sounds shipped in this folder (short 16-bit mono WAVs, made with the wave module):
`python -m console.sounds.generate`. Each kind has its own pattern, so a dispatcher can tell them apart unseen."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22050
HERE = Path(__file__).parent
# name → tones (frequency Hz, seconds; 0 Hz is silence)
PATTERNS: dict[str, list[tuple[float, float]]] = {
    "new_prio1": [(988, 0.12), (0, 0.04), (1319, 0.12), (0, 0.04)] * 3,  # fast rising two-tone, three times
    "target_passed": [(784, 0.18), (0, 0.08), (784, 0.18)],  # two even beeps
    "feed_lost": [(660, 0.2), (523, 0.2), (440, 0.3)],  # falling three steps
    # a unit's alert not acknowledged: insistent low-high pairs, four times
    "unit_unacknowledged": [(587, 0.1), (0, 0.03), (880, 0.16), (0, 0.07)] * 4,
    "unit_declined": [(880, 0.15), (0, 0.05), (587, 0.25)],  # a unit declined: one falling pair
}


def tone(freq: float, seconds: float, volume: float = 0.5) -> bytes:
    n = int(RATE * seconds)
    fade = max(1, int(RATE * 0.01))  # 10 ms in and out: no clicks
    out = bytearray()
    for i in range(n):
        env = min(1.0, i / fade, (n - i) / fade)
        value = volume * env * math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
        out += struct.pack("<h", int(value * 32767))
    return bytes(out)


def write(name: str, directory: Path = HERE) -> Path:
    path = directory / f"{name}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(tone(f, s) for f, s in PATTERNS[name]))
    return path


if __name__ == "__main__":
    for key in PATTERNS:
        print(write(key))
