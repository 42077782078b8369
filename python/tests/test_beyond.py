"""What the package adds to AlpaServe's API: every trace format, the command line's estimators,
distributions, tokens and exports, errors as exceptions, zero-copy arrays, the GIL released and
Ctrl-C honoured."""

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import tracereplay
from tracereplay import Trace

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PICKLES = FIXTURES / "pickle"
LLM = FIXTURES / "realdata" / "azure-llm-2023" / "AzureLLMInferenceTrace_conv.csv"
MOONCAKE = FIXTURES / "realdata" / "mooncake" / "synthetic_trace.jsonl"
V2 = PICKLES / "v2_replay__np1.26.4__p4.pkl"


def binary():
    """The command line, when the Rust build made one (CI runs `cargo test` first)."""
    for p in [os.environ.get("TRACEREPLAY_BIN"), ROOT / "target/debug/tracereplay-tui",
              ROOT / "target/release/tracereplay-tui"]:
        if p and Path(p).is_file():
            return str(p)
    return None


def test_open_reads_llm_traces_with_tokens():
    t = tracereplay.open(LLM)
    assert t.kind == "v2" and t.estimator == "count"
    with open(LLM, newline="") as f:
        rows = list(csv.DictReader(f))
    assert t._native.invocations == len(rows)
    assert "Azure LLM" in t.summary()
    r = t.replay(["llm"], arrival_distribution="vanilla")
    (tr,) = r.values()
    assert tr.arrivals.size == len(rows)
    inp, out = tr.tokens
    # The sample's rows are in time order: its token columns, row for row.
    assert inp.tolist() == [int(x["ContextTokens"]) for x in rows]
    assert out.tolist() == [int(x["GeneratedTokens"]) for x in rows]


def test_arrays_are_zero_copy_and_read_only():
    r = tracereplay.sample().replay(["a", "b"], end_time="1.0.0", arrival_distribution="vanilla")
    a = r["a"].arrivals
    assert type(a.base).__name__ == "NativeReplay"
    assert not a.flags.writeable and not a.flags.owndata
    with pytest.raises(ValueError):
        a[0] = 1.0
    # The replay stays alive as long as an array of it does.
    del r
    assert np.all(np.diff(a) >= 0)


def test_distributions_estimators_and_fit_quality():
    t = tracereplay.open(V2)
    for dist in ["exponential", "gamma", "weibull", "pareto", "auto"]:
        r = t.replay(["m0", "m1"], end_time="1.0.0", arrival_distribution=dist,
                     interval_seconds=3600, fit_quality=True)
        for tr in r.values():
            assert len(tr.intervals) == 24
            assert len(tr.fit_quality) == 24
            assessed = [q for q in tr.fit_quality if q]
            assert assessed and all(q["best"] in {"exponential", "gamma", "weibull", "pareto"}
                                    for q in assessed)
    # The count estimator keeps the volume of each interval's rate: count / length.
    r = t.replay(["m0"], end_time="1.0.0", arrival_distribution="exponential",
                 interval_seconds=3600)
    for iv in r["m0"].intervals:
        if iv["process"] is not None:
            assert iv["rate"] == pytest.approx(iv["trace_count"] / 3600, rel=1e-12)
    original = Trace("azure_v2", V2).replay(["m0"], end_time="1.0.0", interval_seconds=3600)
    assert original["m0"].intervals[0]["rate"] != r["m0"].intervals[0]["rate"]
    assert "m0" in r.stats()


