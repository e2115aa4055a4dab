"""Fidelity: FID, KID and precision / recall of synthetic rows or images, computed by torch-fidelity.

torch-fidelity compares two sets through a feature extractor chosen by name from its registry. augan
registers two of its own there:

``"augan-table-mlp"``
    For tables: the table is encoded (:func:`~augan.metrics.encoding.make_preprocessor`, fitted on the real
    rows), a small MLP is trained to classify the real rows, and its penultimate layer gives the features.
``"augan-image-cnn"``
    For images: a small CNN trained to classify the real images; its penultimate layer gives the features.

For images, ``weights_path`` (a local copy of torch-fidelity's Inception weights,
``weights-inception-2015-12-05-6726825d.pth``) selects ``"inception-v3-compat"``, the extractor behind
published FID values. torch-fidelity reads such a file with ``torch.load(weights_only=False)``, which runs any
code the file holds; augan reads it with ``weights_only=True`` instead (:func:`check_inception_weights`) and
hands torch-fidelity a copy it wrote of the tensors it checked.

Values are comparable only when computed with the same extractor: an augan extractor is trained on the
real data of one evaluation (deterministically from ``random_state``), so its FID means something next to
other FIDs on the same real data and seed, never next to a published Inception FID. The result names the
extractor and the sample counts it saw.
"""

from __future__ import annotations

import functools
import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch_fidelity
from sklearn.utils import check_random_state
from torch import nn
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
from torch_fidelity.helpers import vassert
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

from .._validation import check_labels, check_path, format_bytes
from ..data.images import ImageCodec, is_image_array
from ..device import resolve_device
from ..seeding import TorchStream, draw_seed
from .encoding import encode, fit_encoder
from .results import Fidelity, FidelityScores

TABLE_EXTRACTOR = "augan-table-mlp"
IMAGE_EXTRACTOR = "augan-image-cnn"
INCEPTION_EXTRACTOR = "inception-v3-compat"
INCEPTION_WEIGHTS = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_FOR_TABLE = "weights_path selects the Inception extractor, which reads images; tables use augan's MLP."
_FORMAT = "augan-feature-extractor"
_FEATURES = "penultimate"
_KID_SUBSET_SIZE = 1000


class _TableNet(nn.Module):
    def __init__(self, n_inputs: int, n_classes: int, hidden: int = 64, width: int = 16) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_inputs, hidden), nn.ReLU(), nn.Linear(hidden, width), nn.ReLU())
        self.head = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


class _ImageNet(nn.Module):
    def __init__(self, channels: int, n_classes: int, width: int = 64) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
            nn.Linear(32 * 16, width), nn.ReLU())
        self.head = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)
        return features, self.head(features)


_NETWORKS = {"table": _TableNet, "image": _ImageNet}


class _AuganFeatureExtractor(FeatureExtractorBase):
    """A network trained by augan on the real labelled data, read from ``feature_extractor_weights_path``."""

    kind = ""

    def __init__(self, name: str, features_list: list, feature_extractor_weights_path: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name, features_list)
        vassert(feature_extractor_weights_path is not None,
                f'Feature extractor "{name}" needs feature_extractor_weights_path: a file written by augan')
        content = torch.load(feature_extractor_weights_path, map_location="cpu", weights_only=True)
        vassert(isinstance(content, dict) and content.get("format") == _FORMAT and content.get("kind") == self.kind,
                f"{feature_extractor_weights_path} is not an augan {self.kind} feature extractor")
        self.net = _NETWORKS[self.kind](**content["config"])
        self.net.load_state_dict(content["state_dict"])

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return (_FEATURES, "logits")

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return _FEATURES

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> None:
        return None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features, logits = self.net(network_input(x, self.kind))
        found = {_FEATURES: features, "logits": logits}
        return tuple(found[name] for name in self.features_list)


class TableFeatureExtractor(_AuganFeatureExtractor):
    """torch-fidelity extractor ``"augan-table-mlp"``: encoded table rows (float) -> MLP penultimate layer."""

    kind = "table"


class ImageFeatureExtractor(_AuganFeatureExtractor):
    """torch-fidelity extractor ``"augan-image-cnn"``: uint8 (N, C, H, W) images -> CNN penultimate layer."""

    kind = "image"


