"""Reads our Vidur and Azure LLM exports with the consumers' own readers, installed from PyPI, and
checks them request by request against the msgpack export of the same replay: arrivals to 1 µs,
token counts exact, models where the format has them.

- Vidur's TraceReplayRequestGenerator (vidur 0.0.26), with the options that keep the replay as
  written: time, prefill and decode scale factors 1, max_tokens above the longest request, and
  the export's date.
- inference-perf's AzurePublicDatasetReader (inference-perf 0.7.0). The package's __init__
  pulls in its load generator's dependencies (transformers, ...), so its reader module is loaded
  from the installed package's own file; it needs nothing but the standard library.

    python3 readers.py W.msgpack [--vidur VIDUR.csv DATE] [--azure-llm AZURE.csv]

Prints "N requests agree" for each file checked.
"""
import argparse
import csv
import importlib.util
import os

import msgpack

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("msgpack")
ap.add_argument("--vidur", nargs=2, metavar=("CSV", "DATE"))
ap.add_argument("--azure-llm", metavar="CSV")
a = ap.parse_args()

w = msgpack.unpack(open(a.msgpack, "rb"), raw=False)
start = w["params"]["window"]["start"]
arrivals = [t - start for t in w["arrival"]]
models = [w["models"][m] for m in w["model"]]
inputs, outputs = w["input_tokens"], w["output_tokens"]
n = len(arrivals)
assert n > 0

if a.vidur:
    path, date = a.vidur
    from vidur.config import TraceRequestGeneratorConfig
    from vidur.request_generator.trace_replay_request_generator import (
        TraceReplayRequestGenerator,
    )

    longest = max(i + o for i, o in zip(inputs, outputs))
    config = TraceRequestGeneratorConfig(
        trace_file=path,
        date=date,
        prefill_scale_factor=1,
        decode_scale_factor=1,
        time_scale_factor=1,
        max_tokens=longest + 1,
    )
    gen = TraceReplayRequestGenerator(config)
    requests = gen.generate_requests()
    assert len(requests) == n, (len(requests), n)
    for i, r in enumerate(requests):
        assert abs(r.arrived_at - arrivals[i]) <= 1e-6, (i, r.arrived_at, arrivals[i])
        assert r.num_prefill_tokens == inputs[i], (i, r.num_prefill_tokens, inputs[i])
        assert r.num_decode_tokens == outputs[i], (i, r.num_decode_tokens, outputs[i])
    # The model rides along in a column of its own, which Vidur's frame keeps.
    assert list(gen.trace_df["Model"]) == models
    print(f"vidur: {n} requests agree")

if a.azure_llm:
    spec = importlib.util.find_spec("inference_perf")
    here = spec.submodule_search_locations[0]
    module = importlib.util.spec_from_file_location(
        "trace_reader", os.path.join(here, "utils", "trace_reader.py")
    )
    trace_reader = importlib.util.module_from_spec(module)
    module.loader.exec_module(trace_reader)
    traces = trace_reader.AzurePublicDatasetReader().load_traces(a.azure_llm)
    assert len(traces) == n, (len(traces), n)
    for i, (t, inp, out) in enumerate(traces):
        # Relative to the first request, as inference-perf replays them.
        assert abs(t - (arrivals[i] - arrivals[0])) <= 1e-6, (i, t, arrivals[i] - arrivals[0])
        assert inp == inputs[i] and out == outputs[i], (i, inp, out)
    tokens = list(trace_reader.AzurePublicDatasetReader().stream_token_entries(a.azure_llm))
    assert tokens == list(zip(inputs, outputs))
    rows = list(csv.DictReader(open(a.azure_llm)))
    assert [r["Model"] for r in rows] == models
    print(f"inference-perf: {n} requests agree")