def test_tokens_from_and_export_with_params_file(tmp_path):
    t = tracereplay.open(V2)
    r = t.replay(["m0", "m1"], end_time="1.0.0", arrival_distribution="gamma",
                 interval_seconds=3600, seed=7, tokens_from=LLM)
    inp, out = r["m0"].tokens
    with open(LLM, newline="") as f:
        pool = {(int(x["ContextTokens"]), int(x["GeneratedTokens"])) for x in csv.DictReader(f)}
    assert set(zip(inp.tolist(), out.tolist())) <= pool
    # A workload we exported with tokens serves as a source too, as on the command line.
    r.export(tmp_path / "with-tokens.msgpack")
    again = t.replay(["m0"], end_time="1.0.0", arrival_distribution="gamma",
                     interval_seconds=3600, tokens_from=tmp_path / "with-tokens.msgpack")
    assert set(zip(*(c.tolist() for c in again["m0"].tokens))) <= pool
    target = tmp_path / "w.vidur.csv"
    res = r.export(target, format="vidur")
    n = sum(tr.arrivals.size for tr in r.values())
    assert res.requests == n and res.bytes == target.stat().st_size
    with open(target, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n
    assert list(rows[0]) == ["Date", "Time", "PromptTokenCount", "CompletionTokenCount", "Model"]
    params = json.loads(Path(res.params_path).read_text())
    command = params["command"]
    assert command[:2] == ["replay", str(V2)]
    assert command[command.index("--estimator") + 1] == "count"
    assert command[command.index("--format") + 1] == "vidur"
    # The params file is the command line's: `replay --params` makes the same bytes again.
    exe = binary()
    if exe is None:
        pytest.skip("no tracereplay-tui binary (run `cargo build` first) to re-run the params")
    again = tmp_path / "again.csv"
    subprocess.run([exe, "replay", "--params", res.params_path, "-o", str(again)], check=True,
                   capture_output=True)
    assert again.read_bytes() == target.read_bytes()


def test_export_chooses_models_and_refuses_what_it_cannot_write(tmp_path):
    r = tracereplay.open(V2).replay(["m0", "m1", "m2"], end_time="1.0.0",
                                    arrival_distribution="vanilla")
    out = tmp_path / "w.csv"
    r.export(out)
    with pytest.raises(FileExistsError, match="force=True"):
        r.export(out)
    del r["m1"]
    res = r.export(out, force=True)
    assert res.requests == r["m0"].arrivals.size + r["m2"].arrivals.size
    with open(out, newline="") as f:
        models = {row["model"] for row in csv.DictReader(x for x in f if not x.startswith("#"))}
    assert models == {"m0", "m2"}
    res = r.export(out, force=True, only=["m2"])
    assert res.requests == r["m2"].arrivals.size
    with pytest.raises(ValueError, match="not a model of this replay"):
        r.export(out, force=True, only=["m1"])
    with pytest.raises(ValueError, match="tokens"):
        r.export(tmp_path / "v.csv", format="vidur")
    assert not (tmp_path / "v.csv").exists()
    with pytest.raises(ValueError, match="names no workload format"):
        r.export(tmp_path / "w.txt")
    with pytest.raises(OSError):
        r.export(tmp_path / "missing-dir" / "w.csv", only=["m2"])
    r["m0"].arrivals = r["m0"].arrivals + 1.0
    with pytest.raises(ValueError, match="were replaced"):
        r.export(out, force=True)


def test_visualize_writes_the_originals_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = Trace("azure_v2", V2).replay(["m0"], end_time="1.0.0", arrival_distribution="gamma",
                                     interval_seconds=3600)
    path = r["m0"].visualize()
    assert path == os.path.join(
        "plots", "m0-azure_v2-gamma-0.0.0-1.0.0-3600-(1.0, 1.0,1.0, 1).png")
    assert (tmp_path / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("call,error,words", [
    (lambda t: t.replay("m0"), TypeError, "list of model names"),
    (lambda t: t.replay(["m0"], interval_seconds="600"), TypeError, "give a number"),
    (lambda t: t.replay(["m0"], seed=1.5), TypeError, "whole number"),
    (lambda t: t.replay(["m0"], replication_factor=0, arrival_distribution="vanilla"),
     ValueError, "at least once"),
    (lambda t: t.replay(["m0"], model_mapping_strategy="random"), ValueError,
     "not a mapping strategy"),
    (lambda t: t.replay(["m0"], arrival_distribution="lognormal"), ValueError,
     "arrival_distribution"),
    (lambda t: t.replay(["m0"], estimator="mle"), ValueError, "estimator"),
    (lambda t: t.replay(["m0"], end_time="9.0.0"), ValueError, "past the trace's end"),
    (lambda t: t.replay(["m0"], start_time="0.25.0"), ValueError, "below 24"),
    (lambda t: t.replay(["m0"], arrival_distribution="exponential", cv_scale_factor=2.0),
     ValueError, "cv"),
    (lambda t: t.replay([f"m{i}" for i in range(20)], end_time="1.0.0"), ValueError,
     "functions with invocations"),
    (lambda t: t.replay(["m0"], tokens_from="/nonexistent/llm.csv"), FileNotFoundError,
     "/nonexistent/llm.csv"),
])
def test_bad_parameters_are_python_exceptions(call, error, words):
    with pytest.raises(error, match=words):
        call(Trace("azure_v2", V2))


def test_bad_files_are_exceptions_never_crashes(tmp_path):
    with pytest.raises(FileNotFoundError):
        tracereplay.open(tmp_path / "missing.pkl")
    with pytest.raises((OSError, tracereplay.TraceError)):
        Trace("azure_v2", tmp_path)
    bad = sorted((PICKLES / "bad").glob("*.pkl"))
    assert len(bad) >= 25
    # Bytes after the pickle's end are ignored, and said so (as on the command line).
    trailing = PICKLES / "bad" / "trailing_garbage.pkl"
    assert any("ignored" in w for w in tracereplay.open(trailing).warnings)
    for p in bad:
        if p == trailing:
            continue
        with pytest.raises((tracereplay.TraceError, ValueError)) as e:
            tracereplay.open(p).replay(["m0"], arrival_distribution="vanilla")
        assert len(str(e.value)) < 600, p.name
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: open(fifo, "wb").write(b"\x80\x04garbage"))
    writer.start()
    with pytest.raises(tracereplay.TraceError):
        tracereplay.open(fifo)
    writer.join()
    with pytest.raises(ValueError, match="max_decoded"):
        tracereplay.open(V2, max_decoded="lots")


def test_the_gil_is_released_while_replaying():
    t = tracereplay.sample()
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.perf_counter()
    t.replay(["a"], arrival_distribution="gamma", rate_scale_factor=400.0, interval_seconds=60)
    took = time.perf_counter() - started
    done.set()
    ticker.join()
    during = [x for x in ticks if started <= x <= started + took]
    assert took > 0.2, f"the replay took {took:.3f} s: too short to tell"
    # The other thread ran throughout: at least one tick every 50 ms on average.
    assert len(during) >= took / 0.05, (len(during), took)


def test_ctrl_c_stops_a_replay(tmp_path):
    script = tmp_path / "long.py"
    script.write_text(
        "import sys, time, tracereplay\n"
        "t = tracereplay.sample()\n"
        "print('ready', flush=True)\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    t.replay(['a'], arrival_distribution='gamma', rate_scale_factor=4000.0,\n"
        "             interval_seconds=60, max_arrivals=10**10)\n"
        "    print('finished', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted after', time.perf_counter() - start, flush=True)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert out.startswith("interrupted after"), out
    assert time.perf_counter() - sent < 5.0
    assert p.returncode == 0


def test_docs_python_recipes_run_as_written(tmp_path, monkeypatch):
    text = (ROOT / "docs" / "python.md").read_text()
    blocks = [part.split("```python\n", 1)[1].split("```", 1)[0]
              for part in text.split("<!-- tested -->")[1:]]
    assert len(blocks) == 2
    (tmp_path / "azure_v2.pkl").write_bytes(V2.read_bytes())
    (tmp_path / LLM.name).write_bytes(LLM.read_bytes())
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        exec(compile(code, "docs/python.md", "exec"), {})
    assert (tmp_path / "w.csv").is_file() and (tmp_path / "w.csv.params.json").is_file()