def network_input(x: torch.Tensor, kind: str) -> torch.Tensor:
    """What the networks read: table rows as float; uint8 images scaled to [-1, 1]."""
    if kind == "image":
        vassert(x.dtype == torch.uint8 and x.dim() == 4, f"Expecting uint8 images of shape (N, C, H, W), got {x.shape}")
        return x.float() / 127.5 - 1.0
    return x.float()


for _name, _cls in ((TABLE_EXTRACTOR, TableFeatureExtractor), (IMAGE_EXTRACTOR, ImageFeatureExtractor)):
    if _name not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(_name, _cls)


class _Rows(torch.utils.data.Dataset):
    """The rows of one tensor, one tensor per item: the Dataset input torch-fidelity reads."""

    def __init__(self, tensor: torch.Tensor) -> None:
        self.tensor = tensor

    def __len__(self) -> int:
        return self.tensor.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.tensor[index]


def train_extractor(inputs: torch.Tensor, labels: np.ndarray, kind: str, path: str | Path, *, epochs: int = 30,
                    batch_size: int = 64, random_state: Any = None, device: Any = "cpu") -> Path:
    """Train an augan feature network to classify the real data and write it where torch-fidelity reads it.

    Parameters
    ----------
    inputs : tensor
        Encoded table rows (float, shape (n, d)) or uint8 images of shape (n, C, H, W).
    labels : ndarray of int, shape (n,)
        Class index of each row, 0..K-1.
    kind : {"table", "image"}
        Which network.
    path : path
        The file to write (read back with ``torch.load(weights_only=True)``).
    epochs, batch_size : int
        Training length; classes are weighted by inverse frequency so rare classes shape the features too.

    Returns
    -------
    Path
        ``path``.
    """
    device = resolve_device(device)
    n_classes = int(labels.max()) + 1
    config = ({"n_inputs": int(inputs.shape[1]), "n_classes": n_classes} if kind == "table"
              else {"channels": int(inputs.shape[1]), "n_classes": n_classes})
    seed = draw_seed(random_state)
    counts = np.bincount(labels, minlength=n_classes).astype(np.float32)
    weight = torch.as_tensor(counts.sum() / np.maximum(counts, 1) / n_classes, device=device)
    with TorchStream(seed, [device]):
        net = _NETWORKS[kind](**config).to(device)
        data = network_input(inputs.to(device), kind)
        target = torch.as_tensor(labels, device=device)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss(weight=weight)
        for _ in range(epochs):
            for batch in torch.randperm(len(target), device=device).split(batch_size):
                optimizer.zero_grad(set_to_none=True)
                loss_fn(net(data[batch])[1], target[batch]).backward()
                optimizer.step()
    state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
    torch.save({"format": _FORMAT, "kind": kind, "config": config, "state_dict": state}, path)
    return Path(path)


class _InceptionLayout(FeatureExtractorInceptionV3):
    """torch-fidelity's Inception-v3 built for the names and shapes of its tensors only: it loads no weights."""

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> None:
        return None


@functools.cache
def _inception_layout() -> dict[str, tuple[tuple[int, ...], bool]]:
    """{name: (shape, is floating point)} of every tensor torch-fidelity's Inception-v3 loads."""
    with tempfile.TemporaryDirectory(prefix="augan-inception-") as folder:
        empty = Path(folder) / "empty.pth"
        torch.save({}, empty)
        with torch.device("meta"):
            network = _InceptionLayout(INCEPTION_EXTRACTOR, ["2048"], feature_extractor_weights_path=str(empty))
    return {name: (tuple(tensor.shape), tensor.is_floating_point()) for name, tensor in network.state_dict().items()}


