"""ImageCodec: image arrays <-> float32 (n, C, H, W) tensors in [-1, 1], exactly invertible; and image files.

Accepted layouts are (n, H, W) grayscale, (n, H, W, C) channels-last and (n, C, H, W) channels-first with
C in {1, 3, 4}; accepted dtypes are integers in 0..255 (uint8 above all) and floats in [0, 1] or [0, 255].
The convolutional networks need square images of 28, 32 or 64 pixels, so smaller images are padded to the
nearest of those sizes and cropped back on decoding.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._validation import check_labels
from ..storage import atomic_output, folds_case
from .output_folder import write_output_folder

SUPPORTED_SIZES = (28, 32, 64)
CHANNELS = (1, 3, 4)
LAYOUTS = ("NHW", "NHWC", "NCHW")
_MODES = {1: "L", 3: "RGB", 4: "RGBA"}


def _layout(shape: tuple[int, ...]) -> str:
    if len(shape) == 3:
        return "NHW"
    if len(shape) != 4:
        raise ValueError(f"images must have shape (n, H, W), (n, H, W, C) or (n, C, H, W); got shape {shape}.")
    if shape[3] in CHANNELS:
        return "NHWC"
    if shape[1] in CHANNELS:
        return "NCHW"
    raise ValueError(f"cannot tell the channel axis of images of shape {shape}: the channel count must be 1, 3 "
                     f"or 4, in the last axis (n, H, W, C) or the second (n, C, H, W).")


def is_image_array(X: Any) -> bool:
    """True for an image array of shape (n, H, W), (n, H, W, C) or (n, C, H, W); False for a table."""
    return isinstance(X, np.ndarray) and X.ndim in (3, 4)


def padded_size(height: int, width: int) -> int | None:
    """The side of the square the networks see for ``height`` x ``width`` images, or None above 64 px.

    It is the smallest of 28, 32 and 64 that holds both sides; larger images keep their own size.
    """
    return next((s for s in SUPPORTED_SIZES if s >= max(height, width)), None)


def encoded_shape(shape: Sequence[int]) -> tuple[int, int, int]:
    """The shape ``(C, H, W)`` that :class:`ImageCodec` encodes each image of an array of ``shape`` to: (n, H, W),
    (n, H, W, C) or (n, C, H, W), read as ``fit`` reads it, with the images padded to the networks' square size."""
    shape = tuple(int(s) for s in shape)
    state = {"layout": _layout(shape), "input_shape": list(shape[1:]), "dtype": "|u1", "value_max": 255.0}
    return ImageCodec.from_state(state).sample_shape_


