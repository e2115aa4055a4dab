"""Training on several processes with DistributedDataParallel, launched by ``torchrun``.

``torchrun --nproc-per-node N script.py`` starts N copies of a script and tells each, through the
environment (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), who it is. Every
process reads the whole table; :func:`shard_rows` keeps the share of the rows this process trains on.
The process group uses NCCL between GPUs and gloo on the CPU (which is how the tests run it).
"""

from __future__ import annotations

import atexit
import gc
import os
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

STRATEGIES = ("ddp",)
TORCHRUN_VARIABLES = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")

_owned = False


def launched_by_torchrun() -> bool:
    """Whether this process was started by ``torchrun`` (its environment variables are all set)."""
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def is_initialized() -> bool:
    """Whether a default process group exists in this process."""
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    """This process's rank, 0 without a process group."""
    return dist.get_rank() if is_initialized() else 0


def world_size() -> int:
    """Number of processes, 1 without a process group."""
    return dist.get_world_size() if is_initialized() else 1


def is_main_process() -> bool:
    """True on rank 0, and in a process that is not part of a group: the one that writes files and progress."""
    return rank() == 0


def init(device: torch.device) -> torch.device:
    """Join the process group ``torchrun`` set up, and return the device this process trains on.

    The group is created on first use (NCCL for CUDA, gloo otherwise) and destroyed when the process
    exits, or earlier by :func:`shutdown`; a group the caller created already is used as it is.

    Parameters
    ----------
    device : torch.device
        The device asked for. A CUDA device becomes ``cuda:LOCAL_RANK``: one GPU per process.

    Raises
    ------
    ValueError
        If the process was not started by ``torchrun``, or ``device`` names another GPU than this
        process's, or is neither CPU nor CUDA.
    """
    global _owned
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"strategy='ddp' trains on CUDA GPUs or on the CPU, not on {device.type!r}.")
    if not is_initialized():
        if not launched_by_torchrun():
            missing = [name for name in TORCHRUN_VARIABLES if name not in os.environ]
            raise ValueError("strategy='ddp' needs one process per device started by torchrun, e.g. "
                             "`torchrun --nproc-per-node 2 train.py`; this process lacks "
                             f"{', '.join(missing)} in its environment.")
        if device.type == "cuda":
            torch.cuda.set_device(_local_device(device))
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        _owned = True
        atexit.register(shutdown)
    if device.type == "cuda":
        local = _local_device(device)
        torch.cuda.set_device(local)
        return local
    return device


def _local_device(device: torch.device) -> torch.device:
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if device.index is not None and device.index != local_rank:
        raise ValueError(f"device={str(device)!r}: with strategy='ddp' each process uses the GPU of its local rank "
                         f"(cuda:{local_rank} here); pass device='auto' or 'cuda'.")
    return torch.device("cuda", local_rank)


def shutdown() -> None:
    """Destroy the process group if :func:`init` created it (nothing otherwise)."""
    global _owned
    if _owned and is_initialized():
        # Networks wrapped in DistributedDataParallel hold the group (and gloo's worker threads) alive until the
        # garbage collector meets them; left to the interpreter's own teardown, their destruction can abort
        # the process ("terminate called without an active exception"). Free them while Python is whole.
        gc.collect()
        dist.destroy_process_group()
    _owned = False


def wrap(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """``module`` in DistributedDataParallel on ``device``: gradients averaged over the processes.

    Building the wrapper copies rank 0's weights and buffers to every process. Batch norm stays
    per process (no SyncBatchNorm): each process normalises its own batch of hundreds of rows, which
    gives stable statistics without an extra all-reduce per layer and step; the running statistics
    used for sampling are rank 0's, sent to the others at each wrapped forward.
    """
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids)


def shard_rows(labels: np.ndarray, rank: int, world_size: int) -> np.ndarray:
    """Indices of the rows that process ``rank`` of ``world_size`` trains on.

    Within each class the rows are dealt out in turn (the ``j``-th row of a class goes to process
    ``j % world_size``), so every process sees every class in its training proportion. A class with fewer
    rows than processes lends the processes left without one a copy of one of its rows, so no process
    lacks a class.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Class index of each row.
    rank, world_size : int
        This process and the number of processes.

    Returns
    -------
    rows : ndarray of shape (n_kept,)
        Row indices, in increasing order within each class.
    """
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    counts = np.bincount(sorted_labels)
    starts = np.cumsum(counts) - counts
    position = np.arange(len(labels)) - starts[sorted_labels]
    size = counts[sorted_labels]
    keep = (position % world_size == rank) | ((size <= rank) & (position == rank % size))
    return order[keep]


def broadcast_object(value: Any, src: int = 0) -> Any:
    """``value`` from process ``src``, on every process (``value`` itself without a process group)."""
    if not is_initialized():
        return value
    box = [value]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def check_same_everywhere(name: str, value: Any) -> None:
    """Refuse to go on unless every process holds an equal ``value`` (a small, comparable object).

    Raises
    ------
    ValueError
        On every process, naming the first process whose value differs from rank 0's.
    """
    if not is_initialized():
        return
    values = [None] * world_size()
    dist.all_gather_object(values, value)
    for other, theirs in enumerate(values):
        if theirs != values[0]:
            raise ValueError(f"strategy='ddp' needs the same {name} on every process: process 0 has {values[0]!r}, "
                             f"process {other} has {theirs!r}. Give every process the whole data set.")


def all_reduce(tensor: torch.Tensor, op: str = "mean") -> torch.Tensor:
    """Combine ``tensor`` across processes in place (``op``: "mean", "sum", "min" or "max"); return it."""
    if not is_initialized() or world_size() == 1:
        return tensor
    reduce_op = {"mean": dist.ReduceOp.SUM, "sum": dist.ReduceOp.SUM, "min": dist.ReduceOp.MIN,
                 "max": dist.ReduceOp.MAX}[op]
    dist.all_reduce(tensor, op=reduce_op)
    if op == "mean":
        tensor /= world_size()
    return tensor