def check_inception_weights(weights_path: Any) -> dict[str, torch.Tensor]:
    """Read ``weights_path`` safely and check that it holds torch-fidelity's Inception-v3 weights.

    The file is read with ``torch.load(weights_only=True, mmap=True)``, which runs no code from it and holds its
    tensors on disk until they are used; every tensor's name and shape must be the network's.

    Parameters
    ----------
    weights_path : str or os.PathLike
        A local copy of ``weights-inception-2015-12-05-6726825d.pth`` (or weights of the same layout).

    Returns
    -------
    dict of str to Tensor
        The state dict, as torch-fidelity's ``FeatureExtractorInceptionV3`` loads it.

    Raises
    ------
    TypeError
        If ``weights_path`` is not a path.
    FileNotFoundError
        If it names no file.
    ValueError
        If the file cannot be read as torch weights, holds Python objects besides tensors, or its tensors are not
        Inception-v3's; the message names ``weights_path`` and what is wrong.
    """
    check_path(weights_path, "weights_path")
    path = Path(weights_path)
    named = f"weights_path={str(weights_path)!r}"
    if not path.is_file():
        raise FileNotFoundError(f"{named}: no such file (torch-fidelity's Inception weights, {INCEPTION_WEIGHTS}).")
    layout = _inception_layout()
    # Room for the weights in float64, and the archive's own bytes.
    limit = 8 * sum(int(np.prod(shape)) for shape, _ in layout.values()) + 2**24
    if path.stat().st_size > limit:
        raise ValueError(f"{named} holds {format_bytes(path.stat().st_size)}, more than Inception-v3's weights take "
                         f"({format_bytes(limit)} at most): it is not torch-fidelity's {INCEPTION_WEIGHTS}.")
    state = _load_tensors(path, named)
    found = {name: (tuple(tensor.shape), tensor.is_floating_point()) for name, tensor in state.items()}
    missing = [name for name in layout if name not in found]
    unexpected = [name for name in found if name not in layout]
    wrong = [f"{name} of shape {found[name][0]}, not {shape}" if found[name][0] != shape else
             f"{name} of dtype {state[name].dtype}" for name, (shape, floating) in layout.items()
             if name in found and found[name] != (shape, floating)]
    problems = ([f"{len(missing)} tensors missing ({_few(missing)})"] * bool(missing)
                + [f"{len(unexpected)} unexpected ({_few(unexpected)})"] * bool(unexpected)
                + [f"{len(wrong)} of another shape or dtype ({', '.join(wrong[:3])}{', ...' * (len(wrong) > 3)})"]
                * bool(wrong))
    if problems:
        raise ValueError(f"{named} is not torch-fidelity's Inception-v3 weights ({INCEPTION_WEIGHTS}): "
                         f"{', '.join(problems)}.")
    return state


def _load_tensors(path: Path, named: str) -> dict[str, torch.Tensor]:
    """The ``{name: tensor}`` of a ``torch.save`` file, read without running code from it."""
    try:
        try:
            content = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError:  # a file in torch's legacy (pre-1.6, not zip) format cannot be memory-mapped
            content = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        reason = ("it holds Python objects besides tensors, which augan does not load: loading them could run code"
                  if "weights_only" in str(error).lower() or "weights only" in str(error).lower() else
                  "it was not written by torch.save")
        raise ValueError(f"{named} cannot be read as torch weights: {reason}.") from None
    except Exception as error:  # torch's readers raise many types for bytes that are not a torch.save file
        detail = (str(error).splitlines() or [""])[0][:120]
        raise ValueError(f"{named} cannot be read as torch weights: it was not written by torch.save "
                         f"({type(error).__name__}: {detail}).") from None
    if not isinstance(content, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                for k, v in content.items()):
        raise ValueError(f"{named} cannot be read as torch weights: it holds a {type(content).__name__}, not a "
                         f"state dict of tensors as torch-fidelity's Inception weights are.")
    return content


def _few(names: list[str], most: int = 3) -> str:
    return ", ".join(map(repr, names[:most])) + (", ..." if len(names) > most else "")


def _nchw(pixels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(0, 3, 1, 2)))


# How far below 0 the FID of two sets with equal features comes out of the matrix square root's rounding
# (-9e-14 was seen on an Intel Xeon); anything lower is reported as computed.
_FID_ROUNDING = 1e-6


