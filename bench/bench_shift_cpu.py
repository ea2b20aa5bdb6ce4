"""A dispatcher's shift: the GUI thread's CPU over a run of the real console in a real X window (issue 16's goal:
under 10 % of one core on average for a 5-minute dispatcher run at 1920×1080 with the simulator).

    .venv/bin/python bench/bench_shift_cpu.py [--seconds 300] [--size 1920x1080] [--interval 5] [--warmup 20]

What runs is what a dispatcher runs: `main.py console --demo --user demo.dispatcher --role dispatcher` as a
subprocess, on an X server of its own (`Xvfb :N -screen 0 <size>x24`, the first free display from :90) with
openbox as window manager, set to open the console's main window maximized without decorations (a console
on a control-room screen) so that it really is <size>; its geometry is read back with `xdotool
getwindowgeometry` and printed. The sign-in dialog that `--user` opens is answered through X as a user does
(xdotool types the demo password and Enter); then the console's test hook (docs/test-hook.md,
LARMCENTRAL_TEST_SCRIPT) selects the Prio 1 chest pain case in väntrummet and presses I, so the recommendation
is computed and the case panel ('Ärendet') shows the whole case while the built-in simulator drives the demo
fleet (map, fleet board, feed health, väntrummet's wait clocks all live).

The baseline, measured concurrently in the same run on another X server of the same size: the same program
as the demo nurse (`--user demo.nurse --role nurse`, the same demo data and simulated fleet, idle in Samtal).
Each console has its own temporary LARMCENTRAL_DATA_DIR and XDG_CONFIG_HOME, and LARMCENTRAL_ALERT_SOUND=0.

Measured from outside, every `--interval` seconds: the GUI (main) thread's utime+stime from
/proc/PID/task/PID/stat, the whole console process's from /proc/PID/stat, and its children's (the simulator,
the feed receiver; every live descendant, each counted from its first sample or from zero when it started
in between), in clock ticks (SC_CLK_TCK). Printed per console: the average % of one core over the run
(the first `--warmup` seconds — start-up, demo data, first reads — are left out and said so), the
per-interval median / p95 / max, the busiest threads of each (Python's own threads show as "python": their names
are not given to the OS), and the ratio dispatcher / nurse. `--shot DIR` saves each X screen once the warm-up is
over, to see what was measured. The load average at start and end is
printed beside them: on a shared machine other work competes for the same cores. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_PCT = 10.0
DEMO_PASSWORD = "demo-2026"  # records/demo.py: every demo user's password
CLK = os.sysconf("SC_CLK_TCK")
# The case the dispatcher works on: the demo's Prio 1 chest pain (console/demo_cases.py, "bröstsmärta-prio1").
DISPATCHER_SCRIPT: list[dict[str, Any]] = [
    {"select": "waitingRoom", "row_with": "Kyrkogatan 5", "timeout_s": 120},
    {"keys": "I"},
    {"wait": "caseDetailTree", "contains": "Anteckningar (2)", "timeout_s": 120},
]
# Openbox: the console's main window (a "normal" window; dialogs are not) maximized and undecorated.
OPENBOX_RULE = """<applications>
  <application type="normal"><decor>no</decor><maximized>yes</maximized></application>
"""


# --- X servers -------------------------------------------------------------------------------------------
def free_display(start: int, taken: set[int]) -> int:
    for n in range(start, start + 100):
        if n not in taken and not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    raise SystemExit(f"ingen ledig X-display mellan :{start} och :{start + 99}")


def openbox_config(directory: Path) -> Path:
    base = Path("/etc/xdg/openbox/rc.xml")
    text = base.read_text() if base.exists() else "<openbox_config>\n<applications>\n</applications>\n</openbox_config>\n"
    path = directory / "rc.xml"
    path.write_text(text.replace("<applications>", OPENBOX_RULE, 1))
    return path


@dataclass
class Screen:
    display: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def start_screen(n: int, size: str, rc: Path) -> Screen:
    display = f":{n}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    screen = Screen(display, [xvfb])
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if xvfb.poll() is not None or time.monotonic() > deadline:
            screen.stop()
            raise SystemExit(f"Xvfb {display} startade inte")
        time.sleep(0.1)
    env = dict(os.environ, DISPLAY=display)
    screen.procs.append(subprocess.Popen(["openbox", "--config-file", str(rc), "--sm-disable"], env=env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return screen


def xdotool(display: str, *args: str, timeout: float = 60) -> str:
    out = subprocess.run(["xdotool", *args], env=dict(os.environ, DISPLAY=display), capture_output=True, text=True,
                         timeout=timeout)
    return out.stdout.strip()


def wait_window(display: str, pid: int, name: str, timeout: float) -> str:
    """The id of a visible window of `pid` whose title contains `name`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ids = xdotool(display, "search", "--onlyvisible", "--pid", str(pid), "--name", name).split()
        if ids:
            return ids[-1]
        time.sleep(0.3)
    raise TimeoutError(f"inget fönster '{name}' på {display} efter {timeout:.0f} s")


