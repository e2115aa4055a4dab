"""Training speed of augan's Trainer on a GPU: batch size x mixed precision x torch.compile (BENCHMARK.md, section 3).

Data: ``make_classification(n_samples=ROWS, n_features=20, n_informative=10, weights=[0.9], random_state=0)``
(ROWS = 1,000,000 by default), encoded by ``CGAN.encode`` and kept on the device, as ``CGAN.fit`` does.
Networks and training settings are CGAN's defaults (loss, widths, noise, n_critic, EMA). For each batch size,
AMP mode and compile setting, on fresh networks:

- warm-up: ``--warmup`` steps, where torch.compile does its work (its seconds are reported);
- steps/s, rows/s and ms/step over ``--steps`` timed steps with one synchronisation at the end. A step is
  ``n_critic`` discriminator steps and one generator step; rows/s counts the real rows the discriminator
  reads (batch x n_critic per step);
- host share: the part of that time the host needs to issue the steps. Near 100% the GPU waits on Python
  and kernel launches (compile helps, larger batches help); well below 100% the GPU itself is the limit;
- in-step share: ``Trainer.fit`` for one epoch of as many steps, against the timed steps: the rest is the
  fit's own work outside the steps (batch sampler set-up, the epoch-end synchronisation, bookkeeping);
- host syncs per step, counted by CUDA's sync debug mode (0 expected), the peak GPU memory, and the GPU's
  utilisation as nvidia-smi samples it every 100 ms during the timed steps.

The settings without torch.compile run first, then those with it (whose warm-ups are the long, unpredictable
part). ``--budget SECONDS`` starts no setting but the first once the grid has run that long; the settings left
out are named in the notes, and the run is recorded as partial. A lent GPU has minutes, so gpu_check.sh always
passes one.

On the CPU the script runs too (slowly; host share is then 100% by construction), for a smoke check:

    python benchmarks/gpu_speed.py                                  # the full run, on a GPU
    python benchmarks/gpu_speed.py --write                          # ... and record it in RESULTS.md
    python benchmarks/gpu_speed.py --device cpu --rows 2000 --batches 64 256 --steps 5 --warmup 2 --compile off
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
import torch
from sklearn.datasets import make_classification

from augan import CGAN
from augan.device import resolve_device, to_device
from augan.losses import get_loss
from augan.train import BalancedBatchSampler, Trainer
from results import markdown_table, section_header, update_section

DEFAULT_ROWS = 1_000_000
DEFAULT_BATCHES = (500, 4096, 32768)
HEADER = ("batch", "amp", "compile", "warm-up s", "steps/s", "rows/s", "ms/step", "host share", "in-step share",
          "syncs/step", "peak GPU MiB", "GPU util %")


@dataclass
class Table:
    """The encoded table on the device, with what the networks need to know of it."""

    data: torch.Tensor
    labels: torch.Tensor
    gan: CGAN


def load_table(rows: int, device: torch.device) -> tuple[Table, dict]:
    X, y = make_classification(n_samples=rows, n_features=20, n_informative=10, weights=[0.9], random_state=0)
    # A one-step fit gives the GAN its codec and network layout; the timed networks are built afresh.
    gan = CGAN(epochs=1, max_steps=1, device=str(device), verbose=False).fit(X, y)
    start = time.perf_counter()
    encoded = gan.encode(X)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    data, labels = to_device(encoded, device), to_device(y, device)
    _synchronize(device)
    upload_s = time.perf_counter() - start
    timings = {"encode_s": encode_s, "upload_s": upload_s, "width": encoded.shape[1],
               "megabytes": encoded.nbytes / 2**20}
    return Table(data, labels, gan), timings


def make_trainer(table: Table, batch: int, amp: str | None, compile_: bool) -> Trainer:
    """A Trainer set up as ``CGAN.fit`` sets it up, with CGAN's default parameters."""
    gan = table.gan
    torch.manual_seed(0)
    generator, discriminator = gan._build_networks()
    loss = get_loss(gan.loss)
    # The one-step fit of load_table capped its config at one step: the in-step share's epoch must run them all.
    config = dataclasses.replace(gan.training_config_, epochs=0, batch_size=batch, amp=amp, compile=compile_,
                                 max_steps=None, min_steps=None)
    return Trainer(generator, discriminator, loss, config, device=gan.device_)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class GpuUtilisation:
    """Mean GPU utilisation (%) that ``nvidia-smi`` samples every 100 ms while the block runs (None without it)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.process = None
        self.mean: float | None = None

    def __enter__(self) -> GpuUtilisation:
        if self.device.type != "cuda":
            return self
        uuid = torch.cuda.get_device_properties(self.device).uuid
        try:
            self.process = subprocess.Popen(
                ["nvidia-smi", f"--id=GPU-{uuid}", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits",
                 "-lms", "100"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        except OSError:
            self.process = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.terminate()
        output, _ = self.process.communicate(timeout=10)
        samples = [int(line) for line in output.split() if line.strip().isdigit()]
        self.mean = float(np.mean(samples)) if samples else None


def time_steps(trainer: Trainer, table: Table, sampler: BalancedBatchSampler, batch: int,
               steps: int) -> tuple[float, float, int | None]:
    """Seconds for ``steps`` steps, seconds the host took to issue them, and the host syncs counted."""
    device = trainer.device
    _synchronize(device)
    syncs = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if device.type == "cuda":
            torch.cuda.set_sync_debug_mode("warn")
        start = time.perf_counter()
        for _ in range(steps):
            trainer.step(table.data, sampler, batch)
        issued = time.perf_counter() - start
        if device.type == "cuda":
            torch.cuda.set_sync_debug_mode("default")
            syncs = sum("synchroniz" in str(w.message) for w in caught)
    _synchronize(device)
    return time.perf_counter() - start, issued, syncs


def measure(table: Table, batch: int, amp: str | None, compile_: bool, steps: int, warmup: int) -> list:
    device = table.gan.device_
    torch._dynamo.reset()  # every setting compiles its own static-shape graphs, timed in its own warm-up
    trainer = make_trainer(table, batch, amp, compile_)
    n_rows = table.data.shape[0]
    batch = max(trainer.config.pac, (min(batch, n_rows) // trainer.config.pac) * trainer.config.pac)
    sampler = BalancedBatchSampler(table.labels, len(table.gan.classes_), trainer.config.class_balance)
    trainer.generator.train()
    trainer.discriminator.train()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for _ in range(warmup):
        trainer.step(table.data, sampler, batch)
    _synchronize(device)
    warmup_s = time.perf_counter() - start
    with GpuUtilisation(device) as utilisation:
        total, issued, syncs = time_steps(trainer, table, sampler, batch, steps)
    per_step = total / steps
    fit_rows = min(n_rows, steps * batch)
    trainer.config = replace(trainer.config, epochs=trainer.epoch + 1)
    steps_before, start = trainer.steps, time.perf_counter()
    trainer.fit(table.data[:fit_rows], table.labels[:fit_rows], len(table.gan.classes_))
    fit_s = time.perf_counter() - start
    fit_steps = trainer.steps - steps_before
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return [batch, amp or "off", "on" if compile_ else "off", warmup_s, 1 / per_step,
            batch * trainer.config.n_critic / per_step, 1000 * per_step, f"{100 * issued / total:.0f}%",
            f"{100 * fit_steps * per_step / fit_s:.0f}%", None if syncs is None else syncs / steps, peak,
            utilisation.mean]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the make_classification table")
    parser.add_argument("--batches", type=int, nargs="+", default=list(DEFAULT_BATCHES), help="batch sizes")
    parser.add_argument("--steps", type=int, default=500, help="timed steps per setting")
    parser.add_argument("--warmup", type=int, default=30, help="untimed steps first (compilation happens here)")
    parser.add_argument("--amp", nargs="+", choices=["off", "bf16", "fp16"], default=["off", "bf16"])
    parser.add_argument("--compile", nargs="+", choices=["off", "on"], default=["off", "on"])
    parser.add_argument("--device", default="auto", help="'auto' (CUDA when present), 'cuda', 'cuda:1', 'cpu'")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds after which no further setting of the grid is started (default: none)")
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    if args.budget is not None and args.budget < 0:
        parser.error("--budget must be at least 0 seconds.")
    for name in ("rows", "steps", "warmup"):
        if getattr(args, name) < (0 if name == "warmup" else 1):
            parser.error(f"--{name} must be positive.")
    if min(args.batches) < 2:
        parser.error("--batches must all be at least 2.")
    return args


def is_full_run(device_type: str, args: argparse.Namespace, left_out: int = 0) -> bool:
    """Whether the run is the whole protocol on a GPU; a grid without torch.compile or bf16 (a quick run), fewer rows,
    other batches or settings left out by the budget is partial, and must not replace a full section."""
    return (device_type == "cuda" and args.rows == DEFAULT_ROWS and tuple(args.batches) == DEFAULT_BATCHES
            and {"off", "bf16"} <= set(args.amp) and {"off", "on"} <= set(args.compile) and left_out == 0)


def grid(args: argparse.Namespace) -> list[tuple[int, str, str]]:
    """The (batch, amp, compile) settings in the order they run: every setting without torch.compile first."""
    return sorted(table_order(args), key=lambda setting: setting[2] == "on")


def table_order(args: argparse.Namespace) -> list[tuple[int, str, str]]:
    """The (batch, amp, compile) settings in the order of the table: by batch, then AMP, then compile."""
    return [(batch, amp, compile_) for batch in args.batches for amp in args.amp for compile_ in args.compile]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = resolve_device(args.device)
    if "fp16" in args.amp and device.type != "cuda":
        print("--amp fp16 needs a CUDA GPU; use --amp off bf16 on the CPU.", file=sys.stderr)
        return 2
    table, timings = load_table(args.rows, device)
    notes = [f"table: {args.rows:,} rows x 20 features -> {timings['width']} encoded columns "
             f"({timings['megabytes']:.0f} MiB float32); encoding {timings['encode_s']:.1f} s, upload to "
             f"{device} {timings['upload_s']:.2f} s",
             f"settings: CGAN defaults (loss={table.gan.loss}, dims {table.gan.generator_dims}/"
             f"{table.gan.discriminator_dims}, noise {table.gan.noise_dim}); {args.steps} timed steps after "
             f"{args.warmup} warm-up steps"]
    print("\n".join(notes), flush=True)
    settings = grid(args)
    rows, left_out = {}, []
    start = time.perf_counter()
    for batch, amp, compile_ in settings:
        if rows and args.budget is not None and time.perf_counter() - start > args.budget:
            left_out.append(f"batch {batch} amp {amp} compile {compile_}")
            continue
        row = measure(table, batch, None if amp == "off" else amp, compile_ == "on", args.steps, args.warmup)
        rows[batch, amp, compile_] = row
        print(" ".join(f"{h}={v:.4g}" if isinstance(v, float) else f"{h}={v}" for h, v in zip(HEADER, row)),
              flush=True)
    if left_out:
        notes.append(f"left out, not started within the {args.budget:g} s budget: {'; '.join(left_out)}")
        print(notes[-1], flush=True)
    table_text = markdown_table([rows[setting] for setting in table_order(args) if setting in rows], HEADER, digits=2)
    print("\n" + table_text)
    if args.write:
        key = "speed-gpu" if is_full_run(device.type, args, len(left_out)) else "speed-gpu-partial"
        title = f"Training speed on {device.type.upper()}: batch x AMP x compile"
        body = section_header(title, notes) + "\n" + table_text
        print(f"written to {update_section(key, body)} (section {key})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