def compare_sets(real: torch.Tensor, synthetic: torch.Tensor, extractor: str, weights_path: str | None, *,
                 kid_subset_size: int = _KID_SUBSET_SIZE, kid_subsets: int = 100, seed: int = 0,
                 cuda: bool = False) -> FidelityScores:
    """FID, KID and precision / recall of two prepared sets, by ``torch_fidelity.calculate_metrics``.

    ``kid_subset_size`` is lowered to the smaller set's size and the precision / recall neighbourhood to
    ``size - 1`` (at most 3), so small classes still get values; sets of fewer than 2 items get None. When the
    subsets are both whole sets (two sets of at most ``kid_subset_size`` items, of one size), ``kid_std`` is None:
    every subset is the same, and their spread would be rounding.
    """
    n = min(len(real), len(synthetic))
    sizes = {"n_real": int(len(real)), "n_synthetic": int(len(synthetic))}
    if n < 2:
        return FidelityScores(**sizes, fid=None, kid_mean=None, kid_std=None, precision=None, recall=None,
                              f_score=None, kid_subset_size=None, note="needs at least 2 real and 2 synthetic samples")
    subset = min(kid_subset_size, n)
    # Subsets as large as both sets are both sets, every time: their spread is rounding, not an uncertainty.
    whole = subset == len(real) == len(synthetic)
    metrics = torch_fidelity.calculate_metrics(
        input1=_Rows(synthetic), input2=_Rows(real), fid=True, kid=True, prc=True,
        feature_extractor=extractor, feature_extractor_weights_path=weights_path,
        kid_subset_size=subset, kid_subsets=kid_subsets, prc_neighborhood=min(3, n - 1),
        batch_size=256, cuda=cuda, cache=False, save_cpu_ram=True, rng_seed=seed, verbose=False)
    fid = float(metrics[torch_fidelity.KEY_METRIC_FID])
    if -_FID_ROUNDING < fid < 0:  # a squared distance: identical sets can come out a rounding error below 0
        fid = 0.0
    return FidelityScores(**sizes,
                          fid=fid,
                          kid_mean=float(metrics[torch_fidelity.KEY_METRIC_KID_MEAN]),
                          kid_std=None if whole else float(metrics[torch_fidelity.KEY_METRIC_KID_STD]),
                          precision=float(metrics[torch_fidelity.KEY_METRIC_PRECISION]),
                          recall=float(metrics[torch_fidelity.KEY_METRIC_RECALL]),
                          f_score=float(metrics[torch_fidelity.KEY_METRIC_F_SCORE]),
                          kid_subset_size=int(subset))


