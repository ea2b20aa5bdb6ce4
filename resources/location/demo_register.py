"""The demo's address register: FICTITIOUS addresses placed around Skåne's real kommun centres, sized like a real
register (500 000 by default), the same for the same seed.

Nothing here is a real address. The street names are made of Swedish name parts (Björk + vägen, Möllevångs +
gatan, Norra + Kyrkogatan; with å, ä and ö so spelling variants matter), the villages are invented (Ljung + arp),
and the points are drawn: each kommun gets addresses in proportion to its population, most in its main town (a
disc around the kommun's centre, wider for a bigger town), the rest in a few invented villages some kilometres
out, a village's farms numbered in the hundreds under the village's name as Lantmäteriet numbers rural
addresses ("Ljungarp 1130"). A street is a straight line of houses, odd numbers on one side and even on the
other, some numbers with letters (12 A, 12 B). Every point lies in Skåne (resources.geography.in_skane; a street
that would run into the sea is drawn again). Postnummer are five digits under a plausible prefix per kommun
(271 for Ystad), rural ones ending in 9x.

The place names: each kommun's main town (tätort, at the kommun's centre), the villages (småort), and invented
schools, health centres, stations and beaches at points of the register.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from resources.geography import Geography, Kommun, default_geography, in_skane
from resources.location.model import AddressRow, PlaceRow

FICTITIOUS_SOURCE = "Fiktivt demoregister (genererat, inga verkliga adresser)"
DEFAULT_COUNT = 500_000
DEFAULT_SEED = 2026

# The main town where it is not named as the kommun.
MAIN_TOWN = {"Östra Göinge": "Broby", "Burlöv": "Arlöv"}
# First three digits of the postnummer, per kommun (plausible, after the real series).
POSTNUMMER_PREFIX: dict[str, tuple[int, ...]] = {
    "Malmö": (211, 212, 213, 214, 215, 216, 217, 218), "Lund": (222, 223, 224, 226, 227),
    "Helsingborg": (252, 253, 254, 256), "Kristianstad": (291, 296), "Landskrona": (261,), "Ängelholm": (262,),
    "Höganäs": (263,), "Klippan": (264,), "Åstorp": (265,), "Bjuv": (267,), "Svalöv": (268,), "Båstad": (269,),
    "Ystad": (271,), "Simrishamn": (272,), "Tomelilla": (273,), "Skurup": (274,), "Sjöbo": (275,),
    "Trelleborg": (231,), "Burlöv": (232,), "Svedala": (233,), "Lomma": (234,), "Vellinge": (235,), "Eslöv": (241,),
    "Hörby": (242,), "Höör": (243,), "Kävlinge": (244,), "Staffanstorp": (245,), "Hässleholm": (281,),
    "Osby": (283,), "Perstorp": (284,), "Örkelljunga": (286,), "Östra Göinge": (289,), "Bromölla": (295,),
}
OTHER_POSTNUMMER_PREFIX = 200

COMMON_STREETS = ("Storgatan", "Stortorget", "Kyrkogatan", "Järnvägsgatan", "Stationsvägen", "Skolgatan",
                  "Ringvägen", "Industrivägen", "Torggatan", "Parkgatan", "Villavägen", "Södra Storgatan",
                  "Norra Storgatan", "Östergatan", "Västergatan", "Åkergatan", "Ängsvägen", "Möllevångsgatan")
STREET_PARTS = (
    "Björk", "Ek", "Lind", "Bok", "Al", "Alm", "Ask", "Asp", "Rönn", "Hassel", "Hägg", "Syren", "Rosen", "Lilje",
    "Lavendel", "Kastanje", "Lönn", "Gran", "Tall", "Fläder", "Hagtorns", "Slån", "Nypon", "Vide", "Pil", "Hallon",
    "Blåbärs", "Lingon", "Smultron", "Körsbärs", "Plommon", "Äppel", "Päron", "Humle", "Klöver", "Vallmo",
    "Blåklints", "Ljung", "Ängs", "Åker", "Gärdes", "Mark", "Mosse", "Kärr", "Sjö", "Strand", "Hamn", "Bäck", "Å",
    "Kvarn", "Mölle", "Möllevångs", "Kyrko", "Skol", "Prästgårds", "Klockare", "Smedje", "Tegel", "Kalk", "Sten",
    "Berg", "Kull", "Dal", "Sol", "Stjärn", "Regnbågs", "Fågel", "Trast", "Lärk", "Svan", "Tran", "Falk", "Örn",
    "Duv", "Stare", "Hök", "Uggle", "Räv", "Hjort", "Älg", "Rådjurs", "Ekorr", "Hare", "Torg", "Post", "Bank",
    "Rådhus", "Tull", "Fiskare", "Skeppar", "Bryggare", "Snickare", "Murare", "Vävare", "Garvare", "Krukmakare",
    "Skomakare", "Bagare", "Borgmästare", "Rådmans", "Kungs", "Drottning", "Prins", "Greve", "Herrgårds", "Slotts",
    "Park", "Trädgårds", "Lasarett", "Skepps", "Segel", "Båt", "Fyr", "Dyn", "Sand", "Mårtens", "Nils", "Måns",
    "Åke", "Göran", "Jöns", "Anders", "Bengts", "Tor", "Svens", "Olofs", "Ebbe", "Hedvigs", "Sofie", "Kristine",
    "Ulrika", "Karl", "Gustavs", "Oskars", "Vinter", "Sommar", "Vår", "Höst", "Morgon", "Kvälls", "Väster", "Öster",
    "Söder", "Norr", "Flygare", "Lots", "Tjärn", "Gök", "Bi", "Honungs", "Mjölnare", "Tröske", "Vete", "Korn",
    "Havre", "Råg", "Betes", "Lada", "Loge", "Stall", "Vagnmakare", "Sadelmakare", "Glas", "Porslins", "Tenn",
)
STREET_MIDDLES = ("dals", "backs", "hags", "lunds", "ängs", "hems", "gårds", "bergs", "holms", "vångs", "torps",
                  "hus", "lycke", "mads", "bro", "kulla", "höjds", "tofta")
STREET_ENDINGS = ("gatan", "vägen", "gränd", "stigen", "allén", "backen", "platsen", "torget", "slingan", "gången",
                  "vången", "hagen", "liden", "bågen", "ringen", "kroken", "svängen", "lyckan", "parken", "plan")
ENDING_WEIGHTS = (14, 16, 4, 5, 2, 3, 2, 1, 2, 3, 2, 3, 2, 1, 1, 1, 1, 2, 1, 1)
STREET_MODIFIERS = ("Norra", "Södra", "Östra", "Västra", "Stora", "Lilla", "Gamla")
VILLAGE_PARTS = ("Ljung", "Hag", "Bok", "Ek", "Ask", "Ås", "Åker", "Råg", "Kvarn", "Sten", "Björk", "Dal", "Mo",
                 "Kärr", "Hult", "Grä", "Röd", "Hö", "Sunn", "Frö", "Hassel", "Lin", "Mölle", "Ham", "Sjö", "Ale",
                 "Brö", "Gylle", "Hörn", "Kulla", "Böke", "Glim", "Tving", "Skär", "Sved", "Lyng", "Väst", "Norr",
                 "Tors", "Ods", "Ving", "Hav", "Träl", "Fjäl", "Rys", "Gunn", "Her", "Kviel", "Ör", "Måll")
VILLAGE_ENDINGS = ("by", "torp", "arp", "inge", "löv", "röd", "hult", "rup", "stad", "holm", "berga", "tofta", "ås",
                   "sjö", "boda", "mölla", "hög", "magle", "lunda", "köp")

STREET_MEAN_SIZE = 24.0
LETTERED_SHARE = 0.05  # numbers split into 12 A, 12 B
RURAL_SHARE = 0.4  # of a village's addresses: farms under the village's name
M_PER_DEG_LAT = 111_320.0


@dataclass
class _Street:
    name: str
    postort: str
    kommun: str
    postnummer: str
    size: int
    lat: float
    lon: float
    bearing: float  # radians from north
    spacing_m: float
    rural: bool  # scattered farms numbered in the hundreds, not a line of houses
    radius_m: float
    centre_lat: float  # the town's or village's centre: in Skåne
    centre_lon: float


def generate_demo_register(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED,
                           geography: Geography | None = None) -> tuple[list[AddressRow], list[PlaceRow]]:
    """`count` fictitious addresses in Skåne and the place names, the same for the same seed and geography."""
    if count < 0:
        raise ValueError("antalet adresser kan inte vara negativt")
    geography = geography or default_geography()
    py = random.Random(seed)
    rng = np.random.default_rng(seed)
    streets: list[_Street] = []
    places: list[PlaceRow] = []
    used_villages = {MAIN_TOWN.get(k.name, k.name) for k in geography.kommuner}
    for kommun, quota in zip(geography.kommuner, _quotas(geography.kommuner, count), strict=True):
        streets.extend(_kommun_streets(kommun, quota, py, used_villages, places, _roads_out(kommun, geography)))
    addresses = _addresses(streets, rng)
    places.extend(_landmarks(geography.kommuner, addresses, py))
    return addresses, places


def _quotas(kommuner: tuple[Kommun, ...], count: int) -> list[int]:
    """Addresses per kommun in proportion to population (largest remainders), at least one each when there are
    enough."""
    total = sum(k.population for k in kommuner)
    floor = 1 if count >= len(kommuner) else 0
    share = [(count - floor * len(kommuner)) * k.population / total for k in kommuner]
    quotas = [floor + int(s) for s in share]
    by_remainder = sorted(range(len(kommuner)), key=lambda i: (-(share[i] - int(share[i])), i))
    for i in by_remainder[: count - sum(quotas)]:
        quotas[i] += 1
    return quotas


def _roads_out(kommun: Kommun, geography: Geography) -> tuple[str, ...]:
    """Roads named after the three nearest towns ("Ystadsvägen", "Malmövägen", "Ängelholmsvägen")."""
    others = sorted((k for k in geography.kommuner if k.name != kommun.name),
                    key=lambda k: (k.lat - kommun.lat) ** 2 + ((k.lon - kommun.lon) * 0.56) ** 2)
    towns = [MAIN_TOWN.get(k.name, k.name) for k in others[:3]]
    return tuple(t + ("vägen" if t[-1] in "aeiouyåäö" else "svägen") for t in towns)


def _kommun_streets(kommun: Kommun, quota: int, py: random.Random, used_villages: set[str],
                    places: list[PlaceRow], roads_out: tuple[str, ...]) -> list[_Street]:
    town = MAIN_TOWN.get(kommun.name, kommun.name)
    places.append(PlaceRow(town, "tätort", kommun.name, kommun.lat, kommun.lon))
    prefixes = POSTNUMMER_PREFIX.get(kommun.name, (OTHER_POSTNUMMER_PREFIX,))
    villages = 1 + min(11, round(kommun.population / 12_000))
    town_share = 0.9 if kommun.population > 200_000 else 0.72 if kommun.population > 50_000 else 0.6
    town_quota = round(quota * town_share) if quota > villages else quota
    radius_m = 1_200.0 + 900.0 * math.sqrt(kommun.population / 10_000)
    streets = _town_streets(town, kommun, town_quota, kommun.lat, kommun.lon, radius_m, prefixes, py,
                            urban=True, district_base=10, named=roads_out)
    rest = quota - town_quota
    weights = [py.uniform(0.3, 1.0) for _ in range(villages)]
    split = [int(rest * w / sum(weights)) for w in weights]
    split[0] += rest - sum(split)
    for number, share in enumerate(split):
        if share <= 0:
            continue
        name = _village_name(py, used_villages)
        lat, lon = _village_centre(kommun, py)
        places.append(PlaceRow(name, "småort", kommun.name, lat, lon))
        postnummer = f"{prefixes[number % len(prefixes)]}{90 + number % 10:02d}"
        rural = round(share * RURAL_SHARE) if share >= 10 else share
        streets.append(_Street(name, name, kommun.name, postnummer, rural, lat, lon, 0.0, 0.0, True, 2_500.0,
                               lat, lon))
        streets.extend(_town_streets(name, kommun, share - rural, lat, lon, py.uniform(350.0, 800.0), (),
                                     py, urban=False, district_base=90 + number % 10, postnummer=postnummer))
    return streets


def _town_streets(postort: str, kommun: Kommun, quota: int, lat: float, lon: float, radius_m: float,
                  prefixes: tuple[int, ...], py: random.Random, *, urban: bool, district_base: int,
                  postnummer: str = "", named: tuple[str, ...] = ()) -> list[_Street]:
    """Streets of one postort with `quota` addresses in all: common names first, then `named`, then invented
    ones."""
    streets: list[_Street] = []
    pending = list(named)
    names: set[str] = set()
    left = quota
    while left > 0:
        size = min(left, max(2, min(220, round(py.lognormvariate(math.log(STREET_MEAN_SIZE * (1 if urban else 0.6)),
                                                                  0.75)))))
        common = [c for c in COMMON_STREETS if c not in names]
        if common and py.random() < (0.8 if urban else 0.3):
            name = common[0]
        else:
            name = pending.pop(0) if pending else _street_name(py)
        if name in names:
            continue
        names.add(name)
        s_lat, s_lon = _offset(lat, lon, py.gauss(0.0, radius_m / 2), py.gauss(0.0, radius_m / 2))
        if not postnummer:
            sector = int((math.atan2(s_lon - lon, s_lat - lat) + math.pi) / (2 * math.pi) * 6) % 6
            prefix = prefixes[(len(streets) * 7 + sector) % len(prefixes)] if len(prefixes) > 1 else prefixes[0]
            ring = min(4, int(math.hypot((s_lat - lat) * M_PER_DEG_LAT, (s_lon - lon) * M_PER_DEG_LAT
                                         * math.cos(math.radians(lat))) / radius_m * 3))
            code = f"{prefix}{district_base + sector * 5 + ring:02d}"
        else:
            code = postnummer
        streets.append(_Street(name, postort, kommun.name, code, size, s_lat, s_lon, py.uniform(0, math.pi),
                               py.uniform(12.0, 22.0), False, radius_m, lat, lon))
        left -= size
    return streets


def _street_name(py: random.Random) -> str:
    middle = py.choice(STREET_MIDDLES) if py.random() < 0.3 else ""
    base = py.choice(STREET_PARTS) + middle + py.choices(STREET_ENDINGS, ENDING_WEIGHTS)[0]
    if py.random() < 0.12:
        return f"{py.choice(STREET_MODIFIERS)} {base}"
    return base


def _village_name(py: random.Random, used: set[str]) -> str:
    while True:
        name = py.choice(VILLAGE_PARTS) + py.choice(VILLAGE_ENDINGS)
        if name not in used:
            used.add(name)
            return name


def _village_centre(kommun: Kommun, py: random.Random) -> tuple[float, float]:
    """A point 3–14 km from the kommun's centre, in Skåne (the centre itself after 50 draws into the sea)."""
    spread = 3_000.0 + min(11_000.0, 2_000.0 * math.sqrt(kommun.population / 10_000))
    for _ in range(50):
        angle, distance = py.uniform(0, 2 * math.pi), py.uniform(3_000.0, spread)
        lat, lon = _offset(kommun.lat, kommun.lon, distance * math.cos(angle), distance * math.sin(angle))
        if in_skane(lat, lon):
            return lat, lon
    return kommun.lat, kommun.lon


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / M_PER_DEG_LAT, lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat)))


