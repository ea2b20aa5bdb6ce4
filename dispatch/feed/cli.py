"""Subcommands: `simulate` (the simulated fleet on loopback), `feed keys` (CURVE key pairs),
`feed watch` (subscribe with a config and print the counters) and `feed serve` (the headless feed
service of a multi-console centre: persists status events and closes cases with the units' outcomes).
Registered by dispatch.cli."""

from __future__ import annotations

import argparse
import gc
import ipaddress
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from resources.datafile import DataFileError
from resources.numbers import sv_number

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from commands.alert_service import AlertService
    from dispatch.feed.config import SubscriberConfig
    from records.actor import Actor


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("simulate", help="simulera Skånes flotta och publicera statusflödena (ZeroMQ)",
                       description="Publicerar standardflottan som fyra flöden (ambulans, mobila_team, "
                                   "skanetrafiken, raddningstjanst) enligt docs/feed-protocol.md.")
    p.add_argument("--host", default="127.0.0.1", help="adress att binda (standard 127.0.0.1)")
    p.add_argument("--base-port", type=int, default=5550,
                   help="första porten; varje publicist får två (uppdatering, ögonblicksbild), kommandon på +8, "
                        "och enheternas larm ansluter till larmcentralen på +10 … +13 (docs/alert-protocol.md)")
    p.add_argument("--time-scale", type=float, default=5.0, help="simulerad tid per verklig sekund (standard 5)")
    p.add_argument("--background-per-hour", type=float, default=120.0,
                   help="bakgrundsuppdrag per simulerad timme, så att tavlan lever (standard 120)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keys", type=Path, help="katalog med <publicist>.key_secret och larmcentral.key (CURVE)")
    p.add_argument("--write-config", type=Path, help="skriv en prenumerantkonfiguration för flödena hit")
    p.add_argument("--duration", type=float, help="avsluta efter så många sekunder")
    fault = p.add_argument_group("felbeteenden (för test)")
    fault.add_argument("--drop", type=float, default=0.0, metavar="PROCENT", help="tappa så många procent av meddelandena")
    fault.add_argument("--garbage-every", type=float, metavar="S", help="skicka ogiltiga meddelanden var S:e sekund")
    fault.add_argument("--flood", type=float, metavar="PER_S", help="extra statusmeddelanden per sekund per publicist")
    fault.add_argument("--restart-every", type=float, metavar="S", help="simulera omstart (ny epok) var S:e sekund")
    fault.add_argument("--silent-after", type=float, metavar="S", help="tystna helt efter S sekunder")
    fault.add_argument("--alert-drop", type=float, default=0.0, metavar="PROCENT",
                       help="enhetssystemen tappar så många procent av larmen (varken kvitterade eller utförda)")
    fault.add_argument("--alert-delay", type=float, default=0.0, metavar="S",
                       help="enhetssystemen tar emot larmen S sekunder för sent")
    fault.add_argument("--alert-decline", type=float, default=0.0, metavar="PROCENT",
                       help="besättningarna avböjer så många procent av uppdragen")
    p.set_defaults(func=_simulate)

    feed = sub.add_parser("feed", help="statusflöden: nycklar och övervakning")
    fsub = feed.add_subparsers(dest="feed_command", metavar="KOMMANDO", required=True)
    k = fsub.add_parser("keys", help="skapa ett CURVE-nyckelpar (NAMN.key och NAMN.key_secret)")
    k.add_argument("directory", type=Path, metavar="KATALOG")
    k.add_argument("name", metavar="NAMN", help="t.ex. larmcentral eller ambulans")
    k.set_defaults(func=_keys)
    w = fsub.add_parser("watch", help="prenumerera enligt en konfiguration och skriv räknarna varje sekund")
    w.add_argument("config", type=Path, metavar="KONFIG")
    w.add_argument("--duration", type=float, help="avsluta efter så många sekunder")
    w.set_defaults(func=_watch)
    sv = fsub.add_parser("serve", help="tjänsten för en central med många konsoler: spara statushändelser och "
                                       "stäng ärenden med enheternas utfall (databasen enligt LARMCENTRAL_DB_URL)")
    sv.add_argument("config", type=Path, metavar="KONFIG")
    sv.add_argument("--duration", type=float, help="avsluta efter så många sekunder")
    sv.add_argument("--quiet", action="store_true", help="skriv inte räknarna varje sekund")
    sv.add_argument("--token-file", type=Path, default=None, metavar="FIL",
                    help="tjänstenyckeln för system.flöde (standard: LARMCENTRAL_TOKEN_FILE); skapas av en "
                         "administratör med `main.py users token create system.flöde --out FIL`")
    sv.set_defaults(func=_serve)


