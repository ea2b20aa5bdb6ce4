"""Address typing bench: a keystroke in the nurse's address field until the suggestions are on screen, at 500 000
addresses — the path the nurse runs, not the search alone.

    QT_QPA_PLATFORM=offscreen python bench/bench_address_typing.py [--count 500000] [--addresses 20]

The real call-taking intake form (console.calltaking.intake_form.IntakeForm, themed as the console is) with the
demo's fictitious register indexed (resources.location.address_index). Each address is typed into the address field
a key at a time (QTest.keyClick: key event → textEdited → the register search → the suggestion list rebuilt and
placed → the position line refreshed → the form's `changed` signal), then the event loop runs until idle so the
popup is painted. One sample = that whole keystroke, in ms.

Baseline, interleaved key by key so both see the same machine: the same keystroke into a plain QLineEdit beside
it (the floor of any keystroke in this window: event delivery, text layout, paint), and the register search alone
for the same text. Prints p50/p95/p99/max and the ratios. Goal (issue 17): ≤ 20 ms per keystroke. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QWidget  # noqa: E402

from console.calltaking.intake_form import IntakeForm  # noqa: E402
from console.theme import apply_dark_theme  # noqa: E402
from resources.geography import default_geography  # noqa: E402
from resources.location.address_index import AddressIndex  # noqa: E402
from resources.location.demo_register import generate_demo_register  # noqa: E402

GOAL_MS = 20.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> str:
    return (f"{name:<22} {len(values):>6} {pct(values, 50):>8.2f} {pct(values, 95):>8.2f} {pct(values, 99):>8.2f} "
            f"{max(values):>8.2f}")


def settle(app: QApplication) -> None:
    app.processEvents()
    app.processEvents()  # the popup's show and paint land one pass later


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--addresses", type=int, default=120)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_dark_theme(app)
    t0 = time.perf_counter()
    addresses, places = generate_demo_register(args.count)
    t1 = time.perf_counter()
    index = AddressIndex.build(addresses, places)
    t2 = time.perf_counter()
    print(f"register: {len(addresses):,} addresses generated in {t1 - t0:.1f} s, indexed in {t2 - t1:.1f} s")

    window = QWidget()
    layout = QHBoxLayout(window)
    form = IntakeForm(default_geography())
    plain = QLineEdit()
    layout.addWidget(form, 3)
    layout.addWidget(plain, 1)
    window.resize(1366, 500)
    window.show()
    form.location.set_register_state(index, None)
    form.address.setFocus()
    settle(app)

    rng = random.Random(args.seed)
    chosen = rng.sample(addresses, args.addresses)
    field_ms: list[float] = []
    plain_ms: list[float] = []
    search_ms: list[float] = []
    shown = 0
    for a in chosen:
        text = f"{a.street} {a.number}" if a.number is not None else a.street
        for target in (form.address, plain):
            target.clear()
        order = [0, 1, 2]
        for i, ch in enumerate(text):
            rng.shuffle(order)
            for which in order:
                if which == 0:
                    start = time.perf_counter()
                    QTest.keyClick(form.address, ch)
                    settle(app)
                    field_ms.append((time.perf_counter() - start) * 1000)
                elif which == 1:  # sent to the plain field directly: the address field keeps the focus and its list
                    start = time.perf_counter()
                    QTest.keyClick(plain, ch)
                    settle(app)
                    plain_ms.append((time.perf_counter() - start) * 1000)
                else:
                    start = time.perf_counter()
                    index.search(text[: i + 1], limit=8)
                    search_ms.append((time.perf_counter() - start) * 1000)
        shown += bool(form.location.completer.shown())
        QTest.keyClick(form.address, Qt.Key.Key_Escape)
        settle(app)

    print(f"\nper keystroke, ms ({len(field_ms)} keystrokes; {len(chosen)} addresses typed in full)")
    print(f"{'':<22} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    print(row("address field (all)", field_ms))
    print(row("baseline: plain field", plain_ms))
    print(row("baseline: search only", search_ms))
    for name, base in (("plain field", plain_ms), ("search only", search_ms)):
        print(f"address field / {name}: p50 ×{pct(field_ms, 50) / pct(base, 50):.1f}, "
              f"p99 ×{pct(field_ms, 99) / pct(base, 99):.1f}")
    p99 = pct(field_ms, 99)
    print(f"suggestions on screen after the full address: {shown}/{len(chosen)}")
    print(f"goal ≤ {GOAL_MS:.0f} ms per keystroke (p99): {'met' if p99 <= GOAL_MS else 'NOT met'} ({p99:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