def geometry(display: str, wid: str) -> str:
    """`xdotool getwindowgeometry`: "Position: 0,0 (screen: 0)", "Geometry: 1920x1080" -> "1920x1080 vid 0,0"."""
    found = dict(line.strip().split(":", 1) for line in xdotool(display, "getwindowgeometry", wid).splitlines()[1:])
    return f"{found.get('Geometry', '?').strip()} vid {found.get('Position', '?').split('(')[0].strip()}"


# --- a console ---------------------------------------------------------------------------------------------
@dataclass
class Console:
    label: str
    user: str
    role: str
    screen: Screen
    tmp: Path
    proc: subprocess.Popen[str] | None = None
    log_lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    script_done: threading.Event = field(default_factory=threading.Event)
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)  # (t, main thread, process, children)
    _child_last: dict[int, int] = field(default_factory=dict)
    _child_total: int = 0

    def start(self, script: list[dict[str, Any]] | None) -> None:
        data, config = self.tmp / "data", self.tmp / "config"
        data.mkdir()
        config.mkdir()
        env = dict(os.environ, DISPLAY=self.screen.display, LARMCENTRAL_DATA_DIR=str(data),
                   XDG_CONFIG_HOME=str(config), LARMCENTRAL_ALERT_SOUND="0", PYTHONUNBUFFERED="1")
        for k in ("QT_QPA_PLATFORM", "LARMCENTRAL_DB_URL", "LARMCENTRAL_TEST_SCRIPT", "WAYLAND_DISPLAY"):
            env.pop(k, None)
        if script is not None:
            path = self.tmp / "script.json"
            path.write_text(json.dumps(script, ensure_ascii=False))
            env["LARMCENTRAL_TEST_SCRIPT"] = str(path)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "console", "--demo", "--user", self.user, "--role", self.role],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log_lines.append(line.rstrip())
            if "konsolen redo" in line:
                self.ready.set()
            if "testskript klart" in line:
                self.script_done.set()

    def sign_in(self, timeout: float) -> None:
        """The sign-in dialog --user opens: the password typed and Enter, through X."""
        assert self.proc is not None
        d = self.screen.display
        wid = wait_window(d, self.proc.pid, "Logga in", timeout)
        xdotool(d, "windowactivate", "--sync", wid)
        xdotool(d, "windowfocus", "--sync", wid)
        xdotool(d, "type", "--delay", "40", DEMO_PASSWORD)
        xdotool(d, "key", "Return")
        if not self.ready.wait(timeout):
            raise TimeoutError(f"{self.label}: ingen 'konsolen redo' efter inloggningen:\n" + "\n".join(self.log_lines[-20:]))

    def window_geometry(self) -> str:
        assert self.proc is not None
        return geometry(self.screen.display, wait_window(self.screen.display, self.proc.pid, "Larmcentral Skåne –", 30))

    def sample(self) -> None:
        assert self.proc is not None
        pid = self.proc.pid
        t = time.monotonic()
        main = _ticks(Path(f"/proc/{pid}/task/{pid}/stat"))
        whole = _ticks(Path(f"/proc/{pid}/stat"))
        for child in descendants(pid):
            ticks = _ticks(Path(f"/proc/{child}/stat"))
            if ticks is None:
                continue
            self._child_total += ticks - self._child_last.get(child, 0)
            self._child_last[child] = ticks
        if main is not None and whole is not None:
            self.samples.append((t, main, whole, self._child_total))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # the console ends its simulator and feed receiver with it
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _ticks(stat: Path) -> int | None:
    """utime + stime of a process or thread, in clock ticks."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5), counted after "pid (comm)"


def threads(pid: int) -> dict[int, tuple[str, int]]:
    """Every thread of `pid`: its name and utime + stime."""
    out = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        ticks = _ticks(task / "stat")
        try:
            name = (task / "comm").read_text().strip()
        except FileNotFoundError:
            continue
        if ticks is not None:
            out[int(task.name)] = (name, ticks)
    return out


def busiest_threads(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]], seconds: float,
                    main: int, top: int = 4) -> str:
    used = sorted(((ticks - before.get(tid, ("", 0))[1], tid, name) for tid, (name, ticks) in after.items()),
                  reverse=True)[:top]
    return ", ".join(f"{'GUI ' if tid == main else ''}{name} {100 * t / CLK / seconds:.1f} %" for t, tid, name in used)


SHOT = """import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
app.primaryScreen().grabWindow(0).save(sys.argv[1])
"""


def screenshot(display: str, path: Path) -> None:
    """The whole X screen as a PNG (a process of its own: the bench measures, it does not draw)."""
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    subprocess.run([sys.executable, "-c", SHOT, str(path)], env=env, timeout=60, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


# --- figures -----------------------------------------------------------------------------------------------
@dataclass
class Figures:
    avg: float
    median: float
    p95: float
    max: float


def figures(samples: list[tuple[float, int, int, int]], column: int, since: float) -> Figures | None:
    kept = [s for s in samples if s[0] >= since]
    if len(kept) < 2:
        return None
    per = [100 * (b[column] - a[column]) / CLK / (b[0] - a[0]) for a, b in zip(kept, kept[1:], strict=False)]
    whole = 100 * (kept[-1][column] - kept[0][column]) / CLK / (kept[-1][0] - kept[0][0])
    q = sorted(per)
    return Figures(whole, statistics.median(q), q[min(len(q) - 1, int(0.95 * len(q)))], q[-1])


def print_table(consoles: list[Console], since: float) -> dict[tuple[str, str], Figures | None]:
    out: dict[tuple[str, str], Figures | None] = {}
    print(f"{'konsol':<12} {'vad':<26} {'medel %':>8} {'median %':>9} {'p95 %':>7} {'max %':>7}")
    for c in consoles:
        for col, what in ((1, "GUI-tråden"), (2, "hela processen"), (3, "barnprocesser")):
            f = figures(c.samples, col, since)
            out[(c.label, what)] = f
            if f is None:
                print(f"{c.label:<12} {what:<26} {'-':>8}")
            else:
                print(f"{c.label:<12} {what:<26} {f.avg:8.1f} {f.median:9.1f} {f.p95:7.1f} {f.max:7.1f}")
    return out


def version() -> str:
    """What was measured: the commit, and whether the checkout had uncommitted changes to Python files."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    changed = [line for line in git("status", "--porcelain", "--", "*.py").splitlines() if line]
    return (f"git {git('rev-parse', '--short', 'HEAD') or '?'}"
            + (f" + {len(changed)} ändrade/nya .py-filer i arbetskopian" if changed else ", inga lokala ändringar"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=300, help="measured seconds after the warm-up (default 300)")
    ap.add_argument("--size", default="1920x1080", help="screen size WxH (default 1920x1080)")
    ap.add_argument("--interval", type=float, default=5, help="seconds between samples (default 5)")
    ap.add_argument("--warmup", type=float, default=20, help="start-up seconds left out of the figures (default 20)")
    ap.add_argument("--shot", type=Path, default=None,
                    help="save each console's X screen as DIR/shift-<role>.png once the warm-up is over")
    args = ap.parse_args()
    missing = [t for t in ("Xvfb", "openbox", "xdotool") if shutil.which(t) is None]
    if missing:
        print(f"bench_shift_cpu: hoppar över, saknar {', '.join(missing)}")
        return 0
    w, h = (int(x) for x in args.size.lower().split("x"))
    tmp = Path(tempfile.mkdtemp(prefix="larmcentral-shift-cpu-"))
    rc = openbox_config(tmp)
    screens: list[Screen] = []
    consoles: list[Console] = []

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    load_start = os.getloadavg()
    try:
        n1 = free_display(90, set())
        screens.append(start_screen(n1, args.size, rc))
        n2 = free_display(n1 + 1, {n1})
        screens.append(start_screen(n2, args.size, rc))
        roles: list[tuple[str, str, str, list[dict[str, Any]] | None]] = [
            ("dispatcher", "demo.dispatcher", "dispatcher", DISPATCHER_SCRIPT), ("nurse", "demo.nurse", "nurse", None)]
        for (label, user, role, script), screen in zip(roles, screens, strict=True):
            home = tmp / label
            home.mkdir()
            c = Console(label, user, role, screen, home)
            c.start(script)
            consoles.append(c)
        t_start = time.monotonic()
        print(f"# {version()}", flush=True)
        print(f"# {time.strftime('%Y-%m-%d %H:%M:%S')}; {os.cpu_count()} kärnor; belastning vid start "
              f"(1/5/15 min): {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f} — delad maskin, andra "
              "jobb konkurrerar om samma kärnor", flush=True)
        for c in consoles:
            c.sign_in(timeout=180)
            print(f"# {c.label}: inloggad som {c.user} ({c.role}) efter {time.monotonic() - t_start:.1f} s på "
                  f"{c.screen.display}", flush=True)
        for c in consoles:
            c.sample()
        since = time.monotonic() + args.warmup
        end = since + args.seconds
        geometry_checked = False
        thread_start: dict[str, dict[int, tuple[str, int]]] = {}
        while True:
            now = time.monotonic()
            if now >= end:
                break
            time.sleep(min(args.interval, end - now))
            for c in consoles:
                assert c.proc is not None
                if c.proc.poll() is not None:
                    raise SystemExit(f"{c.label}: konsolen avslutades (kod {c.proc.returncode}):\n"
                                     + "\n".join(c.log_lines[-30:]))
                c.sample()
            if not geometry_checked and time.monotonic() >= since:
                geometry_checked = True
                for c in consoles:
                    assert c.proc is not None
                    thread_start[c.label] = threads(c.proc.pid)
                    if args.shot is not None:
                        args.shot.mkdir(parents=True, exist_ok=True)
                        screenshot(c.screen.display, args.shot / f"shift-{c.label}.png")
                    geo = c.window_geometry()
                    print(f"# {c.label}: fönstret {geo} (skärm {w}x{h})", flush=True)
                d = consoles[0]
                print(f"# dispatcher: testskriptet (välj 'Kyrkogatan 5' i väntrummet, I) "
                      f"{'klart' if d.script_done.is_set() else 'INTE klart'}", flush=True)
                if not d.script_done.is_set():
                    print("\n".join("#   " + line for line in d.log_lines[-15:]), flush=True)
                print(f"# uppvärmning {args.warmup:.0f} s efter inloggningen utelämnad; mäter {args.seconds:.0f} s, "
                      f"prov var {args.interval:.0f} s", flush=True)
        load_end = os.getloadavg()
        thread_end = {c.label: threads(c.proc.pid) for c in consoles if c.proc is not None}
        print(f"\n# {args.size}, {args.seconds:.0f} s mätt (första {args.warmup:.0f} s efter inloggningen ej "
              f"medräknade); % av en kärna (CPU-tid / väggtid), per intervall om {args.interval:.0f} s")
        table = print_table(consoles, since)
        for c in consoles:
            if c.label in thread_start and c.proc is not None:
                print(f"{c.label}: trådar med mest CPU: "
                      f"{busiest_threads(thread_start[c.label], thread_end[c.label], args.seconds, c.proc.pid)}")
        gui_d, gui_n = table[("dispatcher", "GUI-tråden")], table[("nurse", "GUI-tråden")]
        all_d, all_n = table[("dispatcher", "hela processen")], table[("nurse", "hela processen")]
        if gui_d and gui_n and gui_n.avg > 0:
            print(f"\nkvot dispatcher/nurse: GUI-tråden {gui_d.avg / gui_n.avg:.2f}", end="")
            if all_d and all_n and all_n.avg > 0:
                print(f", hela processen {all_d.avg / all_n.avg:.2f}", end="")
            print()
        if gui_d:
            verdict = "under" if gui_d.avg < GOAL_PCT else "ÖVER"
            print(f"mål: dispatcherns GUI-tråd < {GOAL_PCT:.0f} % av en kärna i medel: {gui_d.avg:.1f} % ({verdict})")
        print(f"belastning (1/5/15 min): start {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}, "
              f"slut {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f} på {os.cpu_count()} kärnor (delad maskin)")
        return 0
    finally:
        for c in consoles:
            c.stop()
        for s in screens:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
