#!/usr/bin/env python3
"""The alternative a user would write to the export `--format mooncake` makes: Mooncake JSONL
lines written from numpy arrays with Python's json module (a dict per request, json.dumps, one
write per line), timed from the arrays in memory to the synced file. Compare with
`cargo run --release --example export_bench -- W.msgpack OUT.jsonl`.

    python3 tools/mooncake_baseline.py W.msgpack OUT.jsonl [RUNS]
"""
import argparse
import math
import os
import time

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("workload", help="a msgpack workload exported with token counts")
ap.add_argument("out", help="the JSONL file to write")
ap.add_argument("runs", nargs="?", type=int, default=1)
args = ap.parse_args()

import json  # noqa: E402
import msgpack  # noqa: E402
import numpy as np  # noqa: E402

with open(args.workload, "rb") as f:
    w = msgpack.unpack(f, raw=False)
start = w["params"]["window"]["start"]
arrival = np.asarray(w["arrival"], dtype=np.float64)
model = np.asarray(w["model"], dtype=np.uint32)
inp = np.asarray(w["input_tokens"], dtype=np.uint32)
out = np.asarray(w["output_tokens"], dtype=np.uint32)
names = w["models"]
times = []
for _ in range(args.runs):
    t0 = time.perf_counter()
    ms = np.round((arrival - start) * 1e6) / 1000.0
    next_id = 0
    with open(args.out, "w") as f:
        for i in range(len(arrival)):
            n = math.ceil(int(inp[i]) / 512)
            row = {"timestamp": float(ms[i]), "input_length": int(inp[i]),
                   "output_length": int(out[i]), "hash_ids": list(range(next_id, next_id + n)),
                   "extra": {"model": names[model[i]]}}
            next_id += n
            f.write(json.dumps(row) + "\n")
        f.flush()
        os.fsync(f.fileno())
    times.append(time.perf_counter() - t0)
times.sort()
t = times[len(times) // 2]
size = os.path.getsize(args.out) / 1e6
print(f"python json: {len(arrival)} requests, {size:.1f} MB in {t:.3f} s (median of {args.runs}; {size / t:.0f} MB/s)")