class ImageCodec:
    """Encode images as float32 ``(n, C, H, W)`` arrays in [-1, 1] and decode generated ones back.

    Layout: ``(n, H, W)`` is grayscale; a 4-D array is channels-last ``(n, H, W, C)`` when its last axis
    has 1, 3 or 4 entries, otherwise channels-first ``(n, C, H, W)`` when its second axis has. When both
    would fit (e.g. shape ``(n, 3, 4, 4)``) channels-last wins, as image files and PIL use it.

    Values: integer dtypes (uint8 above all) hold 0..255; a float array holds [0, 1] when its largest value
    at ``fit`` is at most 1, otherwise [0, 255]. That is the pixel scale, which says what a value means (how
    images are written and shown). The networks see 0 to the brightest pixel given to ``fit``
    (``pixel_max_``) mapped linearly to [-1, 1], so images that use part of their scale (digits of 0..16 as
    floats) are learned as well as those that use all of it, and decoded images never exceed that pixel.
    ``inverse_transform`` maps back, clips to that range, rounds for integer dtypes and returns the dtype and
    layout given to ``fit``, so ``inverse_transform(transform(X))`` gives ``X`` back (exactly for integers, to
    float32 precision for floats). Images given after ``fit`` must be on its pixel scale (:meth:`check_scale`).

    Size: images whose sides are at most 64 px are padded, centred, to the smallest square of 28, 32 or
    64 px that holds them (the padding is black, -1 once encoded) and cropped back when decoding: 8x8
    digits become 28x28, 30x30 become 32x32, 40x50 become 64x64. Larger images keep their own size (the
    MLP networks accept any size; the DCGAN networks do not).

    Attributes
    ----------
    layout_ : {"NHW", "NHWC", "NCHW"}
        The layout of the images given to ``fit``.
    input_shape_ : tuple of int
        The shape of one image as given to ``fit``.
    dtype_ : str
        Their dtype.
    value_max_ : float
        The top of their pixel scale: 255.0 or 1.0.
    pixel_max_ : float
        Their brightest pixel at ``fit`` (``value_max_`` for images that are black throughout): the top of
        the range the networks learn and decoded images stay within.
    sample_shape_ : tuple of int
        ``(C, H, W)`` of an encoded image, after padding.
    n_features_in_ : int
        Pixels per image as given to ``fit`` (``C * H * W`` before padding).
    feature_names_in_ : None
        Images have no column names.
    spans_ : None
        Images have no per-column output heads: the generator's output is one tanh.
    """

    kind: ClassVar[str] = "image"
    feature_names_in_ = None
    spans_ = None

    @staticmethod
    def accepts(X: Any) -> bool:
        """True for an array of shape (n, H, W), (n, H, W, C) or (n, C, H, W)."""
        return isinstance(X, np.ndarray) and X.ndim in (3, 4)

    def fit(self, X: Any) -> ImageCodec:
        """Learn the layout, dtype, value range and size of the images ``X``.

        Raises
        ------
        ValueError, TypeError
            If ``X`` is not an array of images in a supported layout, dtype and value range.
        """
        X = _as_image_array(X)
        self.layout_ = _layout(X.shape)
        self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        self.dtype_ = X.dtype.str
        self.value_max_ = _value_max(X)
        self.pixel_max_ = float(X.max()) or self.value_max_
        self._set_shapes()
        return self

    def _set_shapes(self) -> None:
        channels, height, width = self._chw(self.input_shape_)
        side = padded_size(height, width)
        self.sample_shape_ = (channels, side, side) if side else (channels, height, width)
        self.n_features_in_ = channels * height * width

    def _chw(self, shape: tuple[int, ...]) -> tuple[int, int, int]:
        if self.layout_ == "NHW":
            return 1, shape[0], shape[1]
        if self.layout_ == "NHWC":
            return shape[2], shape[0], shape[1]
        return shape[0], shape[1], shape[2]

    def _check_shape(self, X: np.ndarray, name: str = "X") -> None:
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(f"{name} holds images of shape {tuple(X.shape[1:])}; the codec was fitted on "
                             f"{self.input_shape_}.")

    def to_unit(self, X: Any) -> np.ndarray:
        """The images of ``X`` (as given to ``fit``) as float64 ``(n, C, H, W)`` on their pixel scale mapped to
        [0, 1], unpadded."""
        return self._unit(X, self.value_max_)

    def _unit(self, X: Any, top: float) -> np.ndarray:
        X = _as_image_array(X)
        self._check_shape(X)
        chw = X.reshape(X.shape[0], 1, *X.shape[1:]) if self.layout_ == "NHW" else X
        if self.layout_ == "NHWC":
            chw = chw.transpose(0, 3, 1, 2)
        return np.clip(chw.astype(np.float64) / top, 0.0, 1.0)

    def check_scale(self, X: Any, fitted_by: str = "the GAN") -> None:
        """Refuse images on another pixel scale than ``fit``'s (uint8 or [0, 255] against [0, 1]): read on the
        fitted scale, their pixels would be taken for nearly black or saturated white.

        Raises
        ------
        ValueError
            Naming both scales and the factor that converts ``X``; ``fitted_by`` names what was fitted.
        """
        data = ImageCodec().fit(X)
        if data.value_max_ == self.value_max_:
            return
        factor = "X * 255.0" if self.value_max_ > data.value_max_ else "X / 255.0"
        raise ValueError(f"X holds {data.pixel_scale()}, but {fitted_by} was fitted on {self.pixel_scale()}: read "
                         f"on that scale, X's pixels would be misread. Give X on that scale ({factor}), or a model "
                         f"fitted on images like X.")

    def pixel_scale(self) -> str:
        """The pixel scale in words: "uint8 images (0..255)", "floats in [0, 1]" or "floats in [0, 255]"."""
        kind = np.dtype(self.dtype_)
        if kind.kind in "iu":
            return f"{kind.name} images (0..255)"
        return "floats in [0, 1]" if self.value_max_ == 1.0 else "floats in [0, 255]"

    def to_uint8(self, X: Any, value_max: float | None = None) -> np.ndarray:
        """The images of ``X`` (as given to ``fit``) as uint8 ``(n, H, W, C)``, for files and figures.

        ``value_max`` is the pixel scale to read ``X`` on (255, or 1 for floats in [0, 1]); default the fitted
        ``value_max_``.
        """
        top = self.value_max_ if value_max is None else value_max
        return np.rint(self._unit(X, top) * 255).astype(np.uint8).transpose(0, 2, 3, 1)

    def transform(self, X: Any) -> np.ndarray:
        """Encode images laid out as in ``fit`` as float32 ``(n, C, H, W)`` in [-1, 1], padded to ``sample_shape_``:
        0 is -1 and ``pixel_max_`` (or brighter, clipped) is 1.

        Raises
        ------
        ValueError
            If the images have another shape or pixel scale than those of ``fit``.
        """
        self.check_scale(X)
        unit = self._unit(X, self.pixel_max_)
        top, left, _, _ = self.content_box()
        out = np.full((unit.shape[0], *self.sample_shape_), -1.0, dtype=np.float32)
        out[:, :, top:top + unit.shape[2], left:left + unit.shape[3]] = unit * 2.0 - 1.0
        return out

    def content_box(self) -> tuple[int, int, int, int]:
        """``(top, left, height, width)`` of the images given to ``fit`` inside an encoded image, around which
        the padding lies."""
        _, height, width = self._chw(self.input_shape_)
        return (self.sample_shape_[1] - height) // 2, (self.sample_shape_[2] - width) // 2, height, width

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Decode ``(n, C, H, W)`` arrays in [-1, 1] to images in the layout and dtype given to ``fit``.

        Values are clipped to [0, ``pixel_max_``]; integer dtypes are rounded.
        """
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 4 or tuple(Z.shape[1:]) != self.sample_shape_:
            raise ValueError(f"Z must have shape (n, {', '.join(map(str, self.sample_shape_))}), got {Z.shape}.")
        top, left, height, width = self.content_box()
        crop = Z[:, :, top:top + height, left:left + width]
        values = (np.clip(crop, -1.0, 1.0) + 1.0) * 0.5 * self.pixel_max_
        dtype = np.dtype(self.dtype_)
        if dtype.kind in "iu":
            values = np.rint(values)
        if self.layout_ == "NHW":
            values = values[:, 0]
        elif self.layout_ == "NHWC":
            values = values.transpose(0, 2, 3, 1)
        return np.ascontiguousarray(values).astype(dtype)

    def get_state(self) -> dict:
        """Everything needed to rebuild the fitted codec, as plain Python values."""
        return {"layout": self.layout_, "input_shape": list(self.input_shape_), "dtype": self.dtype_,
                "value_max": float(self.value_max_), "pixel_max": float(self.pixel_max_)}

    @classmethod
    def from_state(cls, state: dict) -> ImageCodec:
        """Rebuild a codec from :meth:`get_state`'s output."""
        if state["layout"] not in LAYOUTS:
            raise ValueError(f"unknown image layout {state['layout']!r} in the codec state.")
        codec = cls()
        codec.layout_ = state["layout"]
        codec.input_shape_ = tuple(int(s) for s in state["input_shape"])
        codec.dtype_ = str(state["dtype"])
        try:
            np.dtype(codec.dtype_)
        except TypeError as exc:
            raise ValueError(f"the image dtype {codec.dtype_!r} is not a numpy dtype ({exc}).") from exc
        codec.value_max_ = float(state["value_max"])
        # Model files written before pixel_max_ existed learned the whole pixel scale.
        codec.pixel_max_ = float(state.get("pixel_max", codec.value_max_))
        codec._set_shapes()
        return codec


