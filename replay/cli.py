"""`replay run` and `replay compare` (registered by larmcentral_cli): a synthetic year through the product's triage
and recommendation, written as CSV and PDF (docs/region-replay.md, "Running a replay").

Arguments are checked here, before anything runs, and a bad one stops the command with a Swedish message naming it
and exit code 2, never a traceback; argparse's own errors are put in Swedish by SwedishParser."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, NoReturn

from replay.runner import Reporter
from resources.numbers import sv_number
from resources.os_errors import os_error_text

DEFAULT_VARIANTS = "V0,V1,V2,V3,V4,V6"
DEFAULT_SEEDS = "1-5"
MAX_DAYS = 366
MAX_SEED = 2**32 - 1


class ArgumentProblem(ValueError):
    """A bad argument; the message (Swedish) names it."""


class SwedishParser(argparse.ArgumentParser):
    """argparse's error messages, in Swedish where they are the usual ones."""

    _TRANSLATIONS = ((r"unrecognized arguments: (.*)", "okända argument: {0}"),
                     (r"the following arguments are required: (.*)", "följande argument saknas: {0}"),
                     (r"argument (\S+): expected one argument", "argumentet {0} saknar värde"),
                     (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", "{0}: ogiltigt val {1} (välj {2})"))

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        # an unknown option is refused here, in Swedish, rather than by the top-level parser in English
        ns, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return ns, extras

    def error(self, message: str) -> NoReturn:
        for pattern, swedish in self._TRANSLATIONS:
            m = re.fullmatch(pattern, message)
            if m:
                message = swedish.format(*m.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fel: {message}\n")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rp = sub.add_parser("replay", help="regional replay: ett syntetiskt år av Skånes samtal genom triage, "
                                       "rekommendation och flotta; KPI:er mot rapportens skattningar")
    rp.__class__ = SwedishParser  # its own errors ('run' or 'compare' missing or misspelt) in Swedish too
    rp_sub = rp.add_subparsers(dest="replay_action", metavar="run|compare", required=True, parser_class=SwedishParser)
    run = rp_sub.add_parser("run", help="en variant, ett frö")
    run.add_argument("--variant", help="varianten (t.ex. V0, V1, V2)")
    run.add_argument("--seed", help="fröet (heltal ≥ 0)")
    _common(run)
    run.set_defaults(func=_run)
    cmp = rp_sub.add_parser("compare", help="flera varianter över flera frön, på samma samtal per frö")
    cmp.add_argument("--variants", default=DEFAULT_VARIANTS, help=f"kommaseparerade (standard {DEFAULT_VARIANTS})")
    cmp.add_argument("--seeds", default=DEFAULT_SEEDS, help=f"t.ex. 1-5 eller 1,3,7 (standard {DEFAULT_SEEDS})")
    _common(cmp)
    cmp.set_defaults(func=_compare)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="katalog för CSV, PDF, samtalsfiler och manifest.json")
    p.add_argument("--days", help=f"bara de första N dygnen (1–{MAX_DAYS}); utan: hela året, räknat per år")


# --- argument checks ------------------------------------------------------------------------------------------
def parse_int(text: str | None, name: str, low: int, high: int) -> int:
    if text is None or not re.fullmatch(r"\s*[0-9]+\s*", text):  # not \d: '١' is a digit to it
        raise ArgumentProblem(f"{name}: {text!r} är inte ett heltal ({low}–{high})" if text is not None
                              else f"{name} saknas")
    value = int(text)
    if not low <= value <= high:
        raise ArgumentProblem(f"{name}: {value} ligger utanför {low}–{high}")
    return value


def parse_seeds(text: str) -> list[int]:
    """"1-5", "1,3,7" or "1-3,7" → sorted distinct seeds."""
    seeds: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"\s*([0-9]+)\s*(?:-\s*([0-9]+)\s*)?", part)
        if not m:
            raise ArgumentProblem(f"--seeds: {part.strip()!r} är varken ett frö eller ett intervall som 1-5")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if b < a:
            raise ArgumentProblem(f"--seeds: intervallet {a}-{b} är baklänges")
        if b > MAX_SEED or b - a > 999:
            raise ArgumentProblem(f"--seeds: {part.strip()} är för många eller för stora frön (högst 1 000 st, "
                                  f"≤ {MAX_SEED})")
        seeds.update(range(a, b + 1))
        if len(seeds) > 1000:
            raise ArgumentProblem(f"--seeds: {text.strip()} är fler än 1 000 frön")
    return sorted(seeds)


