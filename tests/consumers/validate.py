"""Validates a Mooncake JSONL export with AIPerf's own loader model, and checks it against the
msgpack export of the same replay: same requests, arrival times to 1 µs, models, token counts,
unique hash ids of ceil(input_length / block) each.

    python3 validate.py W.jsonl W.msgpack BLOCK
"""

import argparse
import json
import math

import msgpack
from aiperf.dataset.loader.models import MooncakeTrace

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("jsonl")
ap.add_argument("msgpack")
ap.add_argument("block", type=int)
args = ap.parse_args()

with open(args.msgpack, "rb") as f:
    w = msgpack.unpack(f, raw=False)
start = w["params"]["window"]["start"]
lines = [l for l in open(args.jsonl) if l.strip()]
assert len(lines) == len(w["arrival"]), (len(lines), len(w["arrival"]))
seen = set()
last = -1.0
for i, line in enumerate(lines):
    t = MooncakeTrace.model_validate_json(line)  # AIPerf's validation
    raw = json.loads(line)
    assert set(raw) == {"timestamp", "input_length", "output_length", "hash_ids", "extra"}, raw
    ts = raw["timestamp"]
    assert ts >= last, (i, ts, last)
    last = ts
    text = line.split('"timestamp": ', 1)[1].split(",", 1)[0]
    assert len(text.split(".")[1]) <= 3 if "." in text else True, text
    want_ms = (w["arrival"][i] - start) * 1000.0
    assert abs(ts - want_ms) <= 1e-3 + 1e-9 * abs(want_ms), (i, ts, want_ms)
    assert t.extra == {"model": w["models"][w["model"][i]]}, (i, t.extra)
    assert t.input_length == w["input_tokens"][i] and t.output_length == w["output_tokens"][i]
    assert len(t.hash_ids) == math.ceil(t.input_length / args.block), (i, t.hash_ids)
    for h in t.hash_ids:
        assert h not in seen, ("hash id reused", i, h)
        seen.add(h)
print(f"{len(lines)} lines valid")
