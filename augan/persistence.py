"""What a fitted :class:`~augan.CGAN` keeps in its model file, and how one is rebuilt from that content.

The file itself (format version, atomic write, safe read) is :mod:`augan.io`'s business; this module
decides what goes in it: the parameters, the codec and label states, the seed, the history, the user's
metadata and the weights of both networks, all as plain values and tensors.
"""

from __future__ import annotations

import json
import numbers
import os
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .data.labels import LabelCodec
from .data.tabular import TabularCodec
from .device import resolve_device

if TYPE_CHECKING:
    from .synthesizer import CGAN


def plain_metadata(metadata: Any) -> dict:
    """``metadata`` as plain JSON values (what a model file may hold), or a TypeError naming it."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict of plain JSON values, got {type(metadata).__name__}.")
    try:
        return json.loads(json.dumps(metadata, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must hold plain JSON values (str, int, float, bool, None, list, dict): "
                        f"{exc}") from exc


def model_content(gan: CGAN, metadata: Any) -> dict:
    """Everything a fitted ``gan`` writes to its model file, with ``metadata`` checked by :func:`plain_metadata`."""
    metadata = plain_metadata(metadata)
    params = {k: v for k, v in gan.get_params().items() if k != "random_state"}
    params["random_state"] = gan.random_state if isinstance(gan.random_state, numbers.Integral) else None
    params = {k: (list(v) if isinstance(v, np.ndarray) else v) for k, v in params.items()}
    if isinstance(params["device"], torch.device):
        params["device"] = str(params["device"])
    codec_kind = "tabular" if isinstance(gan.codec_, TabularCodec) else "image"
    return {
        "estimator": "CGAN",
        "params": params,
        "codec": {"kind": codec_kind, "state": gan.codec_.get_state()},
        "labels": gan.label_codec_.get_state(),
        "seed": gan.seed_,
        "history": gan.history_,
        "metadata": metadata,
        "generator": {k: v.cpu() for k, v in gan.generator_.state_dict().items()},
        "discriminator": {k: v.cpu() for k, v in gan.discriminator_.state_dict().items()},
    }


def restore(cls: type[CGAN], content: dict, path: str | os.PathLike, device: str) -> CGAN:
    """A fitted ``cls`` rebuilt from a model file's ``content`` (read from ``path``), on ``device``.

    Raises
    ------
    ValueError
        If the content does not describe a model this version can rebuild.
    """
    try:
        # Device and strategy belong to the machine that trained, not to the model.
        estimator = cls(**{**content["params"], "device": device, "strategy": None})
        kind = content["codec"]["kind"]
        if kind == "tabular":
            estimator.codec_ = TabularCodec.from_state(content["codec"]["state"])
        elif kind != "image":
            raise ValueError(f"{path} is an augan model file, but its codec kind {kind!r} is unknown "
                             f"(known: 'tabular', 'image').")
        else:
            from .data.images import ImageCodec

            estimator.codec_ = ImageCodec.from_state(content["codec"]["state"])
        estimator.label_codec_ = LabelCodec.from_state(content["labels"])
        estimator.classes_ = estimator.label_codec_.classes_
        estimator.class_counts_ = estimator.label_codec_.counts_
        estimator._set_feature_attributes()
        estimator.device_ = resolve_device(device)
        estimator.seed_ = content["seed"]
        estimator.history_ = content["history"]
        estimator.metadata_ = dict(content.get("metadata", {}))
        generator, discriminator = estimator._build_networks()
        generator.load_state_dict(content["generator"])
        discriminator.load_state_dict(content["discriminator"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise ValueError(f"{path} is an augan model file, but its content is inconsistent: {exc}") from exc
    estimator.generator_ = generator.eval()
    estimator.discriminator_ = discriminator.eval()
    return estimator
