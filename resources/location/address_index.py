"""The address register in memory, searched as the nurse types (well under 20 ms a keystroke with half a million
addresses: bench/bench_address_search.py), and the nearest address to a point.

What is matched is a *name*: a street (one per street and postort, so "Storgatan" in Ystad and in Lund are two) or
a place name, by its folded key (resources.location.address_text: case, å/ä/ö, abbreviations, spaces). A street
name is also found by its later words ("Östergatan" finds Stora Östergatan). The candidates come from the sorted
keys by bisection — every key that starts with the typed street — and, when that finds few, from rapidfuzz over
the keys' prefixes of the typed length (a typo, "Storgtan", still finds Storgatan). The house number is then looked
up by bisection in the street's own sorted numbers.

Hits are ranked, best first, by
1. how the street matched: the whole name, the start of the name, a later word of it, fuzzy (good, then fair);
2. the place typed after the street ("storg 12 ystad"): its postort or kommun, then a near spelling of it;
3. the number: number and letter as typed, the number with another letter, a number that starts with the typed
   digits (the nurse is still typing), the nearest numbers of the street;
4. the chosen kommun;
5. how much of the name was typed (or how close the fuzzy match), then size: a town before a village, a long
   street before a short one.

A hit is an address ("Storgatan 12 B, 271 31 Ystad", kind "address"), a whole street when no number was typed
("Storgatan, Ystad", kind "gata", at the street's middle address), or a place name (its name as label, its kind:
"tätort", "skola", …).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from resources.location.address_text import Query, alternative_keys, name_key, parse_query
from resources.location.model import AddressHit, AddressRow, PlaceRow

STREET_KIND = "gata"
ADDRESS_KIND = "address"

# Street match tiers (higher is better).
EXACT, PREFIX, LATER_EXACT, LATER_PREFIX, FUZZY_GOOD, FUZZY_FAIR = 40, 30, 25, 20, 15, 10
# Number match tiers.
NUMBER_EXACT, NUMBER_OTHER_LETTER, NUMBER_STARTS, NUMBER_NEAR, NUMBER_NONE = 5, 4, 3, 2, 0

CANDIDATE_KEYS = 48  # keys taken from one source (all of them, or the shortest when more start alike)
FUZZY_MIN_CHARS = 4  # shorter typed text is a prefix, not a typo: fuzzy below this finds anything
FUZZY_CUTOFF = 75.0  # rapidfuzz ratio; one wrong letter in five is 80, two in nine about 78
FUZZY_GOOD_SCORE = 85.0
FUZZY_CHOICES = 24  # prefixes taken from rapidfuzz for each length
PREFIX_LENGTHS = range(FUZZY_MIN_CHARS, 33)  # prefix lists made at build; longer text is compared with whole keys
LOCALITY_FUZZY = 75.0  # "Lnud" for Lund
PLACE_WEIGHT = {"tätort": 1_000_000.0, "småort": 10_000.0}  # a town before a street of the same name
OTHER_PLACE_WEIGHT = 100.0
GRID_LAT = 0.005  # nearest(): cells of about 550 × 630 m
GRID_LON = 0.01
NEAREST_RINGS = 30  # beyond this many rings of cells, a scan of every address (a point far outside)
M_PER_DEG = 111_320.0  # metres per degree of latitude


@dataclass(frozen=True)
class _Source:
    """Sorted keys to search by prefix: the whole register's, or one kommun's or postort's."""

    keys: list[str]
    lengths: NDArray[np.int32]

    @classmethod
    def of(cls, keys: Iterable[str]) -> _Source:
        ordered = sorted(set(keys))
        return cls(ordered, np.fromiter((len(k) for k in ordered), np.int32, len(ordered)))

    def starting(self, text: str, cap: int = CANDIDATE_KEYS) -> list[str]:
        """Keys that start with `text`; when more than `cap`, the `cap` shortest (the likeliest to be meant)."""
        lo = bisect_left(self.keys, text)
        hi = bisect_left(self.keys, text + "\uffff", lo)
        if hi - lo <= cap:
            return self.keys[lo:hi]
        picked = np.argpartition(self.lengths[lo:hi], cap - 1)[:cap]
        return [self.keys[lo + int(i)] for i in np.sort(picked)]