def _keys(args: argparse.Namespace) -> int:
    from dispatch.feed.security import SERVER_KEY_NAME, create_keys

    if not args.name.replace("_", "").replace("-", "").replace(".", "").isalnum() or args.name.startswith("."):
        print(f"Ogiltigt namn {args.name!r}: använd bokstäver, siffror, -, _ och . (t.ex. ambulans.2026-12 för en "
              "ny nyckel vid nyckelbyte).", file=sys.stderr)
        return 2
    public, secret = create_keys(args.directory, args.name)
    print(f"Skapade {public} (publik) och {secret} (hemlig, lämna aldrig ut).")
    if args.name == SERVER_KEY_NAME:
        print("Larmcentralens nyckel: ange .key_secret som curve.server_secret_key i prenumerantens konfiguration "
              "och ge .key till varje publicist.")
    else:
        print(f"Publicistnyckel: kopiera {public.name} till katalogen curve.allowed_publishers hos larmcentralen.")
    return 0


@contextmanager
def _stop_event(duration: float | None) -> Iterator[threading.Event]:
    """An event set by Ctrl-C, SIGTERM or after `duration` seconds; the signal handlers are restored after."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    timer = threading.Timer(duration, stop.set) if duration is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield stop
    finally:
        if timer is not None:
            timer.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _simulate(args: argparse.Namespace) -> int:
    from dispatch.feed.config import CurveSettings, save_subscriber_config
    from dispatch.feed.publisher import PublisherSecurity
    from dispatch.feed.security import SERVER_KEY_NAME
    from dispatch.simulator import PUBLISHERS, Simulator, SimulatorRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    security = None
    if args.keys is not None:
        missing = [str(args.keys / f"{n}.key_secret") for n in PUBLISHERS if not (args.keys / f"{n}.key_secret").exists()]
        if not (args.keys / f"{SERVER_KEY_NAME}.key").exists():
            missing.append(str(args.keys / f"{SERVER_KEY_NAME}.key"))
        if missing:
            print("Nycklar saknas (skapa dem med `python main.py feed keys KATALOG NAMN`): " + ", ".join(missing),
                  file=sys.stderr)
            return 2
        security = {n: PublisherSecurity(str(args.keys / f"{n}.key_secret"), str(args.keys / f"{SERVER_KEY_NAME}.key"))
                    for n in PUBLISHERS}
    elif not _is_loopback(args.host):
        print(f"Okrypterad TCP är bara tillåten på loopback (labb), inte på {args.host}. Ange --keys KATALOG.",
              file=sys.stderr)
        return 2
    sim = Simulator(seed=args.seed, background_per_hour=args.background_per_hour)
    alerts = {name: f"tcp://{args.host}:{args.base_port + 10 + i}" for i, name in enumerate(PUBLISHERS)}
    runner = SimulatorRunner(sim, host=args.host, base_port=args.base_port, time_scale=args.time_scale,
                             command_endpoint=f"tcp://{args.host}:{args.base_port + 8}", security=security,
                             alert_endpoints=alerts)
    try:
        runner.start()
    except Exception as exc:  # noqa: BLE001 - e.g. port taken: tell the user
        print(f"Kunde inte starta simulatorn: {exc}", file=sys.stderr)
        return 1
    try:
        if args.write_config is not None:
            curve = None
            if args.keys is not None:
                curve = CurveSettings(server_secret_key=args.keys / f"{SERVER_KEY_NAME}.key_secret",
                                      allowed_publishers=args.keys)
            config = runner.subscriber_config(curve=curve) if curve else runner.subscriber_config()
            save_subscriber_config(config, args.write_config)
            print(f"Prenumerantkonfiguration skriven till {args.write_config}")
        for name, (updates, snapshot) in runner.endpoints.items():
            print(f"{name}: uppdateringar {updates}, ögonblicksbild {snapshot}, larm (ansluter till) {alerts[name]}")
        print(f"kommandon (REQ/REP, JSON): {runner.bound_command_endpoint}")
        print(f"{len(sim.units)} enheter, tidsskala {args.time_scale}×{'' if security else ', okrypterat labbläge'}. "
              "Avsluta med Ctrl-C.")
        try:
            for name in PUBLISHERS:
                if args.drop or args.flood:
                    runner.fault(name, drop_rate=args.drop / 100, flood_rate=args.flood or 0.0)
                if args.alert_drop or args.alert_delay or args.alert_decline:
                    runner.fault(name, alert_drop_rate=args.alert_drop / 100, alert_delay_s=args.alert_delay,
                                 alert_decline_rate=args.alert_decline / 100)
        except ValueError as exc:  # pydantic's check of the fault settings: say which option, in Swedish
            err = exc.errors()[0] if hasattr(exc, "errors") else {"loc": ("?",), "msg": str(exc)}
            print(f"Ogiltigt felbeteende ({'.'.join(str(p) for p in err['loc'])}): andelar 0–100 %, "
                  f"fördröjning 0–600 s.", file=sys.stderr)
            return 2
        with _stop_event(args.duration) as stop:
            _run_faults(runner, args, stop)
    finally:
        runner.stop()
    return 0


def _run_faults(runner: object, args: argparse.Namespace, stop: threading.Event) -> None:
    from dispatch.simulator import PUBLISHERS

    start = time.monotonic()
    next_garbage = start + (args.garbage_every or 0)
    next_restart = start + (args.restart_every or 0)
    silent = False
    while not stop.wait(0.2):
        now = time.monotonic()
        if args.garbage_every and now >= next_garbage:
            next_garbage = now + args.garbage_every
            for name in PUBLISHERS:
                runner.fault(name, garbage=1)  # type: ignore[attr-defined]
        if args.restart_every and now >= next_restart:
            next_restart = now + args.restart_every
            for name in PUBLISHERS:
                runner.fault(name, restart=True)  # type: ignore[attr-defined]
        if args.silent_after is not None and not silent and now - start >= args.silent_after:
            silent = True
            print("Simulatorn tystnar (--silent-after).")
            for name in PUBLISHERS:
                runner.fault(name, silent=True)  # type: ignore[attr-defined]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _watch(args: argparse.Namespace) -> int:
    return _run_service(args, persist=False)


def _serve(args: argparse.Namespace) -> int:
    return _run_service(args, persist=True)


def _run_service(args: argparse.Namespace, *, persist: bool) -> int:
    """`watch` prints counters and outcomes; `serve` also persists status events and applies outcomes."""
    from dispatch.feed.config import load_subscriber_config
    from dispatch.feed.service import FeedService

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        config = load_subscriber_config(args.config)
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    inbox = None
    factory = None
    actor = None
    leadership = None
    if persist:
        from sqlalchemy.exc import OperationalError

        from records.db import database_url, open_database
        from resources.settings import load_settings

        if (args.token_file or load_settings().token_file) is None:
            print(NO_TOKEN, file=sys.stderr)
            return 2
        from dispatch.feed.leader import leadership_for

        try:
            engine, factory = open_database()
        except OperationalError as exc:
            print(f"Databasen kan inte nås ({database_url()}): {exc.orig}", file=sys.stderr)
            return 2
        actor = _feed_actor(factory, args)
        # One `feed serve` per database stores the record and applies the inbox; the others follow (8.1).
        leadership = leadership_for(engine.url.render_as_string(hide_password=False))
        inbox = _InboxApplier(factory, actor, when=leadership.is_leader)
    alerts = (_AlertRunner(factory, actor, config, when=leadership.is_leader)
              if factory is not None and actor is not None and leadership is not None and config.alert_endpoints()
              else None)
    service = FeedService(config, session_factory=factory, leadership=leadership)
    try:
        service.start()
    except Exception as exc:  # noqa: BLE001 - bad key file, endpoint: tell the user
        print(f"Kunde inte starta prenumeranten: {exc}", file=sys.stderr)
        if actor is not None and factory is not None:
            _sign_out(factory, actor)
        return 1
    gc.collect()
    gc.freeze()  # a long-running service: the cyclic collector need not walk what start-up left behind
    hup = getattr(signal, "SIGHUP", None)
    previous_hup = None
    if hup is not None and service.subscriber is not None:
        reload_keys = service.subscriber.reload_keys
        previous_hup = signal.signal(hup, lambda *_: reload_keys())  # `kill -HUP`: read the key allow-list now
    try:
        with _stop_event(args.duration) as stop:
            while not stop.wait(1.0):
                if not getattr(args, "quiet", False):
                    _print_counters(service)
                _drain_outcomes(service)
                if inbox is not None:
                    inbox.tick()
                if alerts is not None:
                    alerts.tick(quiet=getattr(args, "quiet", False))
        _drain_outcomes(service)  # what arrived in the last second
        if inbox is not None:
            inbox.tick(force=True)
    finally:
        if previous_hup is not None:
            signal.signal(hup, previous_hup)  # type: ignore[arg-type]
        if alerts is not None:
            alerts.stop()
        service.stop()
        if actor is not None and factory is not None:
            _sign_out(factory, actor)
    return 0


def _drain_outcomes(service: object) -> None:
    """Print the outcomes received (shown only: `serve` applies them from the durable inbox, _InboxApplier)."""
    outcomes = service.outcomes  # type: ignore[attr-defined]
    while not outcomes.empty():
        o = outcomes.get_nowait()
        print(f"  utfall: enhet {o.unit_id}, ärende {o.case_id}: {o.code} {o.destination or ''}")


def _print_counters(service: object) -> None:
    from dispatch.feed.counters import feed_line

    state = service.state  # type: ignore[attr-defined]
    units = state.units()
    print(f"enheter {len(units)}, ingen kontakt {sum(v.stale for v in units)}")
    leading = getattr(service, "leading", None)
    if leading is not None:
        print("  ledning: leder (sparar flödena)" if leading else
              "  ledning: följer (en annan process sparar flödena; tar över om den försvinner)")
    writer = getattr(service, "writer", None)
    per_feed = writer.counters()["publishers"] if writer is not None else {}
    for f in state.feeds():  # the names of docs/feed-protocol.md 8.3
        print("  " + feed_line(f, per_feed.get(f.publisher, {}) if writer is not None else None))
    if writer is not None:
        c = writer.counters()
        per = c["publishers"].values()
        print(f"  posten: sparade {sum(p['stored'] for p in per)}, oförändrade {sum(p['unchanged'] for p in per)}, "
              f"döda brev {sum(sum(p['dead_lettered'].values()) for p in per)}, "
              f"luckor {sum(p['holes'] for p in per)}, utfall i inkorgen {sum(p['outcomes_inboxed'] for p in per)}, "
              f"kö {c['backlog']}, databasfel {c['failures']}{'' if c['leading'] else ', leder inte'}")


NO_TOKEN = ("feed serve sparar statushändelser och stänger ärenden med enheternas utfall som systemanvändaren "
            "system.flöde, och loggar in med dess tjänstenyckel. Be en administratör skapa en: "
            "`main.py users token create system.flöde --out FIL`, och ange filen med --token-file FIL eller "
            "LARMCENTRAL_TOKEN_FILE.")


def _feed_actor(factory: sessionmaker[Session], args: argparse.Namespace) -> Actor:
    """system.flöde, signed in with its service token; a token of another user is refused (Swedish)."""
    from outcomes.system_jobs import FEED_USER
    from records.actor import NotPermitted
    from records.cli_auth import cli_actor
    from records.db import transaction
    from records.identity import end_session

    actor = cli_actor(factory, args, None)  # no --user here: always the token
    if actor.username != FEED_USER:
        with transaction(factory) as session:
            end_session(session, actor, "wrong_user")
        raise NotPermitted(f"Tjänstenyckeln hör till {actor.username}; feed serve behöver en nyckel för {FEED_USER} "
                           f"(`main.py users token create {FEED_USER}`).")
    return actor


def _sign_out(factory: sessionmaker[Session], actor: Actor) -> None:
    from records.db import DatabaseUnavailable, transaction
    from records.identity import end_session

    try:
        with transaction(factory) as session:
            end_session(session, actor, "stopped")
    except DatabaseUnavailable as exc:  # the session stays open in the log; nothing else is lost
        print(f"Utloggningen kunde inte sparas: {exc}", file=sys.stderr)


class _AlertRunner:
    """The unit alerts (docs/alert-protocol.md) while this process leads: the sender binds the publishers' alert
    endpoints when the lead is taken and lets them go when it is lost, so the process that takes over binds them and
    carries on from the database (the outbox). A failure to bind is told and tried again every few seconds."""

    RETRY_S = 5.0

    def __init__(self, factory: sessionmaker[Session], actor: Actor, config: SubscriberConfig, *,
                 when: Callable[[], bool]):
        self.factory, self.actor, self.config, self.when = factory, actor, config, when
        self.service: AlertService | None = None
        self._next_try = 0.0

    def tick(self, *, quiet: bool = False) -> None:
        from commands.alert_service import AlertService

        leading = self.when()
        if self.service is not None and not leading:
            print("  larm: leder inte längre; larmändpunkterna släpps")
            self.stop()
        if self.service is None and leading and time.monotonic() >= self._next_try:
            curve = self.config.curve
            try:
                service = AlertService(self.factory, self.config.alert_endpoints(), actor=self.actor,
                                       server_secret_key=curve.server_secret_key if curve else None,
                                       allowed_publishers=curve.allowed_publishers if curve else None)
                service.start()
            except Exception as exc:  # noqa: BLE001 - e.g. a port taken: say so, try again
                self._next_try = time.monotonic() + self.RETRY_S
                print(f"  larm: larmändpunkterna kunde inte öppnas (nytt försök om {sv_number(self.RETRY_S)} s): "
                      f"{exc}", file=sys.stderr)
                return
            self.service = service
            print(f"  larm: skickar larm till enheterna på {', '.join(f'{p} {e}' for p, e in service.bound.items())}")
        if self.service is not None and not quiet:
            snap = self.service.snapshot()
            c = snap["service"]
            gateways = ", ".join(f"{p} {'uppe' if g['up'] else 'nere'}" for p, g in snap["gateways"].items())
            print(f"  larm: skickade {c['sent']}, kvittenser {c['acks']}, accepterade {c['accepts']}, "
                  f"avböjda {c['declines']}, ej kvitterade i tid {c['timeouts']}, fel {c['failures']}; {gateways}")

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None


class _InboxApplier:
    """Applies the durable outcome inbox (commands.feed_inbox) as system.flöde, once a second while `when()` says
    so (another `feed serve` may hold the lead); while the database refuses, it waits 2 s, doubling up to 5 min."""

    def __init__(self, factory: sessionmaker[Session], actor: Actor, *, when: Callable[[], bool] | None = None):
        self.factory, self.actor, self.when = factory, actor, when
        self.applied = self.dead = 0
        self._failures = 0
        self._next_try = 0.0

    def tick(self, *, force: bool = False) -> None:
        from commands import apply_due_outcomes  # composition root: outcomes close cases through the commands

        if (self.when is not None and not self.when()) or (not force and time.monotonic() < self._next_try):
            return
        try:
            done = apply_due_outcomes(self.factory, self.actor)
            why = done.stopped_by
        except Exception as exc:  # noqa: BLE001 - e.g. the token revoked: say so, keep serving, try again later
            done, why = None, str(exc)
        if done is not None:
            self.applied += done.applied
            self.dead += done.dead
            for o in done.outcomes:
                print(f"  utfall registrerat: ärende {o.case_id}"
                      f"{'' if o.outcome is not None else ' (manuellt utfall behålls)'}")
            for d in done.dead_rows:
                print(f"  utfall från {d.unit_id} för ärende {d.case_id} ({d.code}) kunde inte registreras och "
                      f"ligger i RLS-granskningskön: {d.reason}", file=sys.stderr)
        if why is None:
            self._failures, self._next_try = 0, 0.0
            return
        self._failures += 1
        delay = min(300.0, 2.0 * 2 ** min(self._failures - 1, 8))
        self._next_try = time.monotonic() + delay
        print(f"  utfallsinkorgen kunde inte behandlas (nytt försök om {sv_number(delay)} s): {why}", file=sys.stderr)
