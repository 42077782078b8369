#!/usr/bin/env python3
"""Times the explorer as a user sees it: from a key press to the first screen showing the result
(its rows; the group's cv may follow, shown `…` until then) and to the first complete screen;
for a replay large enough to show its fitted targets while it samples, also to that screen.

Runs the real binary in a tmux session (120x36), waits for the first replay, then for each case
sends its keys and reads the screen after each write of the explorer to its terminal until the
status line is idle again and the status line or models table differs from before the key.
Keys, writes and screens go through one tmux control-mode client (`tmux -C`): it is told of
every write as it happens, so the bench neither polls nor takes the cores the explorer samples
on. Reports p50 and p95 per case in milliseconds.

Cases: cycling the distribution (each of vanilla, exponential, gamma, weibull, pareto, auto
reached by a Right key on that field), a rate-scale edit, and a seed edit.

  python3 tools/gen_trace.py --kind v2 --out /tmp/azure_v2.pkl
  cargo build --release
  python3 tools/key_to_screen.py --trace /tmp/azure_v2.pkl --runs 10
  python3 tools/gen_trace.py --kind v1 --out /tmp/azure_v1.pkl
  python3 tools/key_to_screen.py --trace /tmp/azure_v1.pkl --runs 10 --rates 0.003,0.002
"""

import argparse
import os
import select
import shlex
import shutil
import statistics
import subprocess
import sys
import time

SESSION = "key_to_screen"
# The form's rows, top to bottom, as the explorer lists them.
FIELD = {"distribution": 4, "rate scale": 7, "seed": 12}


def tmux(*args):
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Control:
    """A tmux control-mode client: runs commands and reports the pane's writes as they come."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["tmux", "-C", "attach-session", "-t", SESSION],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.fd = self.proc.stdout.fileno()
        self.buf = b""
        self.lines = []
        self.wrote = None  # when the pane last wrote, not yet looked at
        self.run("display-message -p ok")

    def _read(self, timeout):
        """Reads what is there (waiting up to `timeout` s for something); False when nothing."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        data = os.read(self.fd, 1 << 20)
        if not data:
            sys.exit("the tmux control client ended")
        *done, self.buf = (self.buf + data).split(b"\n")
        now = time.perf_counter()
        for line in done:
            if line.startswith(b"%output "):
                self.wrote = self.wrote or now
            else:
                self.lines.append(line)
        return True

    def run(self, command):
        """Runs a tmux command; its output lines."""
        self.lines = [l for l in self.lines if not l.startswith(b"%")]
        self.proc.stdin.write(command.encode() + b"\n")
        out, inside = [], False
        while True:
            while not self.lines:
                self._read(10.0)
            line = self.lines.pop(0)
            if line.startswith(b"%begin"):
                inside, out = True, []
            elif line.startswith(b"%end") or line.startswith(b"%error"):
                if inside:
                    if line.startswith(b"%error"):
                        sys.exit(f"tmux: {command}: {out}")
                    return [l.decode("utf-8", "replace") for l in out]
            elif inside:
                out.append(line)

    def written(self, until):
        """When the pane next wrote (and then went quiet for a moment), or None at `until`."""
        while self.wrote is None:
            if not self._read(until - time.perf_counter()) and time.perf_counter() >= until:
                return None
        # A frame may reach the terminal in a few writes: read on while they follow closely.
        while self._read(0.001):
            pass
        at, self.wrote = self.wrote, None
        return at

    def screen(self):
        return self.run(f"capture-pane -p -t {SESSION}")

    def keys(self, keys):
        self.proc.stdin.write(("send-keys -t %s %s\n" % (SESSION, " ".join(map(shlex.quote, keys)))).encode())
        return time.perf_counter()


def state(lines):
    """(idle, what a new result changes, fitted targets shown): the status line and the models
    table's rows."""
    # The status is everything below the panes (it wraps onto up to three lines).
    last_box = max((i for i, line in enumerate(lines) if line.startswith("└")), default=len(lines) - 1)
    status = " ".join(lines[last_box + 1 :])
    table = [line[38:] for line in lines[1:9]]
    targets = any("fitted targets" in line for line in lines[:10])
    return status.startswith("  ") and "replayed" in status, (status, tuple(table)), targets