def parse_variants(text: str | None, known: Sequence[str], name: str = "--variants") -> list[str]:
    codes = [c.strip() for c in (text or "").split(",") if c.strip()]
    if not codes:
        raise ArgumentProblem(f"{name} saknas (kända varianter: {', '.join(known)})")
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ArgumentProblem(f"{name}: okänd variant {', '.join(unknown)} (kända: {', '.join(known)})")
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ArgumentProblem(f"{name}: {', '.join(dupes)} anges två gånger")
    return codes


def parse_out(text: str | None) -> Path:
    if not text:
        raise ArgumentProblem("--out saknas: ange en katalog för resultaten")
    path = Path(text)
    try:
        if path.exists() and not path.is_dir():
            raise ArgumentProblem(f"--out: {text} är en fil, inte en katalog")
        parent = next((p for p in (path, *path.parents) if p.exists()), None)
    except OSError as exc:  # a name too long, a directory that cannot be looked into
        raise ArgumentProblem(f"--out: {text} kan inte användas ({os_error_text(exc)})") from exc
    if parent is not None and not parent.is_dir():
        raise ArgumentProblem(f"--out: {parent} är en fil, katalogen kan inte skapas")
    return path


# What a comparison writes (replay.runner): one of them in --out means a comparison, finished or interrupted, is there.
_RESULT_PATTERNS = ("manifest.json", "kpi.csv", "jämförelse.pdf", "calls_*.csv", "samtal_s*")



def check_out_free(path: Path) -> None:
    """--out must not hold another comparison: the new runs would replace some of its files and leave others (a
    variant or seed not run again), and its manifest would make a half-written new one look finished."""
    if not path.is_dir():
        return
    found = list(dict.fromkeys(p.name for pattern in _RESULT_PATTERNS for p in sorted(path.glob(pattern))))
    if found:
        shown = ", ".join(found[:4]) + (" …" if len(found) > 4 else "")
        what = "en jämförelse" if "manifest.json" in found else "en avbruten jämförelse"
        raise ArgumentProblem(f"--out: {path} innehåller redan {what} ({shown}); välj en ny katalog eller ta bort "
                              "den gamla")


