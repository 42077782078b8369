"""AlpaServe's trace replay (``alpa_serve.trace``) on the tracereplay-tui core.

Change one import line::

    from tracereplay import Trace, TraceReplay, load_trace, report_group_stats

and ``Trace("azure_v2", path).replay(models, ...)`` gives what AlpaServe's module gives: the
same mapping, vanilla arrivals bit for bit, the same fitted parameters (to 1e-9), the same
``rate()``, ``cv()``, ``report_stats()`` and ``to_workload(slo)``; fitted arrivals come from
our own random streams. Beyond the original: :func:`open` reads every trace the command line
reads, replays take the command line's estimators, distributions (``weibull``, ``auto``) and
tokens, and :meth:`Replays.export` writes every workload format. docs/python.md lists what
differs.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._native import TraceError

__all__ = [
    "Trace",
    "TraceReplay",
    "Replays",
    "ExportResult",
    "Request",
    "Workload",
    "TraceError",
    "load_trace",
    "open",
    "sample",
    "report_group_stats",
]

__version__: str = _native.__version__

PathLike = Union[str, "os.PathLike[str]"]

_UNSET: Any = object()

_DISTRIBUTIONS = ("vanilla", "exponential", "gamma", "weibull", "pareto", "auto")


def _dhm_seconds(text: str) -> int:
    """Seconds since the trace start of a ``D.H.M`` time."""
    d, h, m = _native.parse_dhm(text)
    return d * 86400 + h * 3600 + m * 60


def _seconds_to_dhm(seconds: int) -> str:
    """``D.H.M`` of whole minutes, else plain seconds (both are accepted as window times)."""
    if seconds % 60:
        return str(seconds)
    return f"{seconds // 86400}.{seconds % 86400 // 3600}.{seconds % 3600 // 60}"


@dataclasses.dataclass
class Request:
    """One request of a :class:`Workload` (AlpaServe's ``Request`` fields)."""

    model_name: str
    data: Any
    slo: Optional[float]
    idx: int
    time_stamp: Dict[str, Any]
    submit_time: Optional[float] = None


class Workload:
    """A sorted list of requests: what ``to_workload`` returns when ``alpa_serve`` is not
    importable (with it, AlpaServe's own ``Workload``)."""

    def __init__(self, arrivals: Sequence[float], requests: List[Request]):
        if len(arrivals) != len(requests):
            raise ValueError(
                f"{len(arrivals)} arrivals but {len(requests)} requests: give one request per arrival"
            )
        self.arrivals = np.array(arrivals)
        self.requests = requests

    def __len__(self) -> int:
        return len(self.requests)

    def __repr__(self) -> str:
        return f"Workload({len(self)} requests)"


class ExportResult(NamedTuple):
    """What :meth:`Replays.export` wrote."""

    requests: int
    bytes: int
    path: str
    params_path: Optional[str]


class TraceReplay:
    """The traffic of one model (AlpaServe's ``TraceReplay``, same attributes and methods).

    Made by :meth:`Trace.replay`; ``arrivals`` is then a read-only float64 view of the replay's
    own memory (no copy). Constructed by hand, it computes ``rate()`` and ``cv()`` as the
    original does.
    """

    def __init__(
        self,
        model: str,
        arrivals: np.ndarray,
        trace_name: str,
        start_time: str,
        end_time: str,
        interval_seconds: Union[int, float],
        arrival_distribution: str,
        arrival_distribution_params: Optional[List[Optional[Tuple[float, float]]]] = None,
        rate_scale_factor: float = 1.0,
        cv_scale_factor: float = 1.0,
        time_scale_factor: float = 1.0,
        replication_factor: int = 1,
    ):
        self.model = model
        self.arrivals = arrivals
        self.trace_name = trace_name
        self.start_time = start_time
        self.end_time = end_time
        self.arrival_distribution = arrival_distribution
        self.interval_seconds = interval_seconds
        self._params = arrival_distribution_params
        self.rate_scale_factor = rate_scale_factor
        self.cv_scale_factor = cv_scale_factor
        self.time_scale_factor = time_scale_factor
        self.replication_factor = replication_factor
        self._window: Optional[Tuple[int, int]] = None
        self._native: Optional[_native.NativeReplay] = None
        self._view: Optional[np.ndarray] = None
        self._index = -1
        if len(self.arrivals) > 1:
            length = (self.end_seconds - self.start_seconds) // self.time_scale_factor
            self._rate = len(self.arrivals) / length
            self._cv = _native.gap_cv(np.ascontiguousarray(self.arrivals, dtype=np.float64))
        else:
            self._rate = 0
            self._cv = 0

    @classmethod
    def _of(
        cls,
        native: _native.NativeReplay,
        index: int,
        trace_name: str,
        start_time: str,
        end_time: str,
        interval_seconds: Union[int, float],
        arrival_distribution: str,
        scales: Tuple[float, float, float, int],
    ) -> "TraceReplay":
        self = cls.__new__(cls)
        name, _, _, rate, cv = native.model(index)
        self.model = name
        self.arrivals = self._view = native.arrivals(index)
        self.trace_name = trace_name
        self.start_time = start_time
        self.end_time = end_time
        self.arrival_distribution = arrival_distribution
        self.interval_seconds = interval_seconds
        (
            self.rate_scale_factor,
            self.cv_scale_factor,
            self.time_scale_factor,
            self.replication_factor,
        ) = scales
        self._window = native.window
        self._native = native
        self._index = index
        # Made on first use: most scripts never read them (4,000 intervals cost 2 ms).
        self._params = None if arrival_distribution == "vanilla" else _UNSET
        self._rate = rate if len(self.arrivals) > 1 else 0
        self._cv = cv if len(self.arrivals) > 1 else 0
        return self

    @property
    def arrival_distribution_params(self) -> Optional[List[Optional[Tuple[float, float]]]]:
        """Per fitting interval, the fitted process's ``(rate, cv)``, ``None`` where silent;
        ``None`` for a vanilla replay."""
        if self._params is _UNSET:
            self._params = [
                None if iv["process"] is None else (_finite(iv["rate"]), _finite(iv["cv"]))
                for iv in self._native.intervals(self._index)
            ]
        return self._params

    @arrival_distribution_params.setter
    def arrival_distribution_params(self, value: Optional[List[Any]]) -> None:
        self._params = value

    def rate(self) -> float:
        """Arrivals per second over the (time-scaled) window."""
        return self._rate

    def cv(self) -> float:
        """The coefficient of variation of the gaps between arrivals."""
        return self._cv

    @property
    def start_seconds(self) -> int:
        return self._window[0] if self._window is not None else _dhm_seconds(self.start_time)

    @property
    def end_seconds(self) -> int:
        return self._window[1] if self._window is not None else _dhm_seconds(self.end_time)

    @property
    def duration_seconds(self) -> int:
        """The window's length in seconds."""
        return self.end_seconds - self.start_seconds

    @property
    def duration(self) -> Tuple[int, int, int, int]:
        """The window's length as (days, hours, minutes, seconds)."""
        s = self.duration_seconds
        return s // 86400, s // 3600 % 24, s // 60 % 60, s % 60

    def report_stats(self) -> None:
        """Prints the original's one-line summary of this model's traffic."""
        print(
            f"Trace for {self.model}, duration: {self.duration}, {self.duration_seconds} (s), "
            f"#arrivals: {self.arrivals.size}, "
            f"arrival distribution: {self.arrival_distribution}, "
            f"generation interval: {self.interval_seconds}, "
            f"scale factor: ({self.rate_scale_factor}, {self.cv_scale_factor}, "
            f"{self.time_scale_factor}, {self.replication_factor}). "
            f"overall rate: {self._rate:.2f}, overall cv: {self._cv:.2f}."
        )

    def to_workload(self, slo: float):
        """The arrivals as a workload of requests for this model, each with SLO ``slo``:
        AlpaServe's own ``Workload`` when ``alpa_serve`` is importable, else :class:`Workload`."""
        try:
            from alpa_serve.simulator.workload import Request as ARequest
            from alpa_serve.simulator.workload import Workload as AWorkload
        except ImportError:
            ARequest, AWorkload = Request, Workload
        return AWorkload(
            self.arrivals,
            [ARequest(self.model, None, slo, i, {}) for i in range(len(self.arrivals))],
        )

    def visualize(self, n_interval: int = 100) -> str:
        """Draws this model's arrivals in ``n_interval`` − 1 bins over the window, against the
        trace, into ``plots/`` under the original's file name. Returns the file's path."""
        if self._native is None:
            raise ValueError(
                "visualize() draws a replay made by Trace.replay; this TraceReplay was built "
                "by hand"
            )
        name = (
            f"{self.model}-{self.trace_name}-{self.arrival_distribution}-"
            f"{self.start_time}-{self.end_time}-{self.interval_seconds}-"
            f"({self.rate_scale_factor}, {self.cv_scale_factor},"
            f"{self.time_scale_factor}, {self.replication_factor}).png"
        )
        os.makedirs("plots", exist_ok=True)
        path = os.path.join("plots", name.replace(os.sep, "_"))
        self._native.figure(path, self.model, max(1, int(n_interval) - 1))
        return path

    # Beyond the original.

    @property
    def tokens(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """Each arrival's (input, output) token counts, when the replay has them."""
        return None if self._native is None else self._native.tokens(self._index)

    @property
    def intervals(self) -> List[Dict[str, Any]]:
        """The fitting intervals (fitted modes): start, end, trace_count, the process fitted
        (a dict, ``None`` when silent), rate, cv, realized_count, realized_cv."""
        if self._native is None:
            return []
        out = self._native.intervals(self._index)
        for iv in out:
            if iv["process"] is not None:
                iv["process"] = json.loads(iv["process"])
        return out

    @property
    def fit_quality(self) -> List[Optional[Dict[str, Any]]]:
        """Per interval, every candidate's log-likelihood, AIC, BIC and KS distance and the one
        AIC prefers (replays made with ``fit_quality=True``; empty otherwise)."""
        if self._native is None:
            return []
        return json.loads(self._native.quality(self._index))

    def __repr__(self) -> str:
        return (
            f"TraceReplay({self.model!r}, {self.arrivals.size} arrivals, "
            f"{self.arrival_distribution}, rate {self._rate:.4g}/s, cv {self._cv:.4g})"
        )


def _finite(v: Optional[float]) -> float:
    """NaN where the process has no finite mean gap (rate) or variance (cv): pareto shapes
    at or below 1 and 2."""
    return float("nan") if v is None else v


class Replays(OrderedDict):
    """What :meth:`Trace.replay` returns: the original's ``OrderedDict`` of model name to
    :class:`TraceReplay`, plus the replay's mapping, report and export."""

    def __init__(self, native: _native.NativeReplay, items: Iterable[Tuple[str, TraceReplay]]):
        super().__init__(items)
        self._native = native

    @property
    def window(self) -> Tuple[int, int]:
        """``(start, end)`` in seconds since the trace start."""
        return self._native.window

    @property
    def mapping(self) -> "OrderedDict[str, str]":
        """Function → model, in the trace's order."""
        return OrderedDict(self._native.mapping())

    def stats(self) -> str:
        """The report ``tracereplay-tui stats`` prints (per model and group; per-interval fits)."""
        return self._native.stats_text()

    def report_group_stats(self) -> None:
        """:func:`report_group_stats` of these models."""
        report_group_stats(list(self.values()))

    def export(
        self,
        path: PathLike,
        format: Optional[str] = None,
        *,
        slo: float = 1.0,
        only: Optional[Sequence[str]] = None,
        force: bool = False,
        input_length: Optional[int] = None,
        output_length: Optional[int] = None,
        block_size: int = 512,
        duration: float = 1.0,
        wall_clock: Optional[str] = None,
    ) -> ExportResult:
        """Writes the replay as a workload file, as ``tracereplay-tui replay -o`` does.

        ``format``: msgpack, json, csv, mooncake, invitro, vidur, vidur-lengths, splitwise or
        azure-llm (default: from the extension, msgpack without one). Formats that cannot hold
        the replay's parameters get ``PATH.params.json`` beside them, which
        ``tracereplay-tui replay --params`` runs again. Models removed from this dict are left
        out; ``only`` chooses further. An existing file is kept unless ``force``.
        """
        natives = self._native.models()
        for name, tr in self.items():
            if tr._native is not self._native:
                raise ValueError(
                    f"model {name!r} is not of this replay: export writes the replay as it was "
                    "made; make a new replay instead"
                )
            if tr.arrivals is not tr._view:
                raise ValueError(
                    f"the arrivals of model {name!r} were replaced: export writes the replay as "
                    "it was made; write your own arrays with numpy, or make a new replay"
                )
        chosen = list(only) if only is not None else list(self.keys())
        unknown = [m for m in chosen if m not in self]
        if unknown:
            raise ValueError(
                f"only: {unknown[0]!r} is not a model of this replay (models: "
                f"{', '.join(self.keys())})"
            )
        subset = None if chosen == natives else chosen
        requests, size, params = self._native.export(
            os.fspath(path),
            format,
            slo=slo,
            only=subset,
            force=force,
            input_length=input_length,
            output_length=output_length,
            block_size=block_size,
            duration=duration,
            wall_clock=wall_clock,
        )
        return ExportResult(
            requests, size, os.fspath(path), None if params is None else os.fspath(params)
        )


class Trace:
    """A trace (AlpaServe's ``Trace``): ``Trace("azure_v1" | "azure_v2", path_to_pickle)``.

    Keyword arguments are :func:`open`'s load options. Replays of a ``Trace`` made this way use
    AlpaServe's rate estimator by default, so that fitted parameters are the original's; a trace
    from :func:`open` uses the command line's default, ``count``, which keeps the trace's volume.
    """

    def __init__(self, trace_name: str, trace_dir: PathLike, **load_options: Any):
        if trace_name == "alibaba":
            raise NotImplementedError(f"To be implemented for {trace_name}")
        if trace_name not in ("azure_v1", "azure_v2"):
            raise ValueError(
                f"trace name {trace_name!r}: choose azure_v1 (per-minute counts) or azure_v2 "
                "(timestamps); tracereplay.open(path) reads every other trace"
            )
        load_options.setdefault("kind", trace_name)
        native = _native.NativeTrace.open(os.fspath(trace_dir), **load_options)
        self._setup(native, trace_name, os.fspath(trace_dir), "alpaserve")

    @classmethod
    def _wrap(
        cls, native: _native.NativeTrace, name: str, path: str, estimator: str
    ) -> "Trace":
        self = cls.__new__(cls)
        self._setup(native, name, path, estimator)
        return self

    def _setup(self, native: _native.NativeTrace, name: str, path: str, estimator: str) -> None:
        self._native = native
        self.trace_name = name
        self.trace_dir = path
        self.have_timestamp = False
        self.n_day = native.days
        self.estimator = estimator

    # The original's data, as its dicts (copies: the trace itself may be mapped from disk).

    @property
    def function_arrivals(self) -> Optional["OrderedDict[str, np.ndarray]"]:
        """v2 traces: each function's sorted arrival times in seconds (else ``None``)."""
        return self._whole() if self._native.kind == "v2" else None

    @property
    def function_histogram(self) -> Optional["OrderedDict[str, np.ndarray]"]:
        """v1 traces: each function's invocations per minute, int32 (else ``None``)."""
        return self._whole() if self._native.kind == "v1" else None

    def _whole(self) -> "OrderedDict[str, np.ndarray]":
        return OrderedDict(self._native.slice(0, 2**63))

    @property
    def function_names(self) -> List[str]:
        """Function names in the trace's order."""
        return self._native.function_names()

    @property
    def kind(self) -> str:
        """``v1`` (per-minute counts) or ``v2`` (timestamps)."""
        return self._native.kind

    @property
    def warnings(self) -> List[str]:
        """What the reader noticed about the data."""
        return self._native.warnings

    def summary(self) -> str:
        """What ``tracereplay-tui inspect`` prints about the trace."""
        return self._native.summary()

    @staticmethod
    def timestr_to_dhm(time_str: str) -> Tuple[int, int, int]:
        """``"D.H.M"`` as ``(day, hour, minute)``; ``ValueError`` when malformed."""
        return _native.parse_dhm(time_str)

    def slice(
        self, start_time: str = "0.0.0", end_time: Optional[str] = None
    ) -> "OrderedDict[str, np.ndarray]":
        """Each function's data inside the window (v1: counts of its minutes, int32; v2: its
        arrival times), after printing :meth:`report_stats` of it. ``end_time=None``: the
        trace's end."""
        start, end = self._native.window(start_time, end_time)
        if self._native.kind == "v1":
            ret = OrderedDict(self._native.slice(start // 60, end // 60))
        else:
            ret = OrderedDict(self._native.slice(start, end))
        self.report_stats(ret)
        return ret

    def replay(
        self,
        models: List[str],
        model_mapping_strategy: str = "stripe",
        start_time: str = "0.0.0",
        end_time: Optional[str] = None,
        arrival_distribution: str = "exponential",
        interval_seconds: Union[int, float] = 600,
        rate_scale_factor: float = 1.0,
        cv_scale_factor: float = 1.0,
        time_scale_factor: float = 1.0,
        replication_factor: int = 1,
        seed: int = 0,
        *,
        estimator: Optional[str] = None,
        fit_quality: bool = False,
        spread: str = "none",
        tokens_from: Optional[PathLike] = None,
        tokens_by_hour: bool = False,
        max_arrivals: Optional[int] = None,
        triggers: Optional[Sequence[str]] = None,
    ) -> Replays:
        """Replays a window of the trace onto ``models`` (AlpaServe's ``Trace.replay``).

        Functions with invocations in the window are mapped onto the models (``stripe``:
        function i to model i mod N; ``round_robin``: in contiguous blocks); each model's traffic
        is replayed verbatim (``vanilla``) or as a process fitted per ``interval_seconds``
        (``exponential``, ``gamma``, ``weibull``, ``pareto``, or ``auto`` by AIC) and scaled by
        the factors. ``end_time=None`` is the trace's end (13.23.60 on the 14-day traces).

        Beyond the original (keyword only): ``estimator`` (``alpaserve``, the original's rate;
        ``count``, the interval's count over its length, which keeps the trace's volume),
        ``fit_quality`` (per-interval fits of every candidate), ``spread`` (``uniform`` or
        ``fitted`` arrivals inside a v1 minute), ``tokens_from`` (draw each request's token
        counts from an LLM trace), ``max_arrivals`` (refuse larger replays), ``triggers``
        (Azure 2019: only functions of these triggers).
        """
        if isinstance(models, str):
            raise TypeError("models: give a list of model names, not one string")
        models = list(models)
        if not all(isinstance(m, str) for m in models):
            raise TypeError("models: every model name must be a str")
        if arrival_distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"arrival_distribution {arrival_distribution!r}: use "
                + ", ".join(_DISTRIBUTIONS)
            )
        for name, v in (
            ("interval_seconds", interval_seconds),
            ("rate_scale_factor", rate_scale_factor),
            ("cv_scale_factor", cv_scale_factor),
            ("time_scale_factor", time_scale_factor),
        ):
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"{name}: give a number, not {type(v).__name__}")
        native = self._native.replay(
            models,
            model_mapping_strategy,
            start_time,
            end_time,
            arrival_distribution,
            float(interval_seconds),
            float(rate_scale_factor),
            float(cv_scale_factor),
            float(time_scale_factor),
            _whole_number("replication_factor", replication_factor),
            _whole_number("seed", seed),
            estimator if estimator is not None else self.estimator,
            fit_quality=fit_quality,
            spread=spread,
            max_arrivals=max_arrivals,
            triggers=None if triggers is None else list(triggers),
            tokens_from=None if tokens_from is None else os.fspath(tokens_from),
            tokens_by_hour=tokens_by_hour,
        )
        start, end = native.window
        end_text = end_time if end_time is not None else _seconds_to_dhm(end)
        interval = end - start if arrival_distribution == "vanilla" else interval_seconds
        scales = (rate_scale_factor, cv_scale_factor, time_scale_factor, replication_factor)
        return Replays(
            native,
            (
                (
                    name,
                    TraceReplay._of(
                        native,
                        i,
                        self.trace_name,
                        start_time,
                        end_text,
                        interval,
                        arrival_distribution,
                        scales,
                    ),
                )
                for i, name in enumerate(native.models())
            ),
        )

    def replay_vanilla(
        self,
        models: List[str],
        model_mapping_strategy: str = "stripe",
        start_time: str = "0.0.0",
        end_time: Optional[str] = None,
    ) -> Replays:
        """The window exactly as it happened (v2 traces only)."""
        return self.replay(
            models,
            model_mapping_strategy,
            start_time=start_time,
            end_time=end_time,
            arrival_distribution="vanilla",
        )

    @staticmethod
    def map_model(
        models: Sequence[str], function_names: Iterable[str], strategy: str = "stripe"
    ) -> "OrderedDict[str, str]":
        """Function → model under ``strategy`` (``stripe`` or ``round_robin``)."""
        functions = list(function_names)
        models = list(models)
        index = _native.assign_models(len(models), len(functions), strategy)
        return OrderedDict((f, models[i]) for f, i in zip(functions, index))

    @staticmethod
    def report_stats(trace: "OrderedDict[str, np.ndarray]") -> None:
        """Prints the original's summary line of a slice (functions and invocations)."""
        counts = [
            int(np.sum(a)) if a.dtype == np.int32 else int(a.size) for a in trace.values()
        ]
        if not counts:
            raise ValueError("the slice has no functions")
        print(
            f"Sliced trace stats: #functions: {len(counts)}, "
            f"total invocations: {sum(counts)}, "
            f"max: {max(counts)}, min: {min(counts)}, "
            f"avg: {np.mean(counts):.2f}"
        )

    @staticmethod
    def estimate_exponential(inter_arrivals: np.ndarray) -> float:
        """The exponential rate fitted to ``inter_arrivals`` (location 0)."""
        return _native.estimate_exponential(_floats(inter_arrivals))

    @staticmethod
    def estimate_gamma(inter_arrivals: np.ndarray) -> Tuple[float, float]:
        """``(rate, cv)`` of the gamma fitted to ``inter_arrivals`` (location 0)."""
        return _native.estimate_gamma(_floats(inter_arrivals))

    @staticmethod
    def estimate_pareto(inter_arrivals: np.ndarray) -> Tuple[float, float, float]:
        """``(shape, scale, loc)`` of the pareto fitted with scale 1 and location 0."""
        return _native.estimate_pareto(_floats(inter_arrivals)), 1.0, 0.0

    def __repr__(self) -> str:
        return (
            f"Trace({self.trace_name!r}, {self.trace_dir!r}: {self._native.kind}, "
            f"{len(self.function_names)} functions, {self._native.invocations} invocations)"
        )


def _floats(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _whole_number(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name}: give a whole number, not {type(v).__name__}")
    return int(v)


def open(path: PathLike, **load_options: Any) -> Trace:  # noqa: A001 - tracereplay.open
    """Reads any trace the command line reads: AlpaServe pickles, Azure Functions 2019 (the
    archive, a directory of day files) and 2021, Azure LLM and LMM, Mooncake, BurstGPT, CSVs of
    timestamps, compressed or not, and our own cache.

    Load options (keyword): ``input_format``, ``kind``, ``time_column``, ``key_column``,
    ``time_unit`` (s, ms, us, ns, iso), ``skip_bad_rows``, ``name``, ``skip_failed``,
    ``input_tokens_column``, ``output_tokens_column``, ``max_decoded`` (bytes or "64G"),
    ``max_requests``, ``no_mmap``.
    """
    p = os.fspath(path)
    native = _native.NativeTrace.open(p, **load_options)
    return Trace._wrap(native, native.source, p, "count")


def sample() -> Trace:
    """The embedded sample trace (AlpaServe's v2 layout, 3 days, 200 functions)."""
    native = _native.NativeTrace.sample()
    return Trace._wrap(native, "sample", "sample", "count")


def load_trace(path: PathLike) -> "OrderedDict[str, np.ndarray]":
    """The trace at ``path`` as the original's dict: function → arrival times (v2, float64) or
    per-minute counts (v1, int32)."""
    return open(path)._whole()


def report_group_stats(replays: Union[Sequence[TraceReplay], Dict[str, TraceReplay]]) -> None:
    """Prints the original's summary line of a group of models' traffic together."""
    group = list(replays.values()) if isinstance(replays, dict) else list(replays)
    if not group:
        raise ValueError("report_group_stats: give at least one TraceReplay")
    n_arrival, cv = _native.merged_cv([_floats(r.arrivals) for r in group])
    first = group[0]
    rate = n_arrival / first.duration_seconds
    print(
        f"Trace for a group of {len(group)} models, duration: {first.duration}, "
        f"{first.duration_seconds} (s), "
        f"#arrivals: {n_arrival}, arrival distribution: {first.arrival_distribution}, "
        f"generation interval: {first.interval_seconds}, "
        f"Overall cluster rate: {rate:.2f}, cluster cv: {cv:.2f}."
    )
