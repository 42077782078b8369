#!/usr/bin/env python3
"""Writes a synthetic week-long Azure LLM inference trace, for benchmarks.

The layout is the published 2024 week-long files (``AzureLLMInferenceTrace_{code,conv}_1week.csv``):
header ``TIMESTAMP,ContextTokens,GeneratedTokens``, one row per request in time order, wall-clock
date-times with microseconds and a UTC offset (``2024-05-10 00:00:00.004632+00:00``). Arrivals
follow a diurnal rate over seven days; token counts are log-normal. ``--images`` adds the 2025
multimodal traces' ``NumImages`` column. Nothing here is real data.

  python3 tools/gen_azure_llm_week.py --rows 30000000 --out /tmp/llm_week.csv
"""

import argparse


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=30_000_000, help="requests to write (default 30,000,000)")
    ap.add_argument("--days", type=float, default=7.0, help="span in days (default 7)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--images", action="store_true", help="add a NumImages column (Azure LMM 2025)")
    ap.add_argument("--out", required=True, help="the CSV file to write")
    return ap.parse_args()


# Parsed before the heavy imports, so --help works without numpy installed.
ARGS = parse_args() if __name__ == "__main__" else None

import numpy as np

START = np.datetime64("2024-05-10T00:00:00", "us")
CHUNK = 1_000_000


def arrival_offsets_us(rng, rows, days):
    """Sorted offsets in microseconds, drawn from a day-periodic rate (peak 3x the trough)."""
    span = days * 86_400.0
    # Inverse-CDF sampling of rate(t) = 2 + sin(2 pi t / day) on a fine grid.
    grid = np.linspace(0.0, span, 1 + int(days * 1440))
    rate = 2.0 + np.sin(2 * np.pi * grid / 86_400.0)
    cdf = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) / 2 * np.diff(grid))])
    cdf /= cdf[-1]
    u = np.sort(rng.random(rows))
    return np.round(np.interp(u, cdf, grid) * 1e6).astype(np.int64)


def main():
    rng = np.random.default_rng(ARGS.seed)
    offsets = arrival_offsets_us(rng, ARGS.rows, ARGS.days)
    with open(ARGS.out, "wb") as out:
        header = "TIMESTAMP,ContextTokens,GeneratedTokens" + (",NumImages" if ARGS.images else "")
        out.write((header + "\n").encode())
        for lo in range(0, ARGS.rows, CHUNK):
            hi = min(lo + CHUNK, ARGS.rows)
            n = hi - lo
            stamps = np.datetime_as_string(START + offsets[lo:hi].astype("timedelta64[us]"), unit="us")
            stamps = np.char.replace(stamps, "T", " ")
            ctx = np.clip(rng.lognormal(6.5, 1.0, n), 1, 32_000).astype(np.int64)
            gen = np.clip(rng.lognormal(4.5, 1.0, n), 1, 4_000).astype(np.int64)
            cols = [np.char.add(stamps, "+00:00"), ctx.astype(str), gen.astype(str)]
            if ARGS.images:
                cols.append(rng.poisson(0.5, n).astype(str))
            line = cols[0]
            for c in cols[1:]:
                line = np.char.add(np.char.add(line, ","), c)
            out.write(("\n".join(line.tolist()) + "\n").encode())


if __name__ == "__main__":
    main()
