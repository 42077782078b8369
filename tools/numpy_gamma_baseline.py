#!/usr/bin/env python3
"""The alternative a user would write for a fitted replay's sampling step: numpy drawing each
interval's gamma gaps and summing them, given the per-interval processes our `stats --json`
fitted. Times only the sampling (one core, as numpy runs it), for docs/performance.md.

    tracereplay-tui stats week.trc --models 1 --distribution gamma --json > fits.json
    python3 tools/numpy_gamma_baseline.py fits.json [--runs 3]

Prints the arrivals made and the best time of the runs, beside the arrivals our replay made.
"""

import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fits", help="the output of `stats --distribution gamma --json`")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    try:
        import numpy as np
    except ImportError:
        sys.exit("needs numpy")
    doc = json.load(open(a.fits))
    intervals = []
    for m in doc["models"]:
        for iv in m["intervals"]:
            if iv.get("process") in ("gamma", "poisson") and iv.get("rate"):
                cv = iv.get("cv") or 1.0
                intervals.append((iv["start"], iv["end"], iv["rate"], cv))
    ours = sum(m["arrivals"] for m in doc["models"])

    def sample():
        rng = np.random.default_rng(0)
        out = []
        for start, end, rate, cv in intervals:
            shape, scale = 1.0 / (cv * cv), cv * cv / rate
            n = int((end - start) * rate * 1.2) + 64
            t = start + np.cumsum(rng.gamma(shape, scale, n))
            while t[-1] < end:  # rarely: draw more
                t = np.concatenate([t, t[-1] + np.cumsum(rng.gamma(shape, scale, n))])
            out.append(t[: np.searchsorted(t, end)])
        return np.concatenate(out)

    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        arr = sample()
        times.append(time.perf_counter() - t0)
    print(f"numpy {np.__version__}: {arr.size} gamma arrivals over {len(intervals)} intervals "
          f"in {min(times):.3f} s (best of {a.runs}: {', '.join(f'{t:.3f}' for t in times)}); "
          f"our replay made {ours}")


if __name__ == "__main__":
    main()