def check_out_writable(path: Path) -> None:
    """Made (with its parents) and written to now, so that a directory that cannot be written stops the command
    before a year is replayed, not after."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".skrivtest-", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ArgumentProblem(f"--out: {path} kan inte skrivas ({os_error_text(exc)})") from exc


# --- progress -------------------------------------------------------------------------------------------------
class ProgressLine(Reporter):
    """Plain-text progress on stderr: on a terminal one line rewritten in place (calls done / total, calls per
    second, time left); elsewhere (a log) one line per stage and finished run."""

    def __init__(self, stream: IO[str] | None = None, runs: int = 1, min_interval: float = 0.2) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.runs, self.run_no = runs, 0
        self.min_interval = min_interval
        self.label, self.t0, self.last = "", 0.0, 0.0

    def _line(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        elif final:
            self.stream.write(text + "\n")
        self.stream.flush()

    def stage(self, text: str) -> None:
        self._line(text, final=True)

    def run_started(self, label: str, total: int) -> None:
        self.run_no += 1
        self.step_started(label, total)

    def step_started(self, label: str, total: int) -> None:
        self.label, self.t0, self.last = label, time.perf_counter(), 0.0
        self.progress(0, total)

    def step_done(self, label: str, calls: int, seconds: float) -> None:
        rate = calls / seconds if seconds > 0 else 0.0
        self._line(f"{label}: {calls} samtal på {sv_number(seconds, 1)} s ({sv_number(rate, 0)} samtal/s)", final=True)

    def progress(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if done and done < total and now - self.last < self.min_interval:
            return
        self.last = now
        rate = done / (now - self.t0) if now > self.t0 and done else 0.0
        left = f", ca {sv_number((total - done) / rate, 0)} s kvar" if rate and done < total else ""
        width = 24
        filled = int(width * done / total) if total else width
        self._line(f"[{self.run_no}/{self.runs}] {self.label}: [{'#' * filled}{'.' * (width - filled)}] "
                   f"{done}/{total} samtal, {sv_number(rate, 0)} samtal/s{left}")

    def run_finished(self, label: str, calls: int, seconds: float) -> None:
        self.run_no += 1  # side by side with others: counted when it ends
        self.run_done(label, calls, seconds)
        self.last = 0.0  # the step's line comes back at once

    def run_done(self, label: str, calls: int, seconds: float) -> None:
        rate = calls / seconds if seconds > 0 else 0.0
        self._line(f"[{self.run_no}/{self.runs}] {label}: {calls} samtal på {sv_number(seconds, 1)} s "
                   f"({sv_number(rate, 0)} samtal/s)",
                   final=True)


# --- commands -------------------------------------------------------------------------------------------------
def _execute(variants_text: str | None, seeds: list[int], args: argparse.Namespace, name: str) -> int:
    from replay.backend import BackendMissing, product_backend, variant_codes
    from replay.parallel_runs import RunFailed
    from replay.runner import run_comparison
    from resources.datafile import DataFileError

    try:
        out = parse_out(args.out)
        days = None if args.days is None else parse_int(args.days, "--days", 1, MAX_DAYS)
        variants = parse_variants(variants_text, variant_codes(), name)
        check_out_free(out)
        check_out_writable(out)  # last: the only check that makes something (the directory)
        backend = product_backend()
    except ArgumentProblem as exc:
        print(f"Felaktigt argument: {exc}", file=sys.stderr)
        return 2
    except (BackendMissing, DataFileError, KeyError) as exc:
        print(f"Replayn kan inte starta: {exc}", file=sys.stderr)
        return 1
    try:
        paths = run_comparison(backend, variants, seeds, out, days=days,
                               reporter=ProgressLine(runs=len(variants) * len(seeds)))
    except OSError as exc:
        print(f"Kan inte skriva i {out}: {os_error_text(exc)}", file=sys.stderr)
        return 1
    except (RunFailed, DataFileError) as exc:  # a run that could not finish; manifest.json is not written
        print(f"Replayn avbröts: {exc}\nJämförelsen i {out} är inte färdig (ingen manifest.json).", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # manifest.json is written last: without it no one takes the directory as finished
        print(f"\nAvbruten: jämförelsen i {out} är inte färdig (ingen manifest.json); ta bort katalogen eller "
              "välj en ny --out nästa gång", file=sys.stderr)
        return 130
    print(f"Skrev {len(paths)} filer i {out}")
    return 0


def _run(args: argparse.Namespace) -> int:
    try:
        seed = parse_int(args.seed, "--seed", 0, MAX_SEED)
        if args.variant is None:
            raise ArgumentProblem("--variant saknas")
    except ArgumentProblem as exc:
        print(f"Felaktigt argument: {exc}", file=sys.stderr)
        return 2
    return _execute(args.variant, [seed], args, "--variant") if "," not in args.variant else _one_variant_only()


def _one_variant_only() -> int:
    print("Felaktigt argument: --variant tar en variant; flera jämförs med 'replay compare --variants'",
          file=sys.stderr)
    return 2


def _compare(args: argparse.Namespace) -> int:
    try:
        seeds = parse_seeds(args.seeds)
    except ArgumentProblem as exc:
        print(f"Felaktigt argument: {exc}", file=sys.stderr)
        return 2
    return _execute(args.variants, seeds, args, "--variants")