class AddressIndex:
    """Build once (seconds for half a million addresses), then search and nearest() from any thread (read only)."""

    def __init__(self) -> None:
        # Addresses, sorted by street group, number, letter.
        self._numbers: list[int] = []  # -1: no number
        self._letters: list[str] = []
        self._postnummer: list[str] = []
        self._lat: NDArray[np.float64] = np.zeros(0)
        self._lon: NDArray[np.float64] = np.zeros(0)
        # Targets: street groups (street, postort, kommun) first, then places.
        self._t_name: list[str] = []
        self._t_kind: list[str] = []
        self._t_kommun: list[str] = []
        self._t_postort: list[str] = []
        self._t_kommun_key: list[str] = []
        self._t_postort_key: list[str] = []
        self._t_weight: list[float] = []
        self._t_start: list[int] = []  # street groups: their addresses are [start, end)
        self._t_end: list[int] = []
        self._place_points: list[tuple[float, float]] = []
        self._groups = 0
        # Names: key → targets it names wholly, and targets it names by a later word.
        self._whole: dict[str, list[int]] = {}
        self._later: dict[str, list[int]] = {}
        self._all = _Source.of(())
        self._areas: dict[str, _Source] = {}  # folded kommun or postort → the keys of its targets
        self._area_keys: list[str] = []
        self._prefixes: dict[int, list[str]] = {}
        # nearest(): addresses by grid cell.
        self._cells: dict[tuple[int, int], NDArray[np.int64]] = {}  # (row, column) → its addresses
        self._grid_origin = (0.0, 0.0)
        self._grid_size = (0, 0)  # rows, columns

    # ---- building -------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, addresses: Sequence[AddressRow], places: Sequence[PlaceRow] = ()) -> AddressIndex:
        index = cls()
        index._build_addresses(addresses)
        index._build_places(places)
        index._build_names()
        index._build_grid()
        return index

    def _build_addresses(self, addresses: Sequence[AddressRow]) -> None:
        if not addresses:
            return
        streets, numbers, letters, postnummer, postorter, kommuner, lats, lons = zip(*addresses, strict=True)
        groups: dict[tuple[str, str, str], int] = {}
        group_of = np.fromiter((groups.setdefault(k, len(groups)) for k in zip(streets, postorter, kommuner,
                                                                               strict=True)),
                               np.int64, len(addresses))
        number_arr = np.fromiter((-1 if n is None else n for n in numbers), np.int64, len(addresses))
        letter_codes = {letter: i for i, letter in enumerate(sorted(set(letters)))}
        letter_arr = np.fromiter((letter_codes[x] for x in letters), np.int64, len(addresses))
        order = np.lexsort((letter_arr, number_arr, group_of))
        taken = order.tolist()
        self._numbers = number_arr[order].tolist()
        self._letters = [letters[i] for i in taken]
        self._postnummer = [postnummer[i] for i in taken]
        self._lat = np.asarray(lats, np.float64)[order]
        self._lon = np.asarray(lons, np.float64)[order]
        counts = np.bincount(group_of, minlength=len(groups))
        ends = np.cumsum(counts)
        self._t_start = (ends - counts).tolist()
        self._t_end = ends.tolist()
        for street, postort, kommun in groups:
            self._add_target(street, STREET_KIND, kommun, postort)
        self._t_weight = counts.astype(float).tolist()
        self._groups = len(groups)

    def _add_target(self, name: str, kind: str, kommun: str, postort: str) -> None:
        self._t_name.append(name)
        self._t_kind.append(kind)
        self._t_kommun.append(kommun)
        self._t_postort.append(postort)
        self._t_kommun_key.append(name_key(kommun))
        self._t_postort_key.append(name_key(postort))

    def _build_places(self, places: Sequence[PlaceRow]) -> None:
        for place in places:
            self._add_target(place.name, place.kind, place.kommun, "")
            self._t_weight.append(PLACE_WEIGHT.get(place.kind, OTHER_PLACE_WEIGHT))
            self._place_points.append((place.lat, place.lon))

    def _build_names(self) -> None:
        keys_of: dict[str, tuple[str, list[str]]] = {}
        area_keys: dict[str, list[str]] = {}
        for target, name in enumerate(self._t_name):
            if name not in keys_of:
                keys_of[name] = (name_key(name), alternative_keys(name))
            whole, later = keys_of[name]
            if whole:
                self._whole.setdefault(whole, []).append(target)
            for key in later:
                self._later.setdefault(key, []).append(target)
            for area in (self._t_kommun_key[target], self._t_postort_key[target]):
                if area:
                    area_keys.setdefault(area, []).extend([whole, *later] if whole else later)
        self._all = _Source.of([*self._whole, *self._later])
        self._areas = {area: _Source.of(keys) for area, keys in area_keys.items()}
        self._area_keys = sorted(self._areas)
        for length in PREFIX_LENGTHS:
            self._prefixes[length] = sorted({k[:length] for k in self._all.keys})

    def _build_grid(self) -> None:
        if not len(self._lat):
            return
        lat0, lon0 = float(self._lat.min()), float(self._lon.min())
        self._grid_origin = (lat0, lon0)
        rows = np.floor((self._lat - lat0) / GRID_LAT).astype(np.int64)
        cols = np.floor((self._lon - lon0) / GRID_LON).astype(np.int64)
        self._grid_size = (int(rows.max()) + 1, int(cols.max()) + 1)
        cells = rows * self._grid_size[1] + cols
        order = np.argsort(cells, kind="stable")
        ids, starts = np.unique(cells[order], return_index=True)
        stops = [*starts[1:].tolist(), len(order)]
        for cell, start, stop in zip(ids.tolist(), starts.tolist(), stops, strict=True):
            self._cells[divmod(cell, self._grid_size[1])] = order[start:stop]

    # ---- reading --------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of addresses (place names not counted)."""
        return len(self._numbers)

    @property
    def place_count(self) -> int:
        return len(self._place_points)

    def search(self, text: str, *, kommun: str | None = None, limit: int = 8) -> list[AddressHit]:
        """The best `limit` hits for what the nurse typed, best first (ranking: the module's docstring);
        `kommun` is the kommun chosen on the call (its hits first among equals). Empty for nothing to match."""
        query = parse_query(text)
        if limit < 1 or not query.streets:
            return []
        kommun_key = name_key(kommun) if kommun else ""
        best: dict[int, tuple[int, int, float]] = {}  # target → (street tier, locality tier, fine)
        self._collect(best, [(street, query.locality) for street in query.streets], kommun_key)
        if not any(rank[0] >= LATER_PREFIX for rank in best.values()):
            # The whole text begins no name: its last words may be the place ("storgatan ystad").
            self._collect(best, self._place_readings(query), kommun_key)
        # Each target's best possible key first; its hits only while it can still beat the limit-th hit found.
        bounds = sorted((self._bound(target, rank, query, kommun_key), target) for target, rank in best.items())
        ranked: list[tuple[tuple[float, ...], str, str, AddressHit]] = []
        for bound, target in bounds:
            if len(ranked) >= limit:
                ranked.sort(key=lambda item: item[:3])
                del ranked[limit:]
                if ranked[-1][0] <= bound:
                    break
            tier, place_tier, fine = best[target]
            for number_tier, order, hit in self._hits_of(target, query, limit, _score(tier, fine)):
                key = (-tier, -place_tier, -number_tier, bound[3], -fine, order, -self._t_weight[target])
                ranked.append((key, hit.label, hit.kommun, hit))
        ranked.sort(key=lambda item: item[:3])
        return [item[3] for item in ranked[:limit]]

    def _collect(self, best: dict[int, tuple[int, int, float]], readings: list[tuple[str, str]],
                 kommun_key: str) -> None:
        """Each target's best (street tier, locality tier, fine) over the readings, into `best`."""
        places: dict[tuple[str, str, str], int] = {}
        for street, locality in readings:
            for target, tier, fine in self._matches(street, kommun_key, locality):
                where = (self._t_postort_key[target], self._t_kommun_key[target], locality)
                if where not in places:
                    places[where] = _locality_tier(locality, where[:2])
                rank = (tier, places[where], fine)
                if rank > best.get(target, (-1, -1, -1.0)):
                    best[target] = rank

    def _bound(self, target: int, rank: tuple[int, int, float], query: Query, kommun_key: str) \
            -> tuple[float, ...]:
        """A key no hit of the target sorts before (the hits' keys: street tier, place, number tier, chosen
        kommun, fine, order within the target, size; smaller first)."""
        tier, place_tier, fine = rank
        in_kommun = 1 if kommun_key and self._t_kommun_key[target] == kommun_key else 0
        return (-tier, -place_tier, -self._number_tier(target, query), -in_kommun, -fine, -math.inf,
                -self._t_weight[target])

    def _number_tier(self, target: int, query: Query) -> int:
        """The best number tier any hit of the target can have."""
        if target >= self._groups or query.number is None:
            return NUMBER_NONE
        start, end = self._t_start[target], self._t_end[target]
        if self._numbers[end - 1] < 0:
            return NUMBER_NONE
        lo = bisect_left(self._numbers, query.number, start, end)
        hi = bisect_right(self._numbers, query.number, lo, end)
        if lo < hi:
            return NUMBER_EXACT if query.letter in self._letters[lo:hi] else NUMBER_OTHER_LETTER
        for low, high in _longer_numbers(query.number):
            at = bisect_left(self._numbers, low, start, end)
            if at < end and self._numbers[at] < high:
                return NUMBER_STARTS
        return NUMBER_NEAR

    def _place_readings(self, query: Query) -> list[tuple[str, str]]:
        """(street key, place) with the last words as the place when they begin a known kommun or postort and
        nothing (no number, no comma) marked where the street ended."""
        readings: list[tuple[str, str]] = []
        if query.number is not None or query.comma or query.locality:
            return readings
        for size in (1, 2):
            if len(query.words) > size:
                place = "".join(query.words[-size:])
                at = bisect_left(self._area_keys, place)
                if at < len(self._area_keys) and self._area_keys[at].startswith(place):
                    readings.append(("".join(query.words[:-size]), place))
        return readings

    def _matches(self, street: str, kommun_key: str, locality: str) -> list[tuple[int, int, float]]:
        """(target, tier, fine) for every name the street key may mean."""
        keys = set(self._all.starting(street))
        for area in self._areas_for(kommun_key, locality):
            keys.update(area.starting(street))
        found: list[tuple[int, int, float]] = []
        for key in keys:
            fine = 1.0 if key == street else len(street) / len(key)
            for target in self._whole.get(key, ()):
                found.append((target, EXACT if key == street else PREFIX, fine))
            for target in self._later.get(key, ()):
                found.append((target, LATER_EXACT if key == street else LATER_PREFIX, fine))
        if len(street) >= FUZZY_MIN_CHARS and len({t for t, _, _ in found}) < CANDIDATE_KEYS // 4:
            found.extend(self._fuzzy(street, keys))
        return found

    def _areas_for(self, kommun_key: str, locality: str) -> list[_Source]:
        """The chosen kommun's keys and those of the (at most three) kommuner or postorter the typed place begins."""
        areas = [self._areas[kommun_key]] if kommun_key in self._areas else []
        if locality:
            at = bisect_left(self._area_keys, locality)
            for name in self._area_keys[at:at + 3]:
                if name.startswith(locality):
                    areas.append(self._areas[name])
        return areas

    def _fuzzy(self, street: str, exact: set[str]) -> list[tuple[int, int, float]]:
        """Names whose start is near the typed street (a typo, a letter missing or extra), not found already."""
        best: dict[str, float] = {}
        for length in (len(street), len(street) + 1):
            choices = self._prefixes.get(length, self._all.keys)
            for prefix, score, _ in process.extract(street, choices, scorer=fuzz.ratio, processor=None,
                                                    score_cutoff=FUZZY_CUTOFF, limit=FUZZY_CHOICES):
                for key in self._all.starting(prefix, CANDIDATE_KEYS // 2):
                    if key not in exact and score > best.get(key, 0.0):
                        best[key] = score
        found: list[tuple[int, int, float]] = []
        for key, score in best.items():
            tier = FUZZY_GOOD if score >= FUZZY_GOOD_SCORE else FUZZY_FAIR
            for target in self._whole.get(key, ()):
                found.append((target, tier, score / 100))
            for target in self._later.get(key, ()):
                found.append((target, tier - 1, score / 100))
        return found

    def _hits_of(self, target: int, query: Query, limit: int, score: float) \
            -> list[tuple[int, float, AddressHit]]:
        """(number tier, order within it, hit) for one target: a place, a whole street, or its addresses."""
        if target >= self._groups:
            lat, lon = self._place_points[target - self._groups]
            hit = AddressHit(self._t_name[target], self._t_kind[target], self._t_kommun[target], lat, lon, score)
            return [(NUMBER_NONE, 0.0, hit)]
        start, end = self._t_start[target], self._t_end[target]
        if query.number is None or self._numbers[end - 1] < 0:
            if end - start == 1:
                return [(NUMBER_NONE, 0.0, self._address_hit(target, start, score))]
            middle = start + (end - start - 1) // 2
            street = AddressHit(f"{self._t_name[target]}, {self._t_postort[target]}", STREET_KIND,
                                self._t_kommun[target], float(self._lat[middle]), float(self._lon[middle]), score)
            return [(NUMBER_NONE, 0.0, street)]
        return self._numbered(target, query.number, query.letter, limit, score)

    def _numbered(self, target: int, number: int, letter: str, limit: int, score: float) \
            -> list[tuple[int, float, AddressHit]]:
        start, end = self._t_start[target], self._t_end[target]
        numbers = self._numbers
        lo = bisect_left(numbers, number, start, end)
        hi = bisect_right(numbers, number, lo, end)
        out: list[tuple[int, float, AddressHit]] = []
        for i in range(lo, hi):
            tier = NUMBER_EXACT if self._letters[i] == letter else NUMBER_OTHER_LETTER
            out.append((tier, float(i - lo), self._address_hit(target, i, score)))
        for low, high in _longer_numbers(number):
            if len(out) >= limit:
                break
            first = bisect_left(numbers, low, start, end)
            last = bisect_left(numbers, high, first, end)
            for i in range(first, min(last, first + limit - len(out))):
                out.append((NUMBER_STARTS, float(numbers[i]), self._address_hit(target, i, score)))
        if lo == hi:  # the number is not on the street: its neighbours
            for i in (lo - 1, hi):
                if start <= i < end and numbers[i] >= 0:
                    out.append((NUMBER_NEAR, float(abs(numbers[i] - number)), self._address_hit(target, i, score)))
        return out[:limit]

    def _address_hit(self, target: int, i: int, score: float) -> AddressHit:
        number = self._numbers[i]
        where = self._t_name[target]
        if number >= 0:
            where += f" {number}" + (f" {self._letters[i]}" if self._letters[i] else "")
        return AddressHit(f"{where}, {_postnummer(self._postnummer[i])} {self._t_postort[target]}", ADDRESS_KIND,
                          self._t_kommun[target], float(self._lat[i]), float(self._lon[i]), score)

    def nearest(self, lat: float, lon: float) -> AddressHit | None:
        """The address nearest to the point (e.g. to know the kommun of a map click); its score is the distance
        in metres. None when the register has no addresses."""
        if not len(self._lat):
            return None
        row = math.floor((lat - self._grid_origin[0]) / GRID_LAT)
        col = math.floor((lon - self._grid_origin[1]) / GRID_LON)
        cos_lat = math.cos(math.radians(lat))
        cell_m = min(GRID_LAT * M_PER_DEG, GRID_LON * M_PER_DEG * cos_lat)
        rows, cols = self._grid_size
        near = -NEAREST_RINGS <= row < rows + NEAREST_RINGS and -NEAREST_RINGS <= col < cols + NEAREST_RINGS
        best_i, best_d = -1, math.inf
        for ring in range(NEAREST_RINGS + 1 if near else 0):
            if (ring - 1) * cell_m > best_d:
                break  # nothing in this ring or beyond can be nearer
            candidates = self._ring(row, col, ring)
            if len(candidates):
                d = self._distances(candidates, lat, lon, cos_lat)
                at = int(np.argmin(d))
                if d[at] < best_d:
                    best_i, best_d = int(candidates[at]), float(d[at])
        else:  # far from every address (or the rings ran out): all of them
            d = self._distances(np.arange(len(self._lat)), lat, lon, cos_lat)
            best_i = int(np.argmin(d))
            best_d = float(d[best_i])
        hit = self._address_hit(self._target_of(best_i), best_i, 0.0)
        return hit._replace(score=round(best_d, 1))

    def _ring(self, row: int, col: int, ring: int) -> NDArray[np.int64]:
        """The addresses in the cells `ring` steps around (row, col): the square's border."""
        if ring == 0:
            cells = [(row, col)]
        else:
            cells = [(row + dr, col + dc) for dr in range(-ring, ring + 1) for dc in (-ring, ring)]
            cells += [(row + dr, col + dc) for dr in (-ring, ring) for dc in range(-ring + 1, ring)]
        parts = [self._cells[c] for c in cells if c in self._cells]
        if not parts:
            return np.zeros(0, np.int64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _distances(self, idx: NDArray[np.int64], lat: float, lon: float, cos_lat: float) -> NDArray[np.float64]:
        """Metres, on the local flat approximation (good to a few metres across a few kilometres)."""
        dy = (self._lat[idx] - lat) * M_PER_DEG
        dx = (self._lon[idx] - lon) * M_PER_DEG * cos_lat
        result: NDArray[np.float64] = np.hypot(dx, dy)
        return result

    def _target_of(self, address: int) -> int:
        return bisect_right(self._t_start, address, 0, self._groups) - 1


def _locality_tier(locality: str, names: tuple[str, str]) -> int:
    """2: the typed place begins the postort or the kommun; 1: is near the start of one; 0: neither, or none."""
    if not locality:
        return 0
    if any(n.startswith(locality) for n in names if n):
        return 2
    if any(fuzz.ratio(locality, n[:len(locality) + 1]) >= LOCALITY_FUZZY for n in names if n):
        return 1
    return 0


def _longer_numbers(number: int) -> list[tuple[int, int]]:
    """The ranges of house numbers (up to five digits) that begin with the digits of `number`: 1 → 10–19,
    100–199, …"""
    ranges: list[tuple[int, int]] = []
    scale = 10
    while 0 < number * scale < 100_000:  # (0 begins no house number)
        ranges.append((number * scale, (number + 1) * scale))
        scale *= 10
    return ranges


def _score(tier: int, fine: float) -> float:
    """How well the typed street matched the name, 0–100 (100: the whole name)."""
    if tier == EXACT:
        return 100.0
    if tier in (PREFIX, LATER_EXACT, LATER_PREFIX):
        return round((60.0 + 39.0 * fine) * (1.0 if tier == PREFIX else 0.9), 1)
    return round(fine * 80.0, 1)


def _postnummer(code: str) -> str:
    """"27139" → "271 39" (as it is written on a letter); anything else as it is."""
    return f"{code[:3]} {code[3:]}" if len(code) == 5 and code.isdigit() else code

