"""`main.py aml send`: send one phone position (AML) to a console as the telephony integration would
(docs/phone-position.md) — the integration's test tool, and the demo's way to give a call a phone position.

It connects a PUSH socket to the console's endpoint (LARMCENTRAL_AML_ENDPOINT, or `--endpoint`; a console bound to
every interface, `tcp://*:5590` or `tcp://0.0.0.0:5590`, is reached on 127.0.0.1) and waits up to `--wait` seconds
for a console to take the message. Exit codes: 0 sent, 1 no console took it in time, 2 a bad value (Swedish,
naming the option)."""

from __future__ import annotations

import argparse
import math
import re
import sys
from datetime import UTC, datetime

from pydantic import ValidationError

from resources.location.phone_position import (
    FIELD_RULES,
    PhonePosition,
    encode_phone_position,
    parse_phone_position,
)
from resources.settings import endpoint_problem, load_settings

OPTIONS = {"phone": "--phone", "lat": "--lat", "lon": "--lon", "accuracy_m": "--accuracy", "at": "--at",
           "source": "--source"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    aml = sub.add_parser("aml", help="telefonpositioner (AML): skicka en position till en konsol (test, demo)")
    asub = aml.add_subparsers(dest="aml_command", metavar="KOMMANDO", required=True)
    s = asub.add_parser("send", help="skicka en telefonposition till konsolen som telefonins integration gör",
                        description="Skickar en telefonposition (docs/phone-position.md) till konsolens adress.")
    s.add_argument("--phone", required=True, metavar="NUMMER", help="den uppringandes nummer, t.ex. 070-123 45 67")
    s.add_argument("--lat", required=True, type=float, metavar="GRADER", help="latitud, WGS84 (t.ex. 55.6050)")
    s.add_argument("--lon", required=True, type=float, metavar="GRADER", help="longitud, WGS84 (t.ex. 13.0038)")
    s.add_argument("--accuracy", required=True, type=float, metavar="METER", help="osäkerhetsradie i meter")
    s.add_argument("--at", metavar="TID", help="när positionen mättes, ISO 8601 med tidszon (standard: nu)")
    s.add_argument("--source", choices=("GNSS", "WIFI", "CELL", "UNKNOWN"), help="hur positionen togs fram")
    s.add_argument("--endpoint", metavar="ADRESS", help="konsolens adress (standard: LARMCENTRAL_AML_ENDPOINT)")
    s.add_argument("--wait", type=float, default=5.0, metavar="S",
                   help="sekunder att vänta på att en konsol tar emot (standard 5)")
    s.set_defaults(func=_send)


def _send(args: argparse.Namespace) -> int:
    import zmq

    endpoint = (args.endpoint or load_settings().aml_endpoint).strip()
    if problem := endpoint_problem(endpoint):
        print(f"--endpoint {endpoint!r} är ogiltig: {problem}.", file=sys.stderr)
        return 2
    try:
        position = _position(args)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not (math.isfinite(args.wait) and 0 < args.wait <= 3600):
        print(f"--wait ska vara ett antal sekunder över 0 och högst 3600 (fick {args.wait}).", file=sys.stderr)
        return 2
    target = re.sub(r"^tcp://(\*|0\.0\.0\.0):", "tcp://127.0.0.1:", endpoint)
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.setsockopt(zmq.IMMEDIATE, 1)  # queue only for a console actually connected: no silent wait in a buffer
    sock.setsockopt(zmq.SNDTIMEO, max(1, int(args.wait * 1000)))
    try:
        sock.connect(target)
        sock.send(encode_phone_position(position))
    except zmq.Again:
        print(f"Ingen konsol tog emot telefonpositionen på {target} inom {args.wait:g} s (är konsolen igång, och "
              "med samma LARMCENTRAL_AML_ENDPOINT?).", file=sys.stderr)
        return 1
    finally:
        sock.close(linger=max(1, int(args.wait * 1000)))  # the message leaves before the socket goes
        context.term()
    print(f"Skickade telefonposition för {position.phone} ({position.lat}, {position.lon}, ±{position.accuracy_m:g} m, "
          f"{position.at.isoformat()}) till {target}.")
    return 0


def _position(args: argparse.Namespace) -> PhonePosition:
    """The options as a position, checked as the console checks a message; a bad one names its option."""
    if args.at is None:
        at = datetime.now(UTC)
    else:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise ValueError(f"--at {args.at!r}: {FIELD_RULES['at']}") from None
    try:
        position = PhonePosition(phone=args.phone, lat=args.lat, lon=args.lon, accuracy_m=args.accuracy, at=at,
                                 source=args.source)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        raise ValueError(f"{OPTIONS.get(field, field)}: {FIELD_RULES.get(field, 'fel värde')}") from None
    parse_phone_position(encode_phone_position(position))  # what the console will read: the same rules
    return position
