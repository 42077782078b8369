#!/usr/bin/env python3
"""Writes a synthetic Azure Functions 2019 directory (invocations_per_function_md.anon.dNN.csv,
one file per day, columns HashOwner,HashApp,HashFunction,Trigger,1..1440) from a v1 pickle made
by gen_trace.py, for benchmarks. Every 7th function is left out of days where it has no
invocations, as functions come and go in the real files. Nothing here is real data.

  python3 tools/gen_trace.py --kind v1 --out /tmp/azure_v1.pkl
  python3 tools/gen_azure2019_days.py /tmp/azure_v1.pkl /tmp/v1days
"""

import argparse
import os
import pickle


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pickle", help="a v1 pickle made by gen_trace.py --kind v1")
    ap.add_argument("out", help="the directory to write the day files into (created)")
    return ap.parse_args()


# Parsed before the heavy imports, so --help works without numpy installed.
ARGS = parse_args() if __name__ == "__main__" else None

import numpy as np


def main():
    src, out = ARGS.pickle, ARGS.out
    os.makedirs(out, exist_ok=True)
    with open(src, "rb") as f:
        d = pickle.load(f)
    names = list(d.keys())
    arr = np.stack([d[k] for k in names])
    days = arr.shape[1] // 1440
    hdr = "HashOwner,HashApp,HashFunction,Trigger," + ",".join(str(i) for i in range(1, 1441))
    for day in range(days):
        block = arr[:, day * 1440:(day + 1) * 1440]
        path = os.path.join(out, f"invocations_per_function_md.anon.d{day + 1:02d}.csv")
        with open(path, "w") as f:
            f.write(hdr + "\n")
            for i, name in enumerate(names):
                row = block[i]
                if day > 0 and not row.any() and i % 7 == 0:
                    continue
                f.write(f"o{i % 500:04x},a{i % 2000:04x},{name},http," + ",".join(map(str, row.tolist())) + "\n")


if __name__ == "__main__":
    main()
