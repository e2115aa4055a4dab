"""Speed and scale of augan against CTGAN (BENCHMARK.md, section 3).

Tables: ``make_classification(n_samples=N, n_features=20, n_informative=10, weights=[0.9], random_state=0)``
for each N of ``--sizes``, and a mixed table of ``--mixed-rows`` rows (10 numeric columns, 5 categorical
ones with 3 / 6 / 10 / 15 / 20 levels, binned from informative features so they carry signal).

Every fit runs in a fresh subprocess, so its peak resident memory (Linux's ``VmHWM``) is its own: augan's
``CGAN`` and ``ctgan.CTGAN`` with the same epochs and batch size, each with its other defaults, on all the
cores the machine gives torch. Reported per table: setup seconds (encoding the table, everything before the
first epoch), seconds per epoch (mean of the timed epochs), the ratio CTGAN / augan per epoch, sampling
rows per second for ``--sample-rows`` rows (decoded to the user's columns), and the process's peak RSS after
building the table, after the fit and after the draw. Beside them, the whole default fit: augan's
``CGAN(random_state=0)`` at every default, measured, against CTGAN at its defaults (300 epochs), estimated from its
shorter fit, which would take hours to run. A second section profiles augan (phases, Python
functions, torch operators). Each section is one function in :data:`SECTIONS`; ``defaults-gpu`` (the defaults
end to end with ``--device cuda``) runs only when asked, and the GPU training section (steps/s by batch size and
AMP) is written by ``benchmarks/gpu_speed.py``; ``benchmarks/gpu_check.sh`` runs both on a GPU.

Epochs are timed through hooks: a subclass of ``CGAN`` whose progress callback records each epoch's end,
and a stand-in for the ``tqdm`` that wraps CTGAN's epoch loop.

    PYTHONPATH=. .venv-bench/bin/python benchmarks/speed.py                       # 10k, 100k, 1M + mixed 100k
    PYTHONPATH=. .venv-bench/bin/python benchmarks/speed.py --sizes 10000 --mixed-rows 10000 --epochs 2
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from results import markdown_table, section_header, update_section

TARGET_RATIO = 10.0
TARGET_ROWS_PER_SECOND = 1_000_000
MIXED_LEVELS = (3, 6, 10, 15, 20)
TARGET_DEFAULT_RATIO = 20.0
CTGAN_DEFAULT_EPOCHS, CTGAN_DEFAULT_BATCH = 300, 500  # ctgan.CTGAN's defaults
DEFAULT_FIT = "augan-default"  # the run_fit method of CGAN at every default


# ------------------------------------------------------------------ data
def make_table(kind: str, n: int) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """The benchmark table ``kind`` ("numeric" or "mixed") of ``n`` rows: features, labels, categorical columns."""
    from sklearn.datasets import make_classification

    n_features = 20 if kind == "numeric" else 10 + len(MIXED_LEVELS)
    X, y = make_classification(n_samples=n, n_features=n_features, n_informative=10, weights=[0.9], random_state=0)
    frame = pd.DataFrame(X.astype(np.float64), columns=[f"x{j}" for j in range(n_features)])
    categorical = []
    if kind == "mixed":
        for j, levels in enumerate(MIXED_LEVELS):
            name = f"x{10 + j}"
            codes = pd.qcut(frame[name], levels, labels=False)
            frame[name] = np.asarray([f"L{c}" for c in range(levels)], dtype=object)[codes]
            categorical.append(name)
    return frame, y, categorical


def _peak_rss_mb() -> float:
    """This process's peak resident memory in MB: Linux's ``VmHWM``, the high-water mark of its own memory, where
    ``ru_maxrss`` would also hold its parent's peak (it survives fork and exec), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


# ------------------------------------------------------------- the fits
def _fit_augan(X: pd.DataFrame, y: np.ndarray, epochs: int | None, batch: int) -> tuple[Any, list[float]]:
    from augan import CGAN

    class TimedCGAN(CGAN):
        """CGAN whose progress callback records when each epoch ends."""

        def _progress(self, epochs: int) -> contextlib.AbstractContextManager:
            self.epoch_ends_ = [time.perf_counter()]
            return contextlib.nullcontext(lambda epoch, epochs, row: self.epoch_ends_.append(time.perf_counter()))

    if epochs is None:  # the whole default fit, as a user gets it: every setting at its default
        gan = TimedCGAN(random_state=0).fit(X, y)
    else:
        # max_steps=None: every epoch a full pass, as CTGAN's are, so that the per-epoch ratio compares like with like.
        gan = TimedCGAN(epochs=epochs, batch_size=batch, max_steps=None, random_state=0).fit(X, y)
    return gan, list(np.diff(gan.epoch_ends_))


