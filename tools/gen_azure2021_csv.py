#!/usr/bin/env python3
"""Writes a synthetic Azure Functions 2021 invocation CSV at full scale, for benchmarks.

The layout is the published ``AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt``:
header ``app,func,end_timestamp,duration``, one row per invocation, seconds, rows ordered by
start time (end_timestamp - duration), 64-hex app and function ids. Arrival times come from a
v2 pickle made by ``gen_trace.py`` (default: its 14-day, 1,980,951-invocation trace), so the
result is about 305 MB like the real file. Nothing here is real data.

  python3 tools/gen_trace.py --kind v2 --out /tmp/azure_v2.pkl
  python3 tools/gen_azure2021_csv.py /tmp/azure_v2.pkl /tmp/azure2021.csv
"""

import argparse
import hashlib
import pickle


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pickle", help="a v2 pickle made by gen_trace.py --kind v2")
    ap.add_argument("out", help="the CSV file to write")
    return ap.parse_args()


# Parsed before the heavy imports, so --help works without numpy installed.
ARGS = parse_args() if __name__ == "__main__" else None

import numpy as np


def main():
    src, out = ARGS.pickle, ARGS.out
    with open(src, "rb") as f:
        trace = pickle.load(f)
    rng = np.random.default_rng(2021)
    rows = []
    for i, (func, times) in enumerate(trace.items()):
        # About 3.6 functions per app, as in the real file (119 apps, 424 functions).
        app = hashlib.sha256(f"app{i // 4}".encode()).hexdigest()
        durations = np.round(rng.lognormal(-1.0, 1.5, size=len(times)), 3)
        for t, d in zip(times.tolist(), durations.tolist()):
            rows.append((t, app, func, d))
    rows.sort(key=lambda r: r[0])
    with open(out, "w", newline="") as f:
        f.write("app,func,end_timestamp,duration")
        for t, app, func, d in rows:
            f.write(f"\n{app},{func},{t + d!r},{d!r}")


if __name__ == "__main__":
    main()