def _as_image_array(X: Any, name: str = "X") -> np.ndarray:
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if X.dtype.kind == "b" or X.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers (uint8 0..255, or floats in [0, 1] or [0, 255]); "
                        f"got dtype {X.dtype}.")
    if X.ndim not in (3, 4):
        raise ValueError(f"{name} must have shape (n, H, W), (n, H, W, C) or (n, C, H, W); got shape {X.shape}.")
    if X.shape[0] == 0 or 0 in X.shape[1:]:
        raise ValueError(f"{name} holds no pixels (shape {X.shape}).")
    return X


def _value_max(X: np.ndarray) -> float:
    lo, hi = X.min(), X.max()
    if X.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("X holds NaN or infinite pixel values.")
    if lo < 0 or hi > 255:
        raise ValueError(f"pixel values must lie in [0, 1] or [0, 255]; X ranges over [{lo}, {hi}]. "
                         f"Rescale the images first.")
    if X.dtype.kind in "iu":
        return 255.0
    return 1.0 if hi <= 1.0 else 255.0


# --------------------------------------------------------------------- image folders
def read_image_folder(path: str | os.PathLike, size: int | Sequence[int] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Read a folder with one subfolder of images per class (PNG, JPEG, or any format Pillow reads).

    Parameters
    ----------
    path : path
        The folder; each subfolder's name is the class label of the images in it. Hidden files and
        folders (names starting with "."), and what Windows and macOS leave in folders (Thumbs.db,
        desktop.ini, __MACOSX), are ignored.
    size : int or (height, width), optional
        Resize every image to this size; needed when the images differ in size.

    Returns
    -------
    X : ndarray of uint8, shape (n, H, W) for grayscale images or (n, H, W, C) for colour
        Colour images are RGB, or RGBA when every image has an alpha channel. 16-bit pixels are scaled from
        0..65535 to 0..255, grayscale ones beside colour images included (repeated in each channel).
    y : ndarray of str, shape (n,)
        The class (subfolder name) of each image.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a folder.
    ValueError
        If the folder holds no class subfolders, a class holds no image, a file is not an image or holds
        floating-point pixels (the message names it), or the images differ in size without ``size`` (the message
        names two of them).
    """
    from PIL import Image, UnidentifiedImageError

    files, labels = _list_class_files(Path(path))
    target = _check_size(size)
    images: list[Any] = []
    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
                images.append(image.copy() if target is None else image.resize(target[::-1], Image.BILINEAR))
        except Image.DecompressionBombError as exc:
            raise ValueError(f"{file} is too large to read: {exc} Shrink it (or remove it from the folder) "
                             f"first.") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"{file} is not an image Pillow can read ({exc}); remove it from the folder.") from exc
        if images[-1].mode == "F":
            raise ValueError(f"{file} holds floating-point pixels, whose range the file does not tell; save it as "
                             f"an 8- or 16-bit image, or pass the images as an .npz of floats in [0, 1] or [0, 255].")
    _check_same_size(images, files)
    return _stack(images), np.asarray(labels)


# Written into folders by Windows Explorer and by macOS's zip; never a user's image or class.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "__macosx"})
# The longest file name, in bytes, that ext4 and APFS take (NTFS: 255 characters, never fewer than these bytes).
_MAX_NAME_BYTES = 255


def _is_ignored(path: Path) -> bool:
    return path.name.startswith(".") or path.name.lower() in _SYSTEM_FILES


def linked_entries(root: str | os.PathLike) -> list[Path]:
    """The class folders and images of the image folder ``root`` that are symbolic links, as
    :func:`read_image_folder` would read them: what ``root`` reads from outside itself (an empty list for a path
    that is no folder, or whose entries cannot be listed)."""
    root = Path(root)
    links = []
    with contextlib.suppress(OSError):
        for folder in (p for p in root.iterdir() if not _is_ignored(p) and p.is_dir()):
            links.extend([folder] if folder.is_symlink() else [])
            with contextlib.suppress(OSError):
                links.extend(p for p in folder.iterdir() if not _is_ignored(p) and p.is_symlink())
    return sorted(links)


def _list_class_files(root: Path) -> tuple[list[Path], list[str]]:
    if not root.is_dir():
        raise FileNotFoundError(f"no folder at {root}.")
    files, labels = [], []
    entries = sorted(p for p in root.iterdir() if not _is_ignored(p))
    stray = [p for p in entries if not p.is_dir()]
    if stray:
        raise ValueError(f"{stray[0]} is a file at the top of {root}; the folder must hold only one subfolder "
                         f"of images per class.")
    if not entries:
        raise ValueError(f"{root} holds no class subfolders; put the images of each class in a subfolder named "
                         f"after the class.")
    for folder in entries:
        members = sorted(p for p in folder.iterdir() if not _is_ignored(p))
        nested = [p for p in members if p.is_dir()]
        if nested:
            raise ValueError(f"{nested[0]} is a folder inside the class folder {folder}; a class folder must hold "
                             f"only images.")
        if not members:
            raise ValueError(f"the class folder {folder} holds no images.")
        files.extend(members)
        labels.extend([folder.name] * len(members))
    return files, labels


def _check_size(size: Any) -> tuple[int, int] | None:
    if size is None:
        return None
    pair = (size, size) if isinstance(size, (int, np.integer)) else tuple(np.atleast_1d(np.asarray(size, object)))
    if len(pair) != 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                                 for s in pair):
        raise ValueError(f"size must be a positive int or a pair (height, width) of them, got {size!r}.")
    from PIL import Image

    if Image.MAX_IMAGE_PIXELS is not None and int(pair[0]) * int(pair[1]) > Image.MAX_IMAGE_PIXELS:
        raise ValueError(f"size={size!r} asks for {int(pair[0]) * int(pair[1]):,} pixels per image, more than the "
                         f"{Image.MAX_IMAGE_PIXELS:,} Pillow reads in one image.")
    return int(pair[0]), int(pair[1])


def _check_same_size(images: list, files: list[Path]) -> None:
    first = images[0].size
    for image, file in zip(images, files):
        if image.size != first:
            raise ValueError(f"the images differ in size: {files[0]} is {first[0]}x{first[1]} but {file} is "
                             f"{image.size[0]}x{image.size[1]} (width x height); pass size=64, say, to resize "
                             f"them all to 64x64.")


def _stack(images: list) -> np.ndarray:
    alpha = all(image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info for image in images)
    images = [_to_8_bit(image) for image in images]
    if {image.mode for image in images} <= {"1", "L"}:
        return np.stack([np.asarray(image.convert("L")) for image in images])
    mode = "RGBA" if alpha else "RGB"
    return np.stack([np.asarray(image.convert(mode)) for image in images])


def _to_8_bit(image: Any) -> Any:
    """``image`` as an 8-bit grayscale ("L") image if its pixels are 16- or 32-bit integers, else unchanged.

    Pillow's own conversion clips such pixels at 255, which turns a 16-bit image white; they are scaled from
    0..65535 to 0..255 instead (Pillow reads 16-bit files as mode "I" or "I;16").
    """
    from PIL import Image

    if not image.mode.startswith("I"):
        return image
    pixels = np.clip(np.asarray(image, dtype=np.float64) / 65535.0, 0, 1) * 255
    return Image.fromarray(np.rint(pixels).astype(np.uint8), "L")


def write_image_folder(path: str | os.PathLike, X: Any, y: Any, overwrite: bool = False,
                       value_max: float | None = None, synthetic_from: int | None = None) -> Path:
    """Write images as PNG files in one subfolder per class (the layout :func:`read_image_folder` reads).

    The folder also gets ``.augan-manifest.json``, the list of the files written with their SHA-256, which
    :func:`read_image_folder` ignores (hidden). A new folder is written under a temporary name beside
    ``path`` and renamed when complete; an existing one gets the new files before it loses the old ones.

    Parameters
    ----------
    path : path
        The folder: a new one, an empty one, or (with ``overwrite``) one this function wrote before.
    X : array of images
        Any layout and dtype :class:`ImageCodec` accepts.
    y : array-like of shape (n,)
        The class of each image; ``str(label)`` names its subfolder.
    overwrite : bool, default=False
        Replace the files of an earlier write, as its manifest lists them; a folder that holds anything
        else, or a listed file that was changed since, is refused, never emptied.
    value_max : {255, 1} or None, default=None
        The pixel scale of ``X``: 255, or 1 for floats in [0, 1]. None reads it from ``X`` as
        :class:`ImageCodec` does, which a dark draw of a model fitted on the 0..255 scale (floats all at most 1)
        would fool; give the model's ``codec_.value_max_`` for its draws.
    synthetic_from : int or None, default=None
        The position in ``X`` from which the images are synthetic (``fit_resample``'s output: the real images, then
        the new ones). Image ``i`` is written as ``{i:06d}.png``, or ``synthetic-{i:06d}.png`` from this position
        on, so that the new images can be kept out of a validation split. None: every file is ``{i:06d}.png``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    FileExistsError
        If ``path`` is a file, a non-empty folder and ``overwrite`` is False, or a folder holding files this
        function did not write.
    TypeError
        If ``overwrite`` is not True or False.
    ValueError
        If a label cannot be a folder name (see :func:`check_folder_names`), or ``X`` and ``y`` differ in length.
    """
    from PIL import Image

    X = _as_image_array(X)
    labels = check_labels(y, X.shape[0])
    check_folder_names(labels, path)
    names = [_folder_name(label) for label in labels]
    if value_max is not None and value_max not in (1, 255):
        raise ValueError(f"value_max must be 255 or 1 (floats in [0, 1]), or None; got {value_max!r}.")
    if synthetic_from is not None and (isinstance(synthetic_from, bool)
                                       or not isinstance(synthetic_from, numbers.Integral)
                                       or not 0 <= synthetic_from <= len(X)):
        raise ValueError(f"synthetic_from must be a position from 0 to the {len(X)} images, or None; got "
                         f"{synthetic_from!r}.")
    first_synthetic = len(X) if synthetic_from is None else int(synthetic_from)
    pixels = ImageCodec().fit(X).to_uint8(X, value_max)

    def fill(folder: Path) -> list[str]:
        written = []
        for name in sorted(set(names)):
            (folder / name).mkdir()
        for index, (image, name) in enumerate(zip(pixels, names)):
            channels = image.shape[2]
            data = image[:, :, 0] if channels == 1 else image
            file = f"{name}/{'synthetic-' if index >= first_synthetic else ''}{index:06d}.png"
            Image.fromarray(data, _MODES[channels]).save(folder / file)
            written.append(file)
        return written

    return write_output_folder(path, fill, overwrite)


def check_folder_names(labels: Any, folder: str | os.PathLike | None = None) -> None:
    """Refuse labels that cannot name the class subfolders of ``folder``.

    A label cannot be empty, hidden or hold a path separator; and where the filesystem of ``folder`` folds
    case, two labels may not differ only in case (their images would share one subfolder).

    Raises
    ------
    ValueError
        Naming the first such label (or pair).
    """
    seen: dict[str, Any] = {}
    for label in dict.fromkeys(np.asarray(labels, dtype=object).tolist()):
        twin = seen.setdefault(_folder_name(label).casefold(), label)
        if twin != label and folder is not None and folds_case(Path(folder) / "class"):
            raise ValueError(f"the labels {twin!r} and {label!r} differ only in case, which the filesystem of "
                             f"{folder} does not tell apart; rename one of the classes.")


def _folder_name(label: Any) -> str:
    name = str(label.item() if isinstance(label, np.generic) else label)
    if not name or name in (".", "..") or name.startswith(".") or "/" in name or os.sep in name or "\0" in name:
        raise ValueError(f"the label {label!r} cannot name a class folder (empty, hidden, or holds a path "
                         f"separator); rename the class.")
    if name.lower() in _SYSTEM_FILES:
        raise ValueError(f"the label {label!r} cannot name a class folder: a folder of that name is skipped when "
                         f"image folders are read (Windows and macOS write it); rename the class.")
    if len(os.fsencode(name)) > _MAX_NAME_BYTES:
        raise ValueError(f"the label {label!r} cannot name a class folder: it takes {len(os.fsencode(name))} bytes, "
                         f"more than the {_MAX_NAME_BYTES} a file name may have; rename the class.")
    return name


# ----------------------------------------------------------------------- npz files
def read_npz(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read images and labels from an ``.npz`` file holding arrays named ``X`` and ``y``.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a readable ``.npz``, lacks ``X`` or ``y``, needs pickle (object arrays), ``X`` is not
        shaped as images (a table, say), or ``X`` and ``y`` differ in length.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}.")
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable .npz file ({exc}).") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} holds a single array, not an .npz archive of arrays named 'X' and 'y'.")
    with archive:
        missing = [k for k in ("X", "y") if k not in archive.files]
        if missing:
            raise ValueError(f"{path} must hold arrays named 'X' (images) and 'y' (labels); it holds "
                             f"{archive.files}.")
        try:
            X, y = archive["X"], archive["y"]
        except ValueError as exc:
            raise ValueError(f"{path} holds object arrays, which would need pickle to load; save the labels as "
                             f"numbers or strings (write_npz does).") from exc
    try:
        _layout(X.shape)
    except ValueError:
        raise ValueError(f"{path} holds X of shape {X.shape}, which is not images: an .npz holds images of shape "
                         f"(n, H, W), (n, H, W, C) or (n, C, H, W) with 1, 3 or 4 channels C; give a table as "
                         f"CSV or Parquet.") from None
    check_labels(y, X.shape[0])
    return X, y


def write_npz(path: str | os.PathLike, X: Any, y: Any, overwrite: bool = False) -> Path:
    """Write images ``X`` and labels ``y`` to a compressed ``.npz`` file (arrays ``X`` and ``y``), atomically.

    Labels are stored as numbers or strings, never as pickled objects.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False, or holds a file augan did not write (or that
        changed since augan wrote it: see :func:`augan.storage.written_by_augan`).
    ValueError
        If ``X`` and ``y`` differ in length.
    """
    X = np.asarray(X)
    labels = check_labels(y, X.shape[0] if X.ndim else None)
    if labels.dtype.kind == "O":
        labels = labels.astype(str) if all(isinstance(v, str) for v in labels) else np.asarray(labels.tolist())
        if labels.dtype.kind == "O":
            raise ValueError("y mixes label types; use numbers or strings only.")
    with atomic_output(path, overwrite) as tmp, open(tmp, "wb") as handle:
        # A file handle, because np.savez would append ".npz" to the temporary name.
        np.savez_compressed(handle, X=X, y=labels)
    return Path(path)