def wait_idle(ctl, timeout=600.0):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        idle, seen, _ = state(ctl.screen())
        if idle:
            return seen
        ctl.written(min(end, time.perf_counter() + 0.2))
    sys.exit("the explorer did not finish its replay in time")


def timed(ctl, keys, before, timeout=60.0):
    """Milliseconds from sending `keys` to the first screen with the new fitted targets (None
    when not shown), to an idle screen that differs from `before` (the new rows), and to the
    first such screen with nothing left pending (the group's cv, shown `…` until computed), with
    that screen's state."""
    ctl.written(time.perf_counter() + 0.05)  # what was left of the last case
    t0 = ctl.keys(keys)
    targets = first = None
    while True:
        at = ctl.written(t0 + timeout)
        if at is None:
            return (targets, first, None), before
        ms = (at - t0) * 1e3
        idle, seen, shows_targets = state(ctl.screen())
        if shows_targets and targets is None:
            targets = ms
        if idle and seen != before:
            first = first or ms
            if not any("…" in row for row in seen[1]):
                return (targets, first, ms), seen


def go_to(ctl, field):
    """Moves the form's selection to `field` from the top (Up 16 times first)."""
    ctl.keys([*(["Up"] * 16), *(["Down"] * FIELD[field])])
    time.sleep(0.2)


def edit(value):
    return ["Enter", "C-u", *list(value), "Enter"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/tracereplay-tui")
    ap.add_argument("--trace", default="sample", help="a trace path (default: the embedded sample)")
    ap.add_argument("--runs", type=int, default=10, help="times each case is timed (default 10)")
    ap.add_argument("--args", default="", help="more explorer options, e.g. '--rate-scale 0.002'")
    ap.add_argument(
        "--rates",
        default="1.5,1.0",
        help="the two rate scales the rate-scale edit alternates between (default 1.5,1.0; "
        "e.g. 0.003,0.002 for the 808 MB v1 trace, which opens at 0.002)",
    )
    ap.add_argument(
        "--cases",
        default="distribution,rate,seed",
        help="which cases to time, of distribution, rate, seed (default all three)",
    )
    a = ap.parse_args()
    cases = set(a.cases.split(","))
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed")
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "36", f"{a.bin} {a.trace} {a.args}")
    try:
        ctl = Control()
        seen = wait_idle(ctl)
        results = {}
        go_to(ctl, "distribution")
        for _ in range(a.runs if "distribution" in cases else 0):
            for _ in range(6):  # vanilla, exponential, gamma, weibull, pareto, auto, in order
                ms, seen = timed(ctl, ["Right"], seen)
                name = next((l.split()[1] for l in ctl.screen() if l.startswith("│distribution")), "?")
                results.setdefault(f"distribution → {name}", []).append(ms)
        for field, values in [("rate scale", a.rates.split(",")), ("seed", ["1", "2"])]:
            if field.split()[0] not in cases:
                continue
            go_to(ctl, field)
            for _ in range(a.runs):
                for v in values:
                    ms, seen = timed(ctl, edit(v), seen)
                    results.setdefault(f"{field} edit", []).append(ms)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    print(f"trace {a.trace} {a.args}".strip())
    print(
        "| case | runs | targets p50 ms | targets p95 ms | rows p50 ms | rows p95 ms "
        "| complete p50 ms | complete p95 ms | timed out |"
    )
    print("|---|---|---|---|---|---|---|---|---|")

    def p50_p95(times):
        done = sorted(t for t in times if t is not None)
        if not done:
            return "-", "-"
        p95 = done[min(len(done) - 1, round(0.95 * (len(done) - 1)))]
        return f"{statistics.median(done):.0f}", f"{p95:.0f}"

    for case, runs in results.items():
        cells = [p50_p95([r[i] for r in runs]) for i in range(3)]
        missed = sum(r[2] is None for r in runs)
        print(f"| {case} | {len(runs)} | " + " | ".join(f"{a} | {b}" for a, b in cells) + f" | {missed} |")


if __name__ == "__main__":
    main()
