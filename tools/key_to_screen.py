#!/usr/bin/env python3
"""Times the explorer as a user sees it: from a key press to the first screen showing the result
(its rows; the group's cv may follow, shown `…` until then) and to the first complete screen.

Runs the real binary in a tmux session (120x36), waits for the first replay, then for each case
sends its keys and polls the screen (`tmux capture-pane`, a few ms a poll) until the status line
is idle again and the status line or models table differs from before the key. Reports p50 and
p95 per case in milliseconds; the poll interval bounds the resolution.

Cases: cycling the distribution (each of vanilla, exponential, gamma, pareto, auto reached by a
Right key on that field), a rate-scale edit, and a seed edit.

  python3 tools/gen_trace.py --kind v2 --out /tmp/azure_v2.pkl
  cargo build --release
  python3 tools/key_to_screen.py --trace /tmp/azure_v2.pkl --runs 10
  python3 tools/gen_trace.py --kind v1 --out /tmp/azure_v1.pkl
  python3 tools/key_to_screen.py --trace /tmp/azure_v1.pkl --runs 10 --rates 0.003,0.002
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time

SESSION = "key_to_screen"
# The form's rows, top to bottom, as the explorer lists them.
FIELD = {"distribution": 4, "rate scale": 6, "seed": 10}


def tmux(*args):
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def screen():
    return tmux("capture-pane", "-t", SESSION, "-p").splitlines()


def state(lines):
    """(idle, what a new result changes): the status line and the models table's rows."""
    # The status is everything below the panes (it wraps onto up to three lines).
    last_box = max((i for i, line in enumerate(lines) if line.startswith("└")), default=len(lines) - 1)
    status = " ".join(lines[last_box + 1 :])
    table = [line[38:] for line in lines[1:9]]
    return status.startswith("  ") and "replayed" in status, (status, tuple(table))


def wait_idle(timeout=600.0):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        idle, seen = state(screen())
        if idle:
            return seen
        time.sleep(0.05)
    sys.exit("the explorer did not finish its replay in time")


def timed(keys, before, timeout=60.0):
    """Milliseconds from sending `keys` to an idle screen that differs from `before` (the new
    rows), and to the first such screen with nothing left pending (the group's cv, shown `…`
    until computed), with that screen's state."""
    tmux("send-keys", "-t", SESSION, *keys)
    t0 = time.perf_counter()
    first = None
    while time.perf_counter() - t0 < timeout:
        idle, seen = state(screen())
        if idle and seen != before:
            ms = (time.perf_counter() - t0) * 1e3
            first = first or ms
            if not any("…" in row for row in seen[1]):
                return (first, ms), seen
    return (first, None), before


def select(field):
    """Moves the form's selection to `field` from the top (Up 12 times first)."""
    tmux("send-keys", "-t", SESSION, *(["Up"] * 12), *(["Down"] * FIELD[field]))
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
    a = ap.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is needed")
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "36", f"{a.bin} {a.trace} {a.args}")
    try:
        seen = wait_idle()
        results = {}
        select("distribution")
        for _ in range(a.runs):
            for _ in range(5):  # vanilla, exponential, gamma, pareto, auto, in the field's order
                ms, seen = timed(["Right"], seen)
                name = next((l.split()[1] for l in screen() if l.startswith("│distribution")), "?")
                results.setdefault(f"distribution → {name}", []).append(ms)
        for field, values in [("rate scale", a.rates.split(",")), ("seed", ["1", "2"])]:
            select(field)
            for _ in range(a.runs):
                for v in values:
                    ms, seen = timed(edit(v), seen)
                    results.setdefault(f"{field} edit", []).append(ms)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    print(f"trace {a.trace} {a.args}".strip())
    print("| case | runs | rows p50 ms | rows p95 ms | complete p50 ms | complete p95 ms | timed out |")
    print("|---|---|---|---|---|---|---|")

    def p50_p95(times):
        done = sorted(t for t in times if t is not None)
        if not done:
            return "-", "-"
        p95 = done[min(len(done) - 1, round(0.95 * (len(done) - 1)))]
        return f"{statistics.median(done):.0f}", f"{p95:.0f}"

    for case, pairs in results.items():
        rows = p50_p95([p[0] for p in pairs])
        complete = p50_p95([p[1] for p in pairs])
        missed = sum(p[1] is None for p in pairs)
        print(f"| {case} | {len(pairs)} | {rows[0]} | {rows[1]} | {complete[0]} | {complete[1]} | {missed} |")


if __name__ == "__main__":
    main()