def _fit_ctgan(X: pd.DataFrame, y: np.ndarray, categorical: list[str], epochs: int, batch: int
               ) -> tuple[Any, list[float]]:
    import ctgan.synthesizers.ctgan as ctgan_module
    from ctgan import CTGAN

    starts: list[float] = []

    def timed(iterable: Any, **_: Any) -> Any:  # stands in for the tqdm around CTGAN's epoch loop
        for item in iterable:
            starts.append(time.perf_counter())
            yield item
        starts.append(time.perf_counter())

    frame = X.copy()
    frame.insert(0, "label", y.astype(str))
    ctgan_module.tqdm = timed
    model = CTGAN(epochs=epochs, batch_size=batch, enable_gpu=False)
    model.set_random_state(0)
    model.fit(frame, discrete_columns=["label", *categorical])
    return model, list(np.diff(starts))


def run_fit(method: str, kind: str, n: int, epochs: int, batch: int, sample_rows: int) -> dict:
    """One fit and one large draw, in this process; what :func:`measure` runs in a subprocess."""
    import torch

    X, y, categorical = make_table(kind, n)
    rss_before = _peak_rss_mb()
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    if method in ("augan", DEFAULT_FIT):
        model, epoch_seconds = _fit_augan(X, y, None if method == DEFAULT_FIT else epochs, batch)
    else:
        model, epoch_seconds = _fit_ctgan(X, y, categorical, epochs, batch)
    fit_seconds = time.perf_counter() - start
    rss_fit = _peak_rss_mb()
    start = time.perf_counter()
    sample = model.sample(sample_rows)
    sample_seconds = time.perf_counter() - start
    if len(sample) != sample_rows:
        raise RuntimeError(f"{method} returned {len(sample)} rows for {sample_rows} asked")
    if method == DEFAULT_FIT:
        epochs, batch, steps = len(model.history_), None, model.n_steps_ // len(model.history_)
    else:
        steps = -(-n // batch) if method == "augan" else max(n // batch, 1)
    return {"method": method, "kind": kind, "rows": n, "epochs": epochs, "batch": batch, "steps_per_epoch": steps,
            "fit_seconds": fit_seconds, "setup_seconds": fit_seconds - sum(epoch_seconds),
            "first_epoch_seconds": epoch_seconds[0],
            # The first epoch pays one-time costs (allocations, kernel selection): steady state is the rest.
            "epoch_seconds": float(np.mean(epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds)),
            "sample_rows": sample_rows,
            "sample_seconds": sample_seconds, "load_average": [load_before, os.getloadavg()[0]],
            "rss_before_mb": rss_before, "rss_fit_mb": rss_fit,
            "rss_sample_mb": _peak_rss_mb(),
            "threads": torch.get_num_threads()}


def measure(method: str, kind: str, n: int, epochs: int, batch: int, sample_rows: int, timeout: float) -> dict:
    """:func:`run_fit` in a fresh Python process (its own peak memory); errors come back as a record."""
    spec = json.dumps({"method": method, "kind": kind, "n": n, "epochs": epochs, "batch": batch,
                       "sample_rows": sample_rows})
    try:
        done = subprocess.run([sys.executable, __file__, "--worker", spec], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"method": method, "kind": kind, "rows": n, "error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"method": method, "kind": kind, "rows": n, "error": f"exit {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------- sections
def cpu_speed(args: argparse.Namespace) -> tuple[str, list[str]]:
    """augan against CTGAN on the CPU: seconds per epoch, their ratio, sampling rate, peak memory."""
    tables = [("numeric", n) for n in args.sizes] + ([("mixed", args.mixed_rows)] if args.mixed_rows else [])
    rows, whole = [], []
    for kind, n in tables:
        pair = {}
        for method in args.methods:
            if method == "ctgan" and args.ctgan_max_rows is not None and n > args.ctgan_max_rows:
                pair[method] = {"method": method, "kind": kind, "rows": n,
                                "error": f"not run: over --ctgan-max-rows {args.ctgan_max_rows:,}"}
                continue
            record = measure(method, kind, n, args.epochs, args.batch, args.sample_rows, args.timeout)
            print(json.dumps(record), flush=True)
            pair[method] = record
        if "augan" in args.methods:
            default = measure(DEFAULT_FIT, kind, n, args.epochs, args.batch, args.sample_rows, args.timeout)
            print(json.dumps(default), flush=True)
            whole.append(default_fit_row(f"{kind} {n:,}", default, pair.get("ctgan")))
        ratio = None
        if all(m in pair and "error" not in pair[m] for m in ("augan", "ctgan")):
            ratio = pair["ctgan"]["epoch_seconds"] / pair["augan"]["epoch_seconds"]
        for method, record in pair.items():
            label = f"{kind} {n:,}"
            if "error" in record:
                rows.append([label, method, *[None] * 9, record["error"]])
                continue
            rows.append([label, method, record["steps_per_epoch"], record["fit_seconds"], record["setup_seconds"],
                         record["first_epoch_seconds"], record["epoch_seconds"],
                         f"{ratio:.1f}x" if ratio is not None and method == "augan" else None,
                         f"{record['sample_rows'] / record['sample_seconds']:,.0f}",
                         f"{record['rss_before_mb']:,.0f} / {record['rss_fit_mb']:,.0f} / "
                         f"{record['rss_sample_mb']:,.0f}",
                         " → ".join(f"{v:.1f}" for v in record.get("load_average", [])) or None, ""])
    table = markdown_table(rows, ["table", "method", "steps / epoch", "fit s", "setup s", "first epoch s",
                                  "s / epoch after the first", "CTGAN / augan per epoch",
                                  f"sample rows / s ({args.sample_rows:,} rows)",
                                  "peak RSS MB: table built / fitted / sampled", "load average",
                                  "error"], digits=2)
    notes = [f"{args.epochs} epochs, batch {args.batch}, {args.sample_rows:,} rows sampled, each fit in its own "
             f"process; fit s = setup + every epoch; the per-epoch ratio is taken after the first epoch, which "
             f"pays one-time costs; targets: CTGAN / augan >= {TARGET_RATIO:.0f}x per epoch, "
             f">= {TARGET_ROWS_PER_SECOND:,} sampled rows / s",
             "peak RSS is the whole process's high-water mark (Python, torch, the table) after building the table, "
             "after the fit, and after the draw",
             f"load average: the machine's 1-minute load when the fit started and when the draw ended, out of "
             f"{os.cpu_count()} cores; above that, other work shared the cores and slowed the fit"]
    if whole:
        table += "\n### The whole default fit, setup included\n" + markdown_table(
            whole, ["table", "augan steps", "augan fit s (measured)",
                    f"CTGAN fit s ({CTGAN_DEFAULT_EPOCHS} epochs, estimated)", "CTGAN / augan"], digits=1)
        notes.append(f"the whole default fit: `CGAN(random_state=0).fit` at every default, measured in its own "
                     f"process; CTGAN at its defaults ({CTGAN_DEFAULT_EPOCHS} epochs of {CTGAN_DEFAULT_BATCH} rows) "
                     f"is estimated from its fit above (when that ran at this batch size) as setup + first epoch + "
                     f"{CTGAN_DEFAULT_EPOCHS - 1} x the later epochs' mean, since running it takes hours; target: "
                     f"CTGAN / augan >= {TARGET_DEFAULT_RATIO:.0f}x on the 100,000- and 1,000,000-row tables")
    return "### Fit and sample on the CPU\n" + table, notes


def ctgan_default_fit_seconds(record: dict, epochs: int = CTGAN_DEFAULT_EPOCHS) -> float:
    """CTGAN's whole fit at ``epochs`` epochs, from a shorter fit's record of the same batch size (:func:`run_fit`):
    its setup and first epoch as measured, every later epoch at the measured mean of the later ones."""
    return record["setup_seconds"] + record["first_epoch_seconds"] + (epochs - 1) * record["epoch_seconds"]


def default_fit_row(label: str, default: dict, ctgan: dict | None) -> list:
    """One row of the whole-default-fit table: augan's measured default fit beside CTGAN's estimated one."""
    if "error" in default:
        return [label, None, default["error"], None, None]
    augan_seconds = default["fit_seconds"]
    if ctgan is None or "error" in ctgan or ctgan.get("batch") != CTGAN_DEFAULT_BATCH:
        return [label, default["steps_per_epoch"] * default["epochs"], augan_seconds, None, None]
    ctgan_seconds = ctgan_default_fit_seconds(ctgan)
    return [label, default["steps_per_epoch"] * default["epochs"], augan_seconds, ctgan_seconds,
            f"{ctgan_seconds / augan_seconds:,.0f}x"]


def cpu_profile(args: argparse.Namespace) -> tuple[str, list[str]]:
    """Where augan's time goes on the CPU: phases, Python functions (cProfile), torch operators (torch.profiler)."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    from augan import CGAN

    n = args.profile_rows
    X, y, _ = make_table("numeric", n)
    CGAN(epochs=1, batch_size=args.batch, random_state=0).fit(X[:1000], y[:1000]).sample(10)  # lazy imports
    gan = CGAN(epochs=1, batch_size=args.batch, random_state=0)
    fit_stats = _profile(lambda: gan.fit(X, y))
    sample_stats = _profile(lambda: gan.sample(args.sample_rows))
    phases = [[f"fit, 1 epoch ({-(-n // args.batch)} steps)", _cumulative(fit_stats, "fit", "synthesizer.py")],
              ["... codec fit + transform", _cumulative(fit_stats, "fit", "tabular.py")
               + _cumulative(fit_stats, "transform", "tabular.py")],
              ["... training loop (Trainer.fit)", _cumulative(fit_stats, "fit", "train/loop.py")],
              [f"sample {args.sample_rows:,} rows", _cumulative(sample_stats, "sample", "synthesizer.py")],
              ["... generator forward (CGAN._generate)", _cumulative(sample_stats, "_generate", "synthesizer.py")],
              ["... decode (TabularCodec.inverse_transform)",
               _cumulative(sample_stats, "inverse_transform", "tabular.py")]]
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        CGAN(epochs=1, batch_size=args.batch, random_state=0).fit(X, y)
    ops = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15)
    body = ["### Phases (cProfile, seconds)\n", markdown_table(phases, ["phase", "seconds"], digits=2),
            f"\n### Python functions, fit (1 epoch on {n:,} rows), by own time\n", _top(fit_stats),
            f"\n### Python functions, sample({args.sample_rows:,}), by own time\n", _top(sample_stats),
            f"\n### torch operators, fit (1 epoch on {n:,} rows, {torch.get_num_threads()} threads)\n",
            "```\n" + ops.strip("\n") + "\n```\n"]
    return "".join(body), [f"make_classification table of {n:,} rows (20 features), batch {args.batch}"]


def _profile(call: Callable[[], Any]) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.runcall(call)
    return pstats.Stats(profiler, stream=io.StringIO())


def _cumulative(stats: pstats.Stats, name: str, filename: str) -> float | None:
    """Cumulative seconds of the function ``name`` defined in a file ending with ``filename``."""
    found = [v[3] for (file, _, func), v in stats.stats.items() if func == name and file.endswith(filename)]
    return max(found) if found else None


def _top(stats: pstats.Stats, top: int = 12) -> str:
    rows = [[f"{file.split('site-packages/')[-1].split('/work/main/')[-1]}:{line} {name}", calls, own, cumulative]
            for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items()]
    rows.sort(key=lambda r: -r[2])
    return markdown_table(rows[:top], ["function", "calls", "own s", "cumulative s"], digits=3)


def defaults_end_to_end(args: argparse.Namespace, device: str = "cpu") -> tuple[str, list[str]]:
    """``augan generate --balance`` at its default settings on the numeric tables, timed from the shell, on
    ``device`` ("cpu" or "cuda")."""
    import tempfile

    from augan.train import TWO_CLASS_TABLE_STEPS

    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("section defaults-gpu needs a CUDA GPU, and torch sees none.")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for n in args.default_sizes:
            X, y, _ = make_table("numeric", n)
            data = os.path.join(folder, f"table_{n}.csv")
            X.assign(label=y).to_csv(data, index=False)
            out = os.path.join(folder, f"synthetic_{n}.csv")
            # `python -m augan_cli` is the `augan` command, also where augan is on PYTHONPATH without being installed.
            command = [sys.executable, "-m", "augan_cli", "generate", data, "--target", "label", "--balance", "--seed",
                       "0", "--device", device, "--out", out]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
            wall = time.perf_counter() - start
            expected = [line for line in done.stderr.splitlines() if "expected to take" in line]
            written = sum(1 for _ in open(out)) - 1 if done.returncode == 0 else None
            rows.append([f"numeric {n:,}", wall, written, expected[0].split(": ", 1)[1] if expected else None,
                         done.returncode, done.stderr.strip().splitlines()[-1] if done.returncode else ""])
            print(json.dumps({"rows": n, "wall_seconds": wall, "returncode": done.returncode}), flush=True)
    table = markdown_table(rows, ["table", "wall s", "synthetic rows written", "what augan said before training",
                                  "exit code", "error"], digits=1)
    notes = [f"`augan generate TABLE.csv --target label --balance --seed 0 --device {device} --out OUT.csv`, every "
             f"other setting at its default (300 epochs, batch_size and max_steps 'auto': {TWO_CLASS_TABLE_STEPS} "
             "steps of 128 rows for this numeric table of two classes), timed around the subprocess: start-up, "
             "reading the CSV, encoding, training, sampling and writing the CSV; the table is written before the clock "
             f"starts; {os.cpu_count()} cores"]
    return "### Defaults, end to end from the shell\n" + table, notes


def hardware_share(args: argparse.Namespace) -> tuple[str, list[str]]:
    """Share of this CPU's matrix-product throughput that a training step and sampling reach (hardware.py)."""
    import torch

    from augan import CGAN
    from hardware import sampling_share, training_step_share

    # bf16 only where the CPU has bfloat16 instructions: elsewhere autocast emulates it, slower than float32.
    precisions = [None] + (["bf16"] if torch.ops.mkldnn._is_mkldnn_bf16_supported() else [])
    rows = []
    for kind in ("numeric", "mixed"):
        X, y, _ = make_table(kind, args.hardware_rows)
        steps = -(-args.hardware_rows // args.batch)
        for amp in precisions:
            make = lambda epochs: CGAN(epochs=epochs, batch_size=args.batch, max_steps=None,  # noqa: E731
                                       amp=amp, random_state=0)
            dtype = torch.bfloat16 if amp else None
            step = training_step_share(make, X, y, steps, dtype=dtype)
            draw = sampling_share(make(1).fit(X, y), args.sample_rows, dtype=dtype)
            print(json.dumps({"kind": kind, "amp": amp, "step": step, "sample": draw}), flush=True)
            label, precision = f"{kind} {args.hardware_rows:,}", amp or "float32"
            rows.append([label, precision, "training step", f"{step['step_seconds'] * 1e3:.2f} ms",
                         f"{step['floor_seconds'] * 1e3:.2f} ms", f"{step['share']:.0%}", step["gflops"],
                         step["floor_gflops"], None])
            rows.append([label, precision, f"sample {args.sample_rows:,} rows", f"{draw['sample_seconds']:.2f} s",
                         f"{draw['floor_seconds']:.2f} s", f"{draw['share']:.0%}", draw["gflops"],
                         draw["floor_gflops"], f"{draw['rows_per_second']:,.0f}"])
    table = markdown_table(rows, ["table", "amp", "work", "measured", "matmul floor", "share of the floor",
                                  "GFLOP/s reached", "GFLOP/s of the bare products", "rows / s"], digits=1)
    notes = [f"floor: the matrix products (aten::mm / addmm / bmm, forward and backward) that torch.profiler "
             f"records in the work, each timed alone at its shape on {torch.get_num_threads()} torch threads, in "
             "float32, or in bfloat16 for `CGAN(amp='bf16')` (training and sampling under bf16 autocast); "
             "share = floor / measured (targets: >= 60% for the step and for sampling; the bf16 floor is the "
             "faster one, so a bf16 row's share compares with the bf16 products)",
             f"training step: (a fit of 3 epochs - a fit of 1 epoch) / 2 epochs of {steps} steps, batch "
             f"{args.batch}, CGAN defaults otherwise (max_steps=None), then its floor, {step['repeats']} such pairs; "
             f"sampling: a draw decoded to the user's columns, then its floor, {draw['repeats']} pairs; measured, "
             "floor and share are the medians over the pairs (each pair's share is its floor over its own "
             "measurement, so that a slow spell spoils the pairs it falls in; it slows a step more than a bare "
             "product, so runs at different times still differ)",
             "bf16 rows: " + ("this CPU has bfloat16 instructions (oneDNN reports bf16 support)"
                              if "bf16" in precisions else "left out: this CPU has no bfloat16 instructions")]
    return "### Share of the hardware's matrix-product throughput\n" + table, notes


# key -> (title, function building the section's body and notes, the options the section depends on)
SECTIONS: dict[str, tuple[str, Callable[[argparse.Namespace], tuple[str, list[str]]], tuple[str, ...]]] = {
    "speed-cpu": ("Speed on the CPU: augan against CTGAN", cpu_speed,
                  ("sizes", "mixed_rows", "methods", "epochs", "batch", "sample_rows", "ctgan_max_rows")),
    "profile-cpu": ("Profile of augan on the CPU", cpu_profile, ("profile_rows", "batch", "sample_rows")),
    "defaults-cpu": ("augan generate at its defaults on large tables", defaults_end_to_end, ("default_sizes",)),
    "defaults-gpu": ("augan generate at its defaults on large tables, on the GPU",
                     lambda args: defaults_end_to_end(args, "cuda"), ("default_sizes",)),
    "hardware-cpu": ("augan against the CPU's own matrix-product speed", hardware_share,
                     ("hardware_rows", "batch", "sample_rows")),
}


# -------------------------------------------------------------------- main
# The protocol's settings; a run with any other value is recorded as a partial run.
DEFAULTS = {"sizes": [10_000, 100_000, 1_000_000], "mixed_rows": 100_000, "methods": ["augan", "ctgan"],
            "epochs": 3, "batch": 500, "sample_rows": 1_000_000, "profile_rows": 100_000, "ctgan_max_rows": None,
            "default_sizes": [100_000, 1_000_000], "hardware_rows": 100_000}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="+", choices=list(SECTIONS),
                        default=[key for key in SECTIONS if not key.endswith("-gpu")],
                        help="default: every CPU section; defaults-gpu needs a CUDA GPU (benchmarks/gpu_check.sh)")
    parser.add_argument("--sizes", nargs="+", type=int, default=DEFAULTS["sizes"])
    parser.add_argument("--mixed-rows", type=int, default=DEFAULTS["mixed_rows"],
                        help="rows of the mixed table (0: none)")
    parser.add_argument("--methods", nargs="+", choices=["augan", "ctgan"], default=DEFAULTS["methods"])
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    parser.add_argument("--batch", type=int, default=DEFAULTS["batch"])
    parser.add_argument("--sample-rows", type=int, default=DEFAULTS["sample_rows"])
    parser.add_argument("--profile-rows", type=int, default=DEFAULTS["profile_rows"])
    parser.add_argument("--default-sizes", nargs="+", type=int, default=DEFAULTS["default_sizes"],
                        help="rows of the numeric tables given to `augan generate` at its defaults")
    parser.add_argument("--hardware-rows", type=int, default=DEFAULTS["hardware_rows"],
                        help="rows of the tables of the hardware-share section")
    parser.add_argument("--timeout", type=float, default=7200, help="seconds allowed to one fit + sample")
    parser.add_argument("--ctgan-max-rows", type=int,
                        help="skip CTGAN on larger tables (on 2 CPU cores its 1M-row fit takes over an hour, "
                             "most of it fitting a Gaussian mixture per column)")
    parser.add_argument("--no-results", action="store_true", help="print the tables, leave RESULTS.md alone")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    counts = [args.epochs, args.batch, args.sample_rows, args.profile_rows, args.hardware_rows]
    if min(args.sizes + args.default_sizes + counts) < 1 or args.mixed_rows < 0:
        parser.error("sizes, epochs, batch, sample rows and profile rows must be positive.")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(run_fit(spec["method"], spec["kind"], spec["n"], spec["epochs"], spec["batch"],
                                 spec["sample_rows"])))
        return
    for key in args.sections:
        title, build, options = SECTIONS[key]
        partial = [f"--{name.replace('_', '-')} {getattr(args, name)}" for name in options
                   if getattr(args, name) != DEFAULTS[name]]
        start = time.perf_counter()
        body, notes = build(args)
        if partial:
            notes.append("partial run: " + ", ".join(partial) + " (defaults differ)")
        text = (section_header(title + (" (partial run)" if partial else ""),
                               [*notes, f"wall {time.perf_counter() - start:.0f} s"]) + "\n" + body)
        print("\n" + text, flush=True)
        if not args.no_results:
            update_section(key + ("-partial" if partial else ""), text)


if __name__ == "__main__":
    sys.exit(main())