def _numbers(size: int, rural: bool, rng: np.random.Generator) -> list[tuple[int, str]]:
    """House numbers of one street: 1, 2, 3 … with some split by letter (12 A, 12 B) and a few gaps; a rural
    area's farms in the hundreds and thousands (Ljungarp 1130)."""
    if rural:
        steps = rng.integers(2, max(3, min(40, 9_000 // size)), size)  # mostly four digits at most
        first = int(rng.integers(10, 40)) * 10
        return [(first + int(s), "") for s in np.cumsum(steps) - steps[0]]
    lettered = (rng.random(size) < LETTERED_SHARE).tolist()
    three = (rng.random(size) < 0.3).tolist()
    gaps = (rng.random(size) < 0.04).tolist()
    out: list[tuple[int, str]] = []
    number = 1
    slot = 0
    while len(out) < size:
        left = size - len(out)
        if left >= 2 and lettered[slot]:
            out.extend((number, letter) for letter in ("ABC" if three[slot] and left >= 3 else "AB"))
        else:
            out.append((number, ""))
        number += 2 if gaps[slot] else 1
        slot += 1
    return out


def _addresses(streets: list[_Street], rng: np.random.Generator) -> list[AddressRow]:
    """The addresses of every street with their points: along the street's line, or scattered for farms. A street
    with a point outside Skåne is drawn again nearer its town's centre; after 20 draws its points still outside
    are put at the centre (on land)."""
    numbers = [_numbers(street.size, street.rural, rng) for street in streets]
    lat, lon = _points(streets, numbers, rng)
    inside = np.fromiter((in_skane(a, b) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)), bool, len(lat))
    sizes = np.fromiter((len(n) for n in numbers), np.int64, len(numbers))
    starts = np.cumsum(sizes) - sizes
    for s in np.unique(np.repeat(np.arange(len(streets)), sizes)[~inside]).tolist():
        lo, hi = int(starts[s]), int(starts[s] + sizes[s])
        lat[lo:hi], lon[lo:hi] = _redrawn(streets[s], numbers[s], rng)
    lat_list, lon_list = lat.round(6).tolist(), lon.round(6).tolist()
    rows: list[AddressRow] = []
    for s, street in enumerate(streets):
        postnummer = f"{street.postnummer[:3]} {street.postnummer[3:]}"
        at = int(starts[s])
        rows.extend(AddressRow(street.name, number, letter, postnummer, street.postort, street.kommun, lat_list[i],
                               lon_list[i])
                    for i, (number, letter) in enumerate(numbers[s], start=at))
    return rows


def _redrawn(street: _Street, numbers: list[tuple[int, str]], rng: np.random.Generator) \
        -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A street that ran out of Skåne drawn again, each time nearer its centre and turned."""
    for _ in range(20):
        street.lat = street.centre_lat + (street.lat - street.centre_lat) * 0.6
        street.lon = street.centre_lon + (street.lon - street.centre_lon) * 0.6
        street.bearing = float(rng.uniform(0, math.pi))
        street.radius_m *= 0.7
        lat, lon = _points([street], [numbers], rng)
        inside = np.fromiter((in_skane(a, b) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)), bool,
                             len(lat))
        if inside.all():
            return lat, lon
    return np.where(inside, lat, street.centre_lat), np.where(inside, lon, street.centre_lon)


def _points(streets: list[_Street], numbers: list[list[tuple[int, str]]], rng: np.random.Generator) \
        -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The points of the streets' addresses, in order: houses along a line, odd numbers on one side; farms
    scattered in a disc."""
    sizes = [len(n) for n in numbers]
    total = sum(sizes)

    def per_address(values: list[float]) -> NDArray[np.float64]:
        return np.repeat(np.asarray(values, np.float64), sizes)

    house = np.fromiter((nr for street in numbers for nr, _ in street), np.float64, total)
    letter = np.fromiter((ord(lt) - 64 if lt else 0 for street in numbers for _, lt in street), np.float64, total)
    rural = np.repeat(np.asarray([s.rural for s in streets], bool), sizes)
    bearing = per_address([s.bearing for s in streets])
    along = ((house - 1) // 2) * per_address([s.spacing_m for s in streets]) + letter * 4.0 + rng.normal(0, 1.5, total)
    side = np.where(house % 2 == 1, 1.0, -1.0) * 11.0
    north = along * np.cos(bearing) - side * np.sin(bearing)
    east = along * np.sin(bearing) + side * np.cos(bearing)
    angle = rng.uniform(0, 2 * math.pi, total)
    distance = per_address([s.radius_m for s in streets]) * np.sqrt(rng.uniform(0, 1, total))
    north = np.where(rural, distance * np.cos(angle), north)
    east = np.where(rural, distance * np.sin(angle), east)
    lat0 = per_address([s.lat for s in streets])
    lat = lat0 + north / M_PER_DEG_LAT
    lon = per_address([s.lon for s in streets]) + east / (M_PER_DEG_LAT * np.cos(np.radians(lat0)))
    return lat, lon


def _landmarks(kommuner: tuple[Kommun, ...], addresses: list[AddressRow], py: random.Random) -> list[PlaceRow]:
    """Invented schools, health centres, a station and a beach in each kommun's main town, at its addresses."""
    towns = {k.name: MAIN_TOWN.get(k.name, k.name) for k in kommuner}
    in_town: dict[str, list[AddressRow]] = {}
    for row in addresses:
        if row.postort == towns.get(row.kommun):
            in_town.setdefault(row.kommun, []).append(row)
    places: list[PlaceRow] = []
    for kommun in kommuner:
        rows = in_town.get(kommun.name)
        if not rows:
            continue
        town = MAIN_TOWN.get(kommun.name, kommun.name)
        parts = py.sample(STREET_PARTS, 12 + 2 * 4)
        schools = parts[: 1 + min(11, kommun.population // 8_000)]
        centres = parts[12: 12 + 1 + min(3, kommun.population // 25_000)]
        named = [(f"{p}skolan", "skola") for p in schools] + [(f"Vårdcentralen {p}", "vårdcentral") for p in centres]
        named += [(f"{town} station", "station"), (f"{parts[-1]}badet", "badplats")]
        for name, kind in named:
            row = py.choice(rows)
            places.append(PlaceRow(name, kind, kommun.name, row.lat, row.lon))
    return places