def fidelity_scores(X_real: Any, y_real: Any, X_synthetic: Any, y_synthetic: Any, *,
                    weights_path: str | None = None, per_class: bool = True,
                    kid_subset_size: int = _KID_SUBSET_SIZE, kid_subsets: int = 100,
                    extractor_epochs: int | None = None,
                    categorical_features: Any = "auto", random_state: Any = None, device: Any = "auto") -> Fidelity:
    """FID, KID and precision / recall of synthetic data against real data, overall and per class.

    Parameters
    ----------
    X_real, X_synthetic : DataFrame, array-like of shape (n, n_features), or image arrays
        Real and synthetic rows (tables with the same columns) or images (the same shape and value range).
    y_real, y_synthetic : array-like
        Their class labels; synthetic labels must be real classes.
    weights_path : str, optional
        Images only: a local file of torch-fidelity's Inception-v3 weights, to use ``"inception-v3-compat"``.
        Without it, augan's CNN extractor is trained on the real images. torch-fidelity itself reads such a file
        with ``torch.load(weights_only=False)``, which can run code from it; augan reads it with
        ``weights_only=True``, checks its tensors (:func:`check_inception_weights`) and gives torch-fidelity a
        copy of them that it wrote.
    per_class : bool, default=True
        Also compare each class's real and synthetic samples.
    kid_subset_size, kid_subsets : int
        KID settings (torch-fidelity's defaults); the subset size is capped at each comparison's smaller set.
    extractor_epochs : int, optional
        Training epochs of augan's extractor (default 30 for tables, 5 for images).
    categorical_features : "auto", None, list of column names or indices, or boolean mask, default="auto"
        Tables: which columns are categories, as in :func:`augan.data.tabular.categorical_mask` (``"auto"``: boolean,
        string, object and category columns).
    random_state : int, RandomState instance or None
        Seeds the extractor's training and KID's subsets.
    device : str, default="auto"
        Where the extractor runs.

    Returns
    -------
    Fidelity
        ``extractor`` (its registry name), ``feature_layer``, ``comparable`` (when values may be compared),
        ``overall`` and ``per_class`` ({label as text: ...}), each a
        :class:`~augan.metrics.results.FidelityScores` with ``fid``, ``kid_mean``, ``kid_std``,
        ``precision``, ``recall``, ``f_score``, ``n_real``, ``n_synthetic`` and ``kid_subset_size``.

    Raises
    ------
    ValueError
        If the two sets differ in kind or shape, a synthetic label is not a real class, or ``weights_path`` is
        given for a table or does not hold Inception-v3 weights; FileNotFoundError if it names no file.
    """
    images = is_image_array(X_real)
    if images != is_image_array(X_synthetic):
        raise ValueError("X_real and X_synthetic must both be tables or both be image arrays.")
    y_real = check_labels(y_real, len(X_real), "y_real")
    y_synthetic = check_labels(y_synthetic, len(X_synthetic), "y_synthetic")
    classes = np.unique(y_real)
    unknown = set(np.unique(y_synthetic).tolist()) - set(classes.tolist())
    if unknown:
        raise ValueError(f"y_synthetic holds labels that are not classes of y_real: {sorted(map(repr, unknown))[:5]}.")
    if weights_path is not None and not images:
        raise ValueError(WEIGHTS_FOR_TABLE)
    inception = check_inception_weights(weights_path) if weights_path is not None else None
    rng = check_random_state(random_state)
    device = resolve_device(device)
    with tempfile.TemporaryDirectory(prefix="augan-fidelity-") as folder:
        if images:
            codec = ImageCodec().fit(X_real)
            if tuple(np.shape(X_synthetic)[1:]) != codec.input_shape_:
                raise ValueError(f"X_synthetic holds images of shape {np.shape(X_synthetic)[1:]}, X_real "
                                 f"{codec.input_shape_}.")
            real, synthetic = _nchw(codec.to_uint8(X_real)), _nchw(codec.to_uint8(X_synthetic))
        else:
            encoder = fit_encoder(X_real, categorical_features)
            real = torch.as_tensor(encode(encoder, X_real), dtype=torch.float32)
            synthetic = torch.as_tensor(encode(encoder, X_synthetic, "X_synthetic"), dtype=torch.float32)
        if inception is not None:
            extractor, path = INCEPTION_EXTRACTOR, str(Path(folder) / "inception.pth")
            torch.save(inception, path)  # what torch-fidelity loads with weights_only=False: tensors augan checked
            real, synthetic = _three_channels(real), _three_channels(synthetic)
            layer = "2048"
        else:
            kind = "image" if images else "table"
            extractor, layer = (IMAGE_EXTRACTOR if images else TABLE_EXTRACTOR), _FEATURES
            index = np.searchsorted(classes, y_real)
            epochs = extractor_epochs if extractor_epochs is not None else (5 if images else 30)
            path = str(train_extractor(real, index, kind, Path(folder) / "extractor.pt", epochs=epochs,
                                       random_state=rng, device=device))
        settings = dict(kid_subset_size=kid_subset_size, kid_subsets=kid_subsets, seed=draw_seed(rng),
                        cuda=device.type == "cuda")
        overall = compare_sets(real, synthetic, extractor, path, **settings)
        by_class = {_key(label): compare_sets(real[torch.from_numpy(y_real == label)],
                                              synthetic[torch.from_numpy(y_synthetic == label)], extractor, path,
                                              **settings)
                    for label in (classes if per_class else [])}
    comparable = ("only with values computed by the same extractor: "
                  + ("torch-fidelity's Inception-v3 weights" if weights_path is not None else
                     "augan's extractor is trained on this evaluation's real data, so only with values on "
                     "the same real data and random_state"))
    return Fidelity(extractor=extractor, feature_layer=layer, comparable=comparable, overall=overall,
                    per_class=by_class)


def _three_channels(images: torch.Tensor) -> torch.Tensor:
    if images.shape[1] == 1:
        return images.repeat(1, 3, 1, 1)
    return images[:, :3]


def _key(label: Any) -> str:
    return str(label.item() if isinstance(label, np.generic) else label)
