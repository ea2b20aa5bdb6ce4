"""Address search bench: `AddressIndex.search` per keystroke over the demo's register of 500 000 addresses.

    python bench/bench_address_search.py [--count 500000] [--addresses 25] [--seed 2026] [--bench-seed 17]

The demo's fictitious register (resources.location.demo_register) is generated and indexed (both timed). Then
--addresses addresses are drawn from it and each is typed, one keystroke at a time from the second character (the
console searches from two), in six ways: as written; with its kommun chosen on the call; folded (å/ä → a, ö → o);
with one typo in the street (two letters swapped, one dropped or one doubled); with ", postort" after it; with
the street abbreviated ("Storg." for Storgatan, "Björkv." for Björkvägen). Every keystroke is a sample.

Measured interleaved, keystroke by keystroke in rotating order, so both see the same machine:
* search — what the console calls on each edit (`search(text, kommun=…, limit=8)`);
* floor: dict — a dict lookup of the folded text among the register's street keys (no ranking, no fuzziness);
* floor: extractOne — rapidfuzz extractOne of the folded text over the unique street names (the bare fuzzy scan
  with no prefix step, no numbers, no places).

Prints p50/p95/p99/max (ms) per way of typing and over all, the search's ratio to each floor, and how often the
fully typed address was the top hit and among the eight shown. Goal: p99 ≤ 20 ms. Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz, process  # noqa: E402

from resources.location.address_index import AddressIndex  # noqa: E402
from resources.location.address_text import fold, name_key  # noqa: E402
from resources.location.demo_register import generate_demo_register  # noqa: E402
from resources.location.model import AddressRow  # noqa: E402

GOAL_P99_MS = 20.0
WAYS = ("as written", "kommun chosen", "folded å/ä/ö", "one typo", "with postort", "abbreviated")
ABBREVIATIONS = (("gatan", "g."), ("vägen", "v."), ("platsen", "pl."))


def rss_mb() -> float:
    """Resident memory of this process (Linux), MB."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * 4096 / 1e6


def typed(address: AddressRow, way: str, rng: random.Random) -> tuple[str, str | None]:
    """The text the nurse ends up with for `address` typed `way`, and the kommun chosen on the call."""
    street = address.street
    if way == "folded å/ä/ö":
        street = street.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
    elif way == "one typo":
        street = typo(street, rng)
    elif way == "abbreviated":
        for ending, short in ABBREVIATIONS:
            if street.endswith(ending):
                street = street[: -len(ending)] + short
                break
    number = "" if address.number is None else f" {address.number}" + (f" {address.letter}" if address.letter else "")
    text = street + number
    if way == "with postort":
        text += f", {address.postort}"
    return text, address.kommun if way == "kommun chosen" else None


def typo(street: str, rng: random.Random) -> str:
    """One slip of the finger inside the name (not its first two letters)."""
    if len(street) < 5:
        return street
    at = rng.randrange(2, len(street) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return street[:at] + street[at + 1] + street[at] + street[at + 2:]
    if kind == "drop":
        return street[:at] + street[at + 1:]
    return street[:at] + street[at] + street[at:]


def label_of(a: AddressRow) -> str:
    number = "" if a.number is None else f" {a.number}" + (f" {a.letter}" if a.letter else "")
    code = a.postnummer.replace(" ", "")
    return f"{a.street}{number}, {code[:3]} {code[3:]} {a.postort}"


def n(count: int) -> str:
    return f"{count:,}".replace(",", " ")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> str:
    return (f"{name:<16} {len(values):>6} {pct(values, 50):>8.2f} {pct(values, 95):>8.2f} {pct(values, 99):>8.2f} "
            f"{max(values):>8.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--addresses", type=int, default=25, help="addresses typed, each in every way")
    parser.add_argument("--seed", type=int, default=2026, help="the register's seed")
    parser.add_argument("--bench-seed", type=int, default=17, help="which addresses, which typos")
    args = parser.parse_args()

    started = time.perf_counter()
    addresses, places = generate_demo_register(count=args.count, seed=args.seed)
    generated_s = time.perf_counter() - started
    before = rss_mb()
    started = time.perf_counter()
    index = AddressIndex.build(addresses, places)
    build_s = time.perf_counter() - started
    grown = rss_mb() - before
    streets = sorted({a.street for a in addresses})
    folded_streets = [fold(s) for s in streets]
    keys = {name_key(s): s for s in streets}
    groups = len({(a.street, a.postort) for a in addresses})
    print(f"register: {n(len(addresses))} addresses, {n(len(places))} place names, {n(len(streets))} street names, "
          f"{n(groups)} streets (street, postort); generated in {generated_s:.2f} s")
    print(f"index: built in {build_s:.2f} s, resident memory +{grown:.0f} MB")

    rng = random.Random(args.bench_seed)
    chosen = rng.sample(addresses, args.addresses)
    runs: dict[str, Callable[[str, str | None], object]] = {
        "search": lambda text, kommun: index.search(text, kommun=kommun, limit=8),
        "floor: dict": lambda text, kommun: keys.get(name_key(text)),
        "floor: extractOne": lambda text, kommun: process.extractOne(fold(text), folded_streets, scorer=fuzz.ratio,
                                                                     processor=None),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    by_way: dict[str, list[float]] = {way: [] for way in WAYS}
    top1 = {way: 0 for way in WAYS}
    top8 = {way: 0 for way in WAYS}
    order = list(runs)
    for address in chosen:
        for way in WAYS:
            text, kommun = typed(address, way, rng)
            for end in range(2, len(text) + 1):
                order = order[1:] + order[:1]
                for name in order:
                    t0 = time.perf_counter()
                    runs[name](text[:end], kommun)
                    elapsed = (time.perf_counter() - t0) * 1000
                    times[name].append(elapsed)
                    if name == "search":
                        by_way[way].append(elapsed)
            hits = index.search(text, kommun=kommun, limit=8)
            wanted = (label_of(address), address.kommun)
            shown = [(h.label, h.kommun) for h in hits]
            top1[way] += bool(shown) and shown[0] == wanted
            top8[way] += wanted in shown

    print(f"\nper keystroke, ms ({len(times['search'])} keystrokes; {args.addresses} addresses × {len(WAYS)} ways)")
    print(f"{'':<16} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}")
    for way in WAYS:
        print(row(way, by_way[way]))
    for name in runs:
        print(row(name, times[name]))
    search_p50 = statistics.median(times["search"])
    for name in ("floor: dict", "floor: extractOne"):
        print(f"search / {name}: p50 ×{search_p50 / statistics.median(times[name]):.1f}, "
              f"p99 ×{pct(times['search'], 99) / pct(times[name], 99):.1f}")
    p99 = pct(times["search"], 99)
    print(f"goal p99 ≤ {GOAL_P99_MS:.0f} ms: {'met' if p99 <= GOAL_P99_MS else 'NOT met'} ({p99:.2f} ms)")
    same: dict[tuple[str, int | None, str], int] = {}
    for a in addresses:
        same[(a.street, a.number, a.letter)] = same.get((a.street, a.number, a.letter), 0) + 1
    ambiguous = sum(same[(a.street, a.number, a.letter)] > 8 for a in chosen)
    print("\nfully typed address found (top hit / among the 8 shown):")
    for way in WAYS:
        print(f"  {way:<16} {top1[way]:>3}/{args.addresses}  {top8[way]:>3}/{args.addresses}")
    print(f"  ({ambiguous} of the {args.addresses} addresses exist with the same street, number and letter in more "
          "than 8 postorter: without kommun or postort they cannot all be shown)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
