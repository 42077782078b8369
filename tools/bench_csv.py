#!/usr/bin/env python3
"""Times reading a trace CSV: tracereplay-tui's `inspect` against pandas, side by side.

For each file, a fresh process per run: `tracereplay-tui inspect FILE` and the pandas equivalent
(`read_csv`, then the same timestamp parsing and grouping the reader does: ISO date-times to
seconds from the first request for Azure LLM files; end_timestamp - duration and grouping by
(app, func) for Azure Functions 2021 files). Reports wall time (median and range), peak RSS,
bytes per request and MB/s, and beside them the floor: reading the file's bytes into memory once
(`cat FILE > /dev/null`, page cache warm).

  python3 tools/gen_azure_llm_week.py --out /tmp/llm_week.csv
  python3 tools/bench_csv.py --bin target/release/tracereplay-tui /tmp/llm_week.csv
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

PANDAS = r'''
import sys, pandas as pd, numpy as np
path = sys.argv[1]
head = open(path, "rb").readline().decode().strip().split(",")
if "TIMESTAMP" in head:
    df = pd.read_csv(path)
    t = pd.to_datetime(df["TIMESTAMP"], format="ISO8601")
    ns = t.astype("int64").to_numpy()
    seconds = (ns - ns.min()) / 1e9
    print(len(seconds), seconds.max())
else:
    df = pd.read_csv(path)
    start = df["end_timestamp"] - df["duration"]
    groups = df.assign(start=start).groupby(["app", "func"], sort=False)["start"].apply(np.sort)
    print(len(df), len(groups))
'''


def measure(cmd, runs):
    walls, peaks = [], []
    for _ in range(runs):
        # GNU time gives each run's own peak (ru_maxrss of RUSAGE_CHILDREN keeps the largest).
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", *cmd],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        if out.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed: {out.stderr[-500:]}")
        wall, kb = out.stderr.strip().splitlines()[-1].split()
        walls.append(float(wall))
        peaks.append(int(kb) * 1024)
    return walls, max(peaks)


def rows(path):
    with open(path, "rb") as f:
        return sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 24), b"")) - 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--bin", default="target/release/tracereplay-tui")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pandas-runs", type=int, default=1)
    a = ap.parse_args()
    print("| file | MB | requests | reader | wall (median, range) | MB/s | peak RSS | B/request | vs pandas |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in a.files:
        size = os.path.getsize(path)
        n = rows(path)
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL)  # warm the page cache
        floor, _ = measure(["cat", path], a.runs)
        ours, ours_rss = measure([a.bin, "inspect", path], a.runs)
        theirs, theirs_rss = measure([sys.executable, "-c", PANDAS, path], a.pandas_runs)
        mb = size / 1e6
        name = os.path.basename(path)
        for label, walls, rss in [("cat (floor)", floor, 0), ("tracereplay-tui inspect", ours, ours_rss),
                                  ("pandas", theirs, theirs_rss)]:
            med = statistics.median(walls)
            ratio = statistics.median(theirs) / med if label != "pandas" else 1.0
            rss_s = f"{rss / 1e6:.0f} MB" if rss else "-"
            per = f"{rss / n:.1f}" if rss else "-"
            print(f"| {name} | {mb:.0f} | {n:,} | {label} | {med:.2f} s ({min(walls):.2f}–{max(walls):.2f}) "
                  f"| {mb / med:.0f} | {rss_s} | {per} | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
