"""Shared fixtures: small real-looking data and tiny GAN settings that train in a second on the CPU."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

# Two pytest-xdist workers share two cores: one thread each avoids oversubscription.
torch.set_num_threads(1)

TINY = dict(epochs=2, batch_size=32, noise_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16))


@pytest.fixture
def tiny() -> dict:
    """Parameters for a CGAN that trains in well under a second."""
    return dict(TINY)


@pytest.fixture
def mixed_frame() -> tuple[pd.DataFrame, np.ndarray]:
    """A 120-row table with ints, floats with NaN, strings with NaN, bools and a pandas categorical."""
    rng = np.random.default_rng(0)
    n = 120
    city = rng.choice(["paris", "lyon", "nice"], n).astype(object)
    city[rng.random(n) < 0.1] = np.nan
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": rng.lognormal(10, 1, n),
        "score": np.where(rng.random(n) < 0.15, np.nan, rng.normal(size=n)),
        "city": pd.Series(city, dtype=object),
        "member": rng.random(n) < 0.3,
        "tier": pd.Categorical(rng.choice(["gold", "silver"], n), categories=["silver", "gold", "bronze"]),
    })
    y = np.where(rng.random(n) < 0.25, "fraud", "ok")
    return frame, y


@pytest.fixture
def no_large_allocation(monkeypatch):
    """Make any real (not meta) tensor of more than 10M elements fail the test instead of being allocated."""
    real_empty = torch.empty

    def guarded(*size, **kwargs):
        shape = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)) else size
        device = kwargs.get("device") or torch.get_default_device()
        if torch.device(device).type != "meta" and math.prod(int(d) for d in shape) > 10_000_000:
            raise AssertionError(f"augan allocated a tensor of shape {tuple(shape)}")
        # The device is passed on: inside `with torch.device("meta")` torch adds it only to the functions it listed
        # at its first use, which, when that use is in this test, is this wrapper and not torch.empty.
        return real_empty(*size, **{**kwargs, "device": device})

    monkeypatch.setattr(torch, "empty", guarded)


@pytest.fixture
def png_header():
    """``png_header(path, width, height)`` writes a PNG that declares that size but holds no pixels (Pillow
    checks the size before it decodes any)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    def write(path, width: int, height: int) -> None:
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
                         + chunk(b"IEND", b""))

    return write


@pytest.fixture
def damage_tensor_bytes():
    """``damage_tensor_bytes(path)`` inverts bytes in the middle of the largest tensor of the ``torch.save`` archive
    at ``path``, leaving its zip directory whole; returns the damaged entry's name."""
    import struct
    import zipfile

    def damage(path) -> str:
        with zipfile.ZipFile(path) as archive:
            entry = max((e for e in archive.infolist() if "/data/" in e.filename), key=lambda e: e.file_size)
        data = bytearray(path.read_bytes())
        name_length, extra_length = struct.unpack("<HH", data[entry.header_offset + 26:entry.header_offset + 30])
        start = entry.header_offset + 30 + name_length + extra_length
        for i in range(start + entry.file_size // 4, start + entry.file_size // 2):
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))
        return entry.filename

    return damage
