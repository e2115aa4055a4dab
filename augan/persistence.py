"""What a fitted :class:`~augan.CGAN` keeps in its model file, and how one is rebuilt from that content.

The file itself (format version, atomic write, safe read) is :mod:`augan.storage`'s business; this module
decides what goes in it: the parameters, the training config, the codec and label states, the seed, the
history, the user's metadata and the weights of both networks (and of the encoder, when there is one), all as
plain values and tensors.
"""

from __future__ import annotations

import json
import numbers
import os
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ._validation import short_repr
from .data.codecs import UnknownCodecError, codec_from_state, codec_state
from .data.labels import LabelCodec
from .device import resolve_device
from .storage import stored_tensor_bytes
from .losses import LOSSES, get_loss
from .seeding import SEED_MAX
from .train import TrainingConfig, training_budget

if TYPE_CHECKING:
    from .synthesizer import CGAN


def plain_metadata(metadata: Any) -> dict:
    """``metadata`` as plain JSON values (what a model file may hold), or a TypeError naming it."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict of plain JSON values, got {type(metadata).__name__}.")
    try:
        plain = json.loads(json.dumps(metadata, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"metadata must hold plain JSON values (str, int, float, bool, None, list, dict): "
                        f"{exc}") from exc
    if plain != metadata:  # JSON turns keys into text and tuples into lists
        raise TypeError(f"metadata must hold plain JSON values, with text keys and lists rather than tuples, to read "
                        f"back as given: {short_repr(metadata)} would read back as {short_repr(plain)}.")
    return plain


def model_content(gan: CGAN, metadata: Any) -> dict:
    """Everything a fitted ``gan`` writes to its model file, with ``metadata`` checked by :func:`plain_metadata`."""
    metadata = plain_metadata(metadata)
    # The parameters the networks were fitted with, not those set since (they act at the next fit).
    params = {k: v for k, v in gan._fitted_params().items() if k != "random_state"}
    params["random_state"] = gan.random_state if isinstance(gan.random_state, numbers.Integral) else None
    if gan.random_state is not None and params["random_state"] is None:
        warnings.warn(f"CGAN.save: random_state is a {type(gan.random_state).__name__}, whose state a model file "
                      f"does not keep; the loaded model's random_state is None, so its draws differ from call to "
                      f"call. Give an int random_state for draws that repeat.", UserWarning, stacklevel=3)
    params = {k: (list(v) if isinstance(v, np.ndarray) else v) for k, v in params.items()}
    if isinstance(params["device"], torch.device):
        params["device"] = str(params["device"])
    if isinstance(params["checkpoint_dir"], os.PathLike):
        params["checkpoint_dir"] = os.fspath(params["checkpoint_dir"])
    return {
        "estimator": "CGAN",
        "params": params,
        "codec": codec_state(gan.codec_),
        "labels": gan.label_codec_.get_state(),
        "seed": gan.seed_,
        "training": gan.training_config_.to_dict(),
        "history": gan.history_,
        "metadata": metadata,
        "generator": {k: v.cpu() for k, v in gan.generator_.state_dict().items()},
        "discriminator": {k: v.cpu() for k, v in gan.discriminator_.state_dict().items()},
        **({"encoder": {k: v.cpu() for k, v in gan.encoder_.state_dict().items()}}
           if getattr(gan, "encoder_", None) is not None else {}),
    }


def restore(cls: type[CGAN], content: dict, path: str | os.PathLike, device: str) -> CGAN:
    """A fitted ``cls`` rebuilt from a model file's ``content`` (read from ``path``), on ``device``.

    The parameters are checked with the estimator's own rules and every stored tensor's name, shape and dtype
    against the networks those parameters build, before the networks are allocated: a file can make augan
    allocate no more than the networks it declares.

    Raises
    ------
    ValueError
        If the content does not describe a model this version can rebuild.
    """
    unknown = sorted(map(str, set(content) - _CONTENT_KEYS))
    if unknown:
        raise _inconsistent(path, f"it holds entries augan does not write: {unknown}.")
    if content.get("estimator") != "CGAN":
        raise _inconsistent(path, f"it holds a model of {content.get('estimator')!r}, not of 'CGAN'.")
    try:
        codec = codec_from_state(content.get("codec"))
    except UnknownCodecError as exc:
        raise ValueError(f"{path} is an augan model file, but its {exc}") from exc
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise _inconsistent(path, f"{type(exc).__name__}: {exc}") from exc
    loss = content.get("params", {}).get("loss") if isinstance(content.get("params"), dict) else None
    if isinstance(loss, str) and loss not in LOSSES:
        raise ValueError(f"{path} was trained with the loss {loss!r}, which is not registered in this process: "
                         f"register it with augan.register_loss({loss!r}, <its Loss class>) before loading it.")
    try:
        # Device and strategy belong to the machine that trained, not to the model.
        estimator = cls(**{**content["params"], "device": device, "strategy": None})
        estimator._validate_params()
        estimator._check_shapes_params()
        estimator._record_fit_params()
        # Trained under DDP, an image GAN with encoder="auto" has no encoder: its networks follow that strategy.
        estimator._fit_params["strategy"] = content["params"].get("strategy")
        estimator.codec_ = codec
        estimator.label_codec_ = LabelCodec.from_state(content["labels"])
        estimator.classes_ = estimator.label_codec_.classes_
        estimator.class_counts_ = estimator.label_codec_.counts_
        estimator._set_feature_attributes()
        expected = estimator._network_states()
        if estimator._uses_encoder():
            with torch.device("meta"):
                expected = (*expected, estimator._make_encoder().state_dict())
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError) as exc:
        raise _inconsistent(path, f"{type(exc).__name__}: {exc}") from exc
    _check_weights(content, expected, path)
    estimator.device_ = resolve_device(device)
    seed = content.get("seed")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= seed < SEED_MAX:
        raise _inconsistent(path, f"its seed is {seed!r}, where augan writes an integer in [0, {SEED_MAX}).")
    try:
        estimator.seed_ = int(seed)
        estimator.history_ = content["history"]
        estimator.n_steps_ = estimator.history_[-1].get("steps") if estimator.history_ else None
        estimator.metadata_ = dict(content.get("metadata", {}))
        estimator.training_config_ = _training_config(content, estimator)
        generator, discriminator = estimator._build_networks()
        generator.load_state_dict(content["generator"])
        discriminator.load_state_dict(content["discriminator"])
        encoder = None
        if len(expected) == 3:
            encoder = estimator._make_encoder().to(estimator.device_)
            encoder.load_state_dict(content["encoder"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise _inconsistent(path, f"{type(exc).__name__}: {exc}") from exc
    estimator.generator_ = generator.eval()
    estimator.discriminator_ = discriminator.eval()
    estimator.encoder_ = encoder.eval() if encoder is not None else None
    return estimator


_CONTENT_KEYS = {"format", "version", "estimator", "params", "codec", "labels", "seed", "history", "metadata",
                 "training", "generator", "discriminator", "encoder"}


def _training_config(content: dict, estimator: CGAN) -> TrainingConfig:
    """The training config a file holds; files written before it was kept have it rebuilt from their parameters."""
    if "training" in content:
        return TrainingConfig.from_dict(content["training"])
    params = content["params"]
    batch_size, max_steps, _ = training_budget(estimator.codec_.kind, params["batch_size"], params.get("max_steps"))
    return TrainingConfig.from_params({**params, "batch_size": batch_size, "max_steps": max_steps},
                                      get_loss(estimator.loss))


def _check_weights(content: dict, expected: tuple[dict, ...], path: str | os.PathLike) -> None:
    """Refuse stored weights that are not exactly those of the ``expected`` (meta) state dicts: the generator's,
    the discriminator's and, when the parameters have one, the encoder's."""
    if "encoder" in content and len(expected) < 3:
        raise _inconsistent(path, "it stores encoder weights, but its parameters build no encoder.")
    for name, wanted in zip(("generator", "discriminator", "encoder"), expected):
        stored = content.get(name)
        if not isinstance(stored, dict) or set(stored) != set(wanted):
            keys = set(stored) if isinstance(stored, dict) else set()
            odd = sorted(map(str, keys ^ set(wanted)))[:5]
            raise _inconsistent(path, f"its {name} weights do not match the networks its parameters build "
                                      f"(unexpected or missing: {odd or name}).")
        for key, tensor in wanted.items():
            got = stored[key]
            if not isinstance(got, torch.Tensor) or got.shape != tensor.shape or got.dtype != tensor.dtype:
                found = f"{tuple(got.shape)} {got.dtype}" if isinstance(got, torch.Tensor) else type(got).__name__
                raise _inconsistent(path, f"its {name} weight {key!r} is {found}, where its parameters build "
                                          f"{tuple(tensor.shape)} {tensor.dtype}.")
            if got.is_floating_point() and not bool(torch.isfinite(got).all()):
                raise _inconsistent(path, f"its {name} weight {key!r} holds NaN or infinite values; a model "
                                          f"that samples from them would give empty cells.")
    needed = sum(t.numel() * t.element_size() for state in expected for t in state.values())
    stored_bytes = stored_tensor_bytes(path)
    if stored_bytes > needed:
        raise _inconsistent(path, f"it stores {stored_bytes:,} bytes of tensors where its networks need {needed:,}.")


def _inconsistent(path: str | os.PathLike, detail: str) -> ValueError:
    return ValueError(f"{path} is an augan model file, but its content is inconsistent: {detail}")
