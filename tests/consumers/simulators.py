"""Reads InVitro, Vidur (length generator) and Splitwise exports with Python's csv module, as those tools' readers
do, and checks them against the msgpack export of the same replay: arrivals (seconds since the
window start) to 1 µs, models, token counts; InVitro's start times distinct per function.

    python3 simulators.py W.msgpack INVITRO.csv VIDUR.csv SPLITWISE.csv DURATION
"""
import argparse
import csv
import math

import msgpack

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
for name in ["msgpack", "invitro", "vidur", "splitwise"]:
    ap.add_argument(name)
ap.add_argument("duration", type=float)
a = ap.parse_args()

w = msgpack.unpack(open(a.msgpack, "rb"), raw=False)
start = w["params"]["window"]["start"]
arrivals = [t - start for t in w["arrival"]]
models = [w["models"][m] for m in w["model"]]
n = len(arrivals)

rows = list(csv.DictReader(open(a.invitro)))
assert len(rows) == n and list(rows[0]) == ["app", "func", "end_timestamp", "duration"]
last = {}
moved = 0
for i, r in enumerate(rows):
    s = round((float(r["end_timestamp"]) - float(r["duration"])) * 1e6)
    assert r["app"] == r["func"] == models[i], (i, r)
    assert abs(float(r["duration"]) - a.duration) < 1e-6
    # The arrival in whole microseconds, or 1 µs after the function's previous start: InVitro
    # refuses two starts of a function in one microsecond.
    want = math.floor(arrivals[i] * 1e6 + 0.5)
    if want <= last.get(r["func"], -1):
        want = last[r["func"]] + 1
        moved += 1
    assert s == want, (i, s, want)
    last[r["func"]] = s

rows = list(csv.DictReader(open(a.vidur)))
assert len(rows) == n and list(rows[0]) == ["arrived_at", "num_prefill_tokens", "num_decode_tokens"]
for i, r in enumerate(rows):
    assert abs(float(r["arrived_at"]) - arrivals[i]) <= 1e-6, (i, r)
    assert int(r["num_prefill_tokens"]) == w["input_tokens"][i]
    assert int(r["num_decode_tokens"]) == w["output_tokens"][i]

rows = list(csv.DictReader(open(a.splitwise)))
assert list(rows[0]) == ["request_id", "request_type", "application_id", "arrival_timestamp",
                         "batch_size", "prompt_size", "token_size"]
assert len(rows) == n
for i, r in enumerate(rows):
    assert int(r["request_id"]) == i and r["request_type"] == "2" and r["batch_size"] == "1"
    assert w["models"][int(r["application_id"])] == models[i]
    assert abs(float(r["arrival_timestamp"]) - arrivals[i]) <= 1e-6
    assert int(r["prompt_size"]) == w["input_tokens"][i]
    assert int(r["token_size"]) == w["output_tokens"][i]
print(f"{n} requests agree ({moved} moved by 1 µs for InVitro)")
