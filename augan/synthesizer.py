"""CGAN: a conditional GAN estimator with scikit-learn conventions, for tables and small images."""

from __future__ import annotations

import contextlib
import copy
import math
import numbers
import os
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted

from . import distributed, latent, persistence, storage
from ._validation import (check_bool, check_class_counts, check_draw_size, check_labels, check_n_samples,
                          check_noise_scale, check_positive_int, draw_bytes_per_row, format_bytes)
from .data.labels import LabelCodec, run_chunks, sample_runs
from .data.codecs import Codec, categorical_share, codec_state, make_codec
from .data.tabular import NUMERIC_TRANSFORMS
from .device import device_memory, resolve_device, to_device
from .losses import LOSSES, get_loss
from .nn.augment import DiffAugment, parse_policy
from .nn.conv import SIZES as DCGAN_SIZES
from .nn.mlp import GENERATOR_BLOCKS
from .nn.registry import ARCHITECTURES, ENCODERS, NetworkSpec, build_encoder, build_networks
from .seeding import TorchStream, draw_seed
from .train import (AMP_MODES, BUDGET_EPOCHS, Trainer, TrainingConfig, check_checkpoint_dir, sampling_autocast,
                    training_budget)
from .train.checkpoints import data_identity
from .train.progress import progress_bar
from .training_time import LONG_WARMUP_SECONDS, TrainingClock

_SAMPLE_CHUNK = 65536
# On the CPU, chunks this small keep the generator's activations in cache: 2-3x the rows per second of 65536.
_CPU_SAMPLE_CHUNK = 4096
# The noise of this many chunks is drawn by one call, on every thread (CGAN._noise).
_CPU_NOISE_CHUNKS = 16
# Parameters a fitted model reads when it is used, not when it is fitted: set_params changes them at once.
_LIVE_PARAMS = ("random_state", "amp")


class CGAN(BaseEstimator):
    """Conditional GAN: learns ``p(x | class)`` from a labelled table or image set, then samples from it.

    Parameters
    ----------
    architecture : {"mlp", "dcgan"} or a registered name, default="mlp"
        ``"mlp"``: fully connected networks (tables, or flattened images). ``"dcgan"``: convolutional
        networks, for images only. More are added with :func:`augan.nn.registry.register_architecture`.
    loss : {"minimax", "nonsaturating", "wasserstein", "wgan-gp", "hinge"}, default="hinge"
        The GAN loss (see :mod:`augan.losses`).
    epochs : int, default=300
        Passes over the data; one epoch is ``ceil(n_samples / batch_size)`` generator steps.
    batch_size : int or "auto", default="auto"
        Rows per step, capped at the number of training rows. ``"auto"``: 128 for a table, 64 for images (500
        from 5,000 images on).
    max_steps : int, None or "auto", default="auto"
        Cap on the generator steps of the whole fit: on a large table each epoch is shortened to ``max_steps //
        epochs`` steps (batches are drawn at random, so a short epoch still covers every class), and a cap below
        ``epochs`` runs ``max_steps`` epochs of one step. ``"auto"``: 600 for a table (300 for a numeric one of two
        classes), 2400 for images (5000 from 5,000 images on), so a fit's length is bounded whatever the rows. At
        the defaults a numeric table of up to 128 rows trains 300 steps (one an epoch) and any larger one 600 steps
        of 128 rows (two an epoch), or 300 (one an epoch) when it has two classes: a fit of seconds on a CPU, which
        is what an oversampler fitted in every cross-validation fold needs. On the KEEL benchmark 600 steps of 128
        measured within the noise of the earlier 300 full epochs of 500 rows and of 600 steps of 256, and 300 steps
        were level with 600 on the binary suite but cost the multiclass sets, where 900 bought nothing
        (benchmarks/NOTES.md). A table with categorical columns gets more, whatever its classes, up to 1,800 steps
        for categories only (:func:`~augan.train.training_budget`; 1,200 for a table of half categories), and trains
        them however few its rows (a small table's epochs are lengthened to ``budget // epochs`` steps, so up to
        ``epochs - 1`` fewer than the budget run: ``n_steps_`` says how many): 600 leave the joint distribution of
        many categories under-learned, and the extra steps raised the KEEL mixed-type suites (benchmarks/NOTES.md).
        Images train 300 epochs of ``ceil(n / 64)`` steps up to 512 images, at most 2,400 steps of 64 images (about
        2 minutes for a DCGAN on 1,400 digits on one CPU core, the image benchmark's setting); from 5,000 images on,
        500 images a step for at most 5,000 steps. None: every epoch is ``ceil(n_samples / batch_size)`` steps. The
        settings a fit used are in ``training_config_``, the steps it ran in ``n_steps_``.
    noise_dim : int, default=128
        Length of the generator's noise vector.
    generator_dims, discriminator_dims : tuple of int, default=(256, 256)
        Widths of the hidden layers of the MLP networks.
    generator_block : {"residual", "plain"}, default="residual"
        MLP generator blocks; ``"plain"`` is linear + batch norm + ReLU.
    generator_lr, discriminator_lr : float, default=2e-4
        Adam learning rates.
    betas : tuple of float, default=(0.5, 0.9)
        Adam betas.
    n_critic : int or None, default=None
        Discriminator steps per generator step; None takes the loss's default (5 for "wasserstein", else 1).
    pac : int, default=1
        PacGAN pack size: the discriminator judges ``pac`` samples of one class together.
    ema_decay : float or None, default=0.999
        Exponential moving average of the generator's weights, used for sampling; None disables it.
    class_balance : bool, default=True
        Draw every class equally often in training batches, so rare classes are learned as well as common ones.
    lecam : float or None, default=None
        Weight of the LeCam regularisation of the discriminator (Tseng et al. 2021, for GANs on little data;
        :class:`~augan.train.lecam.LeCam`); None disables it. On the imbalanced image benchmarks (3 GAN seeds) 1.0
        brought the FID of the rare digits the GAN draws at ``noise_scale=1`` from 44 to 26 (MNIST, 25 of each rare
        digit), 65 to 43 (5 of each) and 15 to 11 (8x8 digits), with no gain for a classifier; its digits are more
        varied but strewn with stray pixels (six times the old share of isolated bright pixels), which that FID does
        not see (benchmarks/NOTES.md). Hence off by default: try it where variety matters more than clean strokes.
    categorical_features : "auto" or list, default="auto"
        Tables only: which columns are categorical (see :class:`~augan.data.tabular.TabularCodec`). A list names
        every categorical column, by name or position: the others are numeric, and a text column left out of it
        is refused. (The CLI's ``--categorical`` adds its columns to those ``"auto"`` finds.)
    numeric_transform : {"quantile", "standard"}, default="quantile"
        Tables only: how numeric columns are normalised.
    spectral_norm : bool, default=False
        Spectral normalisation in the discriminator.
    diffaugment : str or None, default=None
        Images only: DiffAugment policy (see :class:`~augan.nn.augment.DiffAugment`), a comma-separated
        subset of "color", "translation", "cutout" applied to real and fake images before the
        discriminator; None disables it. It is meant for long runs on few images: in 15- and 30-epoch
        runs on 2750 MNIST digits it slowed the learning of the classes, hence off by default.
    device : str, default="auto"
        "auto" (CUDA, then MPS, then CPU), or any torch device string.
    amp : {None, "bf16", "fp16"}, default=None
        Mixed precision for the networks' forward passes, in training and in sampling: "bf16" on a GPU that
        has it (A100, H100, ...) or on a CPU with bfloat16 instructions (AVX512-BF16, AMX), where products run
        about three times as fast; "fp16" (with gradient scaling) needs a CUDA GPU, and a model so trained
        samples in float32 off CUDA. The gradient penalty stays float32. The generator's hidden activations then
        carry about three significant digits; a table's (MLP) generator turns them back to float32 before its
        output activations.
    compile : bool, default=False
        Compile the networks' training passes with :func:`torch.compile`: meant for faster steps on a GPU, after
        a compilation of tens of seconds at the start of ``fit`` (not timed into the expected duration); on a
        2-core CPU a KEEL-sized fit was no faster once compiled. Sampling uses the plain networks.
    strategy : {None, "ddp"}, default=None
        ``"ddp"``: train on several GPUs (or CPU processes) with DistributedDataParallel, in a script
        started by ``torchrun --nproc-per-node N`` (see :mod:`augan.distributed`). Every process is given
        the whole ``X, y`` and trains on its share of the rows; ``batch_size`` is per process. Only rank
        0 shows progress and writes checkpoints and the model; a model trained so loads and samples on
        one process like any other.
    checkpoint_dir : str or None, default=None
        Folder for training checkpoints (``checkpoint.pt``), also written when Ctrl-C or SIGTERM stops
        training (after the running step; not under ``strategy="ddp"``, whose processes cannot agree on a step
        to stop at: there the last periodic checkpoint is what is kept). A checkpoint the disk refuses is a
        ``RuntimeWarning``, not an error: training goes on and the previous checkpoint stays. Without ``resume``,
        a folder that already holds a ``checkpoint.pt`` (an earlier run's, or any file of that name) is refused
        before training, never replaced: resume it, give another folder, or remove the file.
    checkpoint_every : int, default=10
        Epochs between checkpoints.
    resume : bool, default=False
        Continue from the checkpoint in ``checkpoint_dir`` (and go on replacing it); a folder without one warns
        and trains from scratch, a folder that does not exist is an error. Only the same fit is continued: a
        checkpoint written for other data (rows, columns, their transforms, classes) or other training settings
        is refused, naming what differs; ``epochs`` may grow (with ``max_steps=None``, or where the steps per
        epoch stay the same), not fall below the checkpoint's epoch.
    encoder : bool or "auto", default=False
        Train an encoder ``E(x, y) -> z`` beside the generator (:mod:`augan.latent`): first with it as a
        conditional autoencoder on every class for ``pretrain_steps`` (the generator starts the GAN from
        what it learned), then, after the GAN, fitted to the final generator for ``encoder_steps`` so that
        ``G(E(x, y), y) ≈ x``. It gives :meth:`to_latent` / :meth:`from_latent`, and
        :class:`~augan.GANOversampler` a latent space to interpolate real samples of a class in. ``"auto"``:
        on for images, off for tables.
    pretrain_steps : int, default=1000
        With the encoder: autoencoder steps before the GAN; 0 starts the GAN from random weights.
    encoder_steps : int, default=1000
        With the encoder: steps fitting it to the trained generator.
    random_state : int, RandomState instance or None, default=None
        Controls every random draw of ``fit`` and ``sample`` (weights, batches, noise).
    verbose : bool, default=False
        Show a progress bar on stderr while training. Whatever its value, a fit still running after 2 s
        logs how long it is expected to take to the ``"augan"`` logger, as a warning when that is over
        3 minutes (see :mod:`augan.training_time`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    class_counts_ : ndarray of shape (n_classes,)
        Training rows per class.
    codec_ : TabularCodec or ImageCodec
        The fitted data codec (see :mod:`augan.data.codecs`); :meth:`encode` and :meth:`decode` are the public
        way into its encoded space.
    generator_ : torch.nn.Module
        The generator used for sampling (the EMA copy when ``ema_decay`` is set), in eval mode.
    discriminator_ : torch.nn.Module
        The trained discriminator.
    encoder_ : torch.nn.Module or None
        The fitted encoder ``E(x, y) -> z`` (see ``encoder``), in eval mode; None without one.
    history_ : list of dict
        Per epoch: ``epoch``, ``steps`` (generator steps since the start), ``d_loss``, ``g_loss``,
        ``d_acc_real``, ``d_acc_fake``.
    n_steps_ : int or None
        Generator steps of the whole fit: ``epochs`` times the steps of an epoch, which ``max_steps`` may have
        shortened (None for a model file written before steps were counted).
    training_config_ : TrainingConfig
        The settings the networks were trained with (see :class:`~augan.train.TrainingConfig`), kept in the
        model file.
    device_ : torch.device
        The device the networks live on.
    n_features_in_ : int
        Number of columns (tables) or pixels per image.
    feature_names_in_ : ndarray of str
        Column names, when fitted on a DataFrame with string column names.
    metadata_ : dict
        Only on a model read by :meth:`load`: the ``metadata`` given to :meth:`save` (empty if none).

    Notes
    -----
    As in scikit-learn, parameters changed with :meth:`set_params` (or by assignment) on a fitted model take
    effect at the next :meth:`fit`: until then the model samples, scores, encodes and is saved with the
    parameters its networks were fitted with (a saved file records those). Two exceptions apply at once, since
    they steer the use of the networks, not the networks: ``random_state`` (the default seed of :meth:`sample`)
    and ``amp`` (the precision the generator samples in); :meth:`save` records their current values.
    """

    _parameter_constraints: dict = {
        "architecture": [StrOptions(ARCHITECTURES.keys())],  # a live view, as for the losses
        "loss": [StrOptions(LOSSES.keys())],  # a live view: losses registered later are accepted too
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left"), StrOptions({"auto"})],
        "max_steps": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "noise_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "generator_dims": [tuple, list],
        "discriminator_dims": [tuple, list],
        "generator_block": [StrOptions(set(GENERATOR_BLOCKS))],
        "generator_lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "discriminator_lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "betas": [tuple, list],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "pac": [Interval(numbers.Integral, 1, None, closed="left")],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "class_balance": ["boolean"],
        "lecam": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "categorical_features": [StrOptions({"auto"}), list, tuple, np.ndarray],
        "numeric_transform": [StrOptions(NUMERIC_TRANSFORMS)],  # a live view, as for the architectures
        "spectral_norm": ["boolean"],
        "diffaugment": [str, None],
        "device": [str, torch.device],
        "amp": [StrOptions({m for m in AMP_MODES if m}), None],
        "compile": ["boolean"],
        "strategy": [StrOptions(set(distributed.STRATEGIES)), None],
        "checkpoint_dir": [str, os.PathLike, None],
        "checkpoint_every": [Interval(numbers.Integral, 1, None, closed="left")],
        "resume": ["boolean"],
        "encoder": ["boolean", StrOptions({"auto"})],
        "pretrain_steps": [Interval(numbers.Integral, 0, None, closed="left")],
        "encoder_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, architecture: str = "mlp", loss: str = "hinge", epochs: int = BUDGET_EPOCHS,
                 batch_size: int | str = "auto", max_steps: int | str | None = "auto", noise_dim: int = 128,
                 generator_dims: tuple = (256, 256),
                 discriminator_dims: tuple = (256, 256), generator_block: str = "residual",
                 generator_lr: float = 2e-4, discriminator_lr: float = 2e-4, betas: tuple = (0.5, 0.9),
                 n_critic: int | None = None, pac: int = 1, ema_decay: float | None = 0.999,
                 class_balance: bool = True, lecam: float | None = None, categorical_features: Any = "auto",
                 numeric_transform: str = "quantile", spectral_norm: bool = False,
                 diffaugment: str | None = None, device: str = "auto",
                 amp: str | None = None, compile: bool = False, strategy: str | None = None,
                 checkpoint_dir: str | None = None, checkpoint_every: int = 10,
                 resume: bool = False, encoder: bool | str = False, pretrain_steps: int = 1000,
                 encoder_steps: int = 1000, random_state: Any = None, verbose: bool = False) -> None:
        self.architecture = architecture
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.noise_dim = noise_dim
        self.generator_dims = generator_dims
        self.discriminator_dims = discriminator_dims
        self.generator_block = generator_block
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.betas = betas
        self.n_critic = n_critic
        self.pac = pac
        self.ema_decay = ema_decay
        self.class_balance = class_balance
        self.lecam = lecam
        self.categorical_features = categorical_features
        self.numeric_transform = numeric_transform
        self.spectral_norm = spectral_norm
        self.diffaugment = diffaugment
        self.device = device
        self.amp = amp
        self.compile = compile
        self.strategy = strategy
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.encoder = encoder
        self.pretrain_steps = pretrain_steps
        self.encoder_steps = encoder_steps
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> CGAN:
        """Train the conditional GAN on ``X`` with class labels ``y``.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), or image array
            A table (numeric, categorical, string and boolean columns; missing values allowed), or images
            of shape (n, H, W), (n, H, W, C) or (n, C, H, W).
        y : array-like of shape (n_samples,)
            Class label of each row; every class needs at least 2 rows.

        Returns
        -------
        self : CGAN
            The fitted estimator.

        Raises
        ------
        ValueError, TypeError
            If ``X`` or ``y`` cannot be modelled; the message names the problem.
        """
        # A refit that fails must not leave the previous networks paired with the new codecs.
        for attribute in ("generator_", "discriminator_", "encoder_"):
            self.__dict__.pop(attribute, None)
        self._record_fit_params()
        self._check_shapes_params()
        # Not in _check_shapes_params, which a loaded model's parameters pass too: the folder matters to training only.
        check_checkpoint_dir(self.checkpoint_dir, self.resume)
        labels = check_labels(y, check_n_samples(X))
        self.label_codec_ = LabelCodec().fit(labels)
        self.classes_ = self.label_codec_.classes_
        self.class_counts_ = self.label_codec_.counts_
        check_class_counts(self.classes_, self.class_counts_)
        self.codec_ = self._make_codec(X).fit(X)
        self._check_something_varies(len(labels))
        self._set_feature_attributes()
        self.device_ = resolve_device(self.device)
        self._check_network_memory()
        encoded = self.codec_.transform(X)
        index = self.label_codec_.transform(labels)
        # What a checkpoint must be of to be resumed: the whole data, before a DDP process takes its shard.
        identity = None if self.checkpoint_dir is None else data_identity(
            encoded, index, codec_state(self.codec_), self.label_codec_.get_state())
        self.seed_ = draw_seed(self.random_state)
        if self.strategy == "ddp":
            encoded, index = self._join_processes(encoded, index)
        loss = get_loss(self.loss)
        batch_size, max_steps, min_steps = training_budget(self.codec_.kind, self.batch_size, self.max_steps,
                                                           categorical_share(self.codec_), self.epochs,
                                                           n_rows=len(encoded), n_classes=len(self.classes_))
        self._check_batch_size(batch_size)
        self.training_config_ = TrainingConfig.from_params(
            {**self.get_params(), "batch_size": batch_size, "max_steps": max_steps, "min_steps": min_steps}, loss)
        with self._seeded(self.seed_), self._progress(self.training_config_.run_epochs) as progress:
            generator, discriminator = self._build_networks()
            data = to_device(encoded, self.device_)
            index = to_device(index, self.device_)
            encoder = self._pretrained_encoder(generator, data, index)

            def after_epoch(epoch: int, epochs: int, row: dict) -> None:
                clock.epoch_done(epoch, trainer.steps_per_epoch, trainer.rows_per_step)
                if progress is not None:
                    progress(epoch, epochs, row)

            trainer = Trainer(generator, discriminator, loss, self.training_config_, device=self.device_,
                              augment=self._augment(), callback=after_epoch,
                              data_identity=identity)
            clock = TrainingClock(self.training_config_.run_epochs,
                                  long_warmup=None if self.compile else LONG_WARMUP_SECONDS)
            self.history_ = trainer.fit(data, index, len(self.classes_), resume=self.resume)
            if encoder is not None:
                latent.fit_encoder(encoder, trainer.sampling_generator, data, index, steps=self.encoder_steps,
                                   batch_size=self.training_config_.batch_size)
        self.generator_ = trainer.sampling_generator.eval()
        self.discriminator_ = trainer.discriminator.eval()
        self.encoder_ = encoder
        self.n_steps_ = self.history_[-1]["steps"]
        return self

    def _record_fit_params(self) -> None:
        """Keep a copy of the parameters the networks are fitted with (see :meth:`_fitted`)."""
        self._fit_params = {name: copy.deepcopy(value) for name, value in self.get_params(deep=False).items()
                            if name not in _LIVE_PARAMS}

    def _fitted_params(self) -> dict:
        """The parameters of the fitted networks: those of the last fit (or of the model file), with the current
        ``random_state`` and ``amp``. A model pickled before they were kept uses its current parameters."""
        current = self.get_params(deep=False)
        return {**current, **self.__dict__.get("_fit_params", {})}

    def _fitted(self, name: str) -> Any:
        """The value of parameter ``name`` the networks were fitted with (``set_params`` acts at the next fit)."""
        return self._fitted_params()[name]

    def _uses_encoder(self) -> bool:
        encoder, architecture = self._fitted("encoder"), self._fitted("architecture")
        if encoder == "auto":
            return self.codec_.kind == "image" and self._fitted("strategy") != "ddp" and architecture in ENCODERS
        return bool(encoder)

    def _pretrained_encoder(self, generator: torch.nn.Module, data: torch.Tensor,
                            index: torch.Tensor) -> torch.nn.Module | None:
        """The encoder, autoencoder-trained with ``generator`` for ``pretrain_steps``; None without one."""
        if not self._uses_encoder():
            return None
        encoder = self._make_encoder().to(self.device_)
        if self.pretrain_steps:
            latent.pretrain_autoencoder(encoder, generator, data, index, steps=self.pretrain_steps,
                                        batch_size=self.training_config_.batch_size)
        return encoder

    def _make_encoder(self) -> torch.nn.Module:
        return build_encoder(self._fitted("architecture"), self._network_spec())

    def _join_processes(self, encoded: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Join the torchrun process group; return this process's shard of the encoded rows and labels."""
        self.device_ = distributed.init(self.device_)
        checksum = zlib.crc32(np.ascontiguousarray(index).view(np.uint8),
                              zlib.crc32(np.ascontiguousarray(encoded).view(np.uint8)))
        distributed.check_same_everywhere("X and y", f"{encoded.shape[0]} rows encoded to {encoded.shape[1:]}, "
                                                     f"checksum {checksum:08x}")
        self.seed_ = distributed.broadcast_object(self.seed_)
        rows = distributed.shard_rows(index, distributed.rank(), distributed.world_size())
        return encoded[rows], index[rows]

    def _check_shapes_params(self) -> None:
        for name in ("generator_dims", "discriminator_dims"):
            dims = getattr(self, name)
            if not dims or not all(isinstance(d, numbers.Integral) and not isinstance(d, (bool, np.bool_)) and d > 0
                                   for d in dims):
                raise ValueError(f"{name} must be a non-empty tuple of positive integers, got {dims!r}.")
        if len(self.betas) != 2 or not all(isinstance(b, numbers.Real) and 0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas!r}.")
        if self.batch_size != "auto":
            self._check_batch_size(self.batch_size)
        if self.diffaugment is not None:
            parse_policy(self.diffaugment)
        if self.encoder not in (False, "auto") and self.strategy == "ddp":
            raise ValueError("encoder=True cannot be trained with strategy='ddp'; use encoder=False (or 'auto', "
                             "which is off under 'ddp').")

    def _check_batch_size(self, batch_size: int) -> None:
        if batch_size < 2 * self.pac:
            given = f"'auto' ({batch_size} rows for this data)" if self.batch_size == "auto" else batch_size
            raise ValueError(f"batch_size={given} must be at least 2 * pac = {2 * self.pac}.")

    def _check_something_varies(self, n_rows: int) -> None:
        if math.prod(self.codec_.sample_shape_) > 0:
            return
        if self.codec_.n_features_in_ == 0:
            raise ValueError(f"X has 0 feature(s) (shape=({n_rows}, 0)) while a minimum of 1 is required: "
                             f"there is nothing for the GAN to learn.")
        names = [column.name for column in self.codec_.columns_][:10]
        raise ValueError(f"no column of X varies: every column is constant or entirely missing ({names}), "
                         f"so there is nothing for the GAN to learn.")

    def _make_codec(self, X: Any) -> Codec:
        if isinstance(X, np.ndarray) and X.ndim > 4:
            raise ValueError(f"X has shape {X.shape}; CGAN takes a table (n_samples, n_features) or images of shape "
                             f"(n, H, W), (n, H, W, C) or (n, C, H, W).")
        codec = make_codec(X, categorical_features=self.categorical_features, numeric_transform=self.numeric_transform)
        if codec.kind == "image":
            return codec
        if self.architecture == "dcgan":
            raise ValueError("architecture='dcgan' needs images of shape (n, H, W), (n, H, W, C) or (n, C, H, W); "
                             "for a table use architecture='mlp'.")
        if self.diffaugment is not None:
            raise ValueError(f"diffaugment={self.diffaugment!r} augments images, but X is a table; "
                             f"use diffaugment=None.")
        return codec

    def _set_feature_attributes(self) -> None:
        self.n_features_in_ = self.codec_.n_features_in_
        names = self.codec_.feature_names_in_
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _build_networks(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        generator, discriminator = self._make_networks()
        return generator.to(self.device_), discriminator.to(self.device_)

    def _network_states(self) -> tuple[dict, dict]:
        """The state dicts the networks of these parameters and codecs have, as shapes only (no memory)."""
        with torch.device("meta"):
            generator, discriminator = self._make_networks()
        return generator.state_dict(), discriminator.state_dict()

    def _check_network_memory(self) -> None:
        """Refuse, before allocating anything, networks whose training would not fit on the device."""
        states = self._network_states()
        weights = sum(t.numel() for state in states for t in state.values())
        # Weights, gradients and Adam's two moments for both networks, plus the generator's EMA copy.
        needed = 4 * (4 * weights + sum(t.numel() for t in states[0].values()))
        available = device_memory(self.device_)
        if available is not None and needed > available:
            shape = tuple(self.codec_.sample_shape_)
            hint = "use smaller networks (generator_dims, discriminator_dims, noise_dim)"
            if self.architecture == "mlp" and len(shape) > 1:
                # DCGAN takes only its sizes, so an image of another size must be resized before it can help.
                hint = ("use architecture='dcgan' or smaller images" if len(shape) == 3 and shape[1] == shape[2]
                        and shape[1] in DCGAN_SIZES else "resize the images to 28, 32 or 64 px (size=64 when they are "
                        "read from a folder) and use architecture='dcgan', or use smaller images")
            raise ValueError(f"architecture={self.architecture!r} on samples of shape {shape} builds networks of "
                             f"{weights:,} weights, which need {format_bytes(needed)} to train, more than the "
                             f"{format_bytes(available)} free on {self.device_}; {hint}.")

    def _make_networks(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        return build_networks(self._fitted("architecture"), self._network_spec())

    def _network_spec(self) -> NetworkSpec:
        params = self._fitted_params()
        return NetworkSpec(sample_shape=tuple(self.codec_.sample_shape_), n_classes=len(self.classes_),
                           noise_dim=params["noise_dim"], generator_dims=tuple(params["generator_dims"]),
                           discriminator_dims=tuple(params["discriminator_dims"]),
                           generator_block=params["generator_block"], pac=params["pac"],
                           spectral_norm=params["spectral_norm"],
                           discriminator_norm=get_loss(params["loss"]).discriminator_norm,
                           spans=self.codec_.spans_)

    def _augment(self) -> Any:
        return DiffAugment(self.diffaugment) if self.diffaugment is not None else None

    def _progress(self, epochs: int) -> contextlib.AbstractContextManager:
        shown = self.verbose and (self.strategy != "ddp" or distributed.is_main_process())
        return progress_bar(epochs, enabled=bool(shown))

    def _seeded(self, seed: int) -> TorchStream:
        return TorchStream(seed, [self.device_])

    # --------------------------------------------------------------- sample
    def sample(self, n: int | None = None, y: Any = None, *, return_y: bool = False,
               random_state: Any = None, noise_scale: float = 1.0) -> Any:
        """Draw synthetic samples.

        Parameters
        ----------
        n : int, optional
            How many samples. With ``y=None`` classes follow their training proportions.
        y : label, array-like of labels, or dict {label: count}, optional
            One label for all ``n`` samples, one label per sample, or a count per label.
        return_y : bool, default=False
            Also return the label of each sample.
        random_state : int, RandomState instance or None, default=None
            Seed of this draw; None uses the estimator's ``random_state`` (so an int gives the same
            samples on every call, also after ``save``/``load``).
        noise_scale : float, default=1.0
            Factor on the generator's input noise. Below 1 the draws stay nearer the typical samples of each
            class and spread less (the "truncation trick" of Brock et al. 2019, as a scale); 0 gives every row
            of a class the generator's numbers at zero noise, up to float32 rounding (categories and missing
            values are still drawn from its probabilities). 1 samples the distribution the GAN learned.

        Returns
        -------
        X : same container as given to ``fit``
            DataFrame with the same columns and dtypes, array of the same dtype, or images in the same layout.
        y : ndarray of shape (n,)
            Only with ``return_y=True``.
        """
        check_is_fitted(self, "generator_")
        noise_scale = check_noise_scale(noise_scale)
        return_y = check_bool(return_y, "return_y")
        index, counts = sample_runs(self.label_codec_, n, y)
        check_draw_size(int(counts.sum()), "n" if y is None or np.ndim(y) == 0 else "y", self._bytes_per_row())
        rows = np.repeat(index, counts)
        X = self._decode(self._generate(rows, self._draw_stream(random_state), noise_scale))
        return (X, self.label_codec_.inverse_transform(rows)) if return_y else X

    def iter_samples(self, n: int | None = None, y: Any = None, *, chunk_size: int = 65536,
                     random_state: Any = None, noise_scale: float = 1.0) -> Iterator[tuple[Any, np.ndarray]]:
        """Draw as :meth:`sample` with ``return_y=True`` does, in chunks, so that a large draw never has to fit
        in memory at once.

        Parameters
        ----------
        n, y, random_state, noise_scale
            As in :meth:`sample`.
        chunk_size : int, default=65536
            Rows per chunk, rounded up to a multiple of the rows the generator draws in one pass.

        Returns
        -------
        chunks : iterator of (X, y)
            The rows of each chunk, in the container given to ``fit``, and their labels; put end to end the
            chunks are exactly what :meth:`sample` returns (a DataFrame chunk's index goes on where the previous
            chunk's ended, so ``pd.concat`` of the chunks is ``sample``'s frame, index included). The request is
            checked at the call, not at the first chunk.
        """
        check_is_fitted(self, "generator_")
        noise_scale = check_noise_scale(noise_scale)
        chunk_size = check_positive_int(chunk_size, "chunk_size")
        index, counts = sample_runs(self.label_codec_, n, y)
        batch = self._generation_batch()
        chunks = run_chunks(index, counts, math.ceil(chunk_size / batch) * batch)
        return self._decoded_chunks(chunks, self._draw_stream(random_state), noise_scale)

    def _decoded_chunks(self, chunks: Iterator[np.ndarray], stream: TorchStream,
                        noise_scale: float) -> Iterator[tuple[Any, np.ndarray]]:
        start = 0
        for rows in chunks:
            X = self._decode(self._generate(rows, stream, noise_scale))
            if isinstance(X, pd.DataFrame):
                X.index = pd.RangeIndex(start, start + len(X))
            start += len(rows)
            yield X, self.label_codec_.inverse_transform(rows)

    def _bytes_per_row(self) -> int:
        return draw_bytes_per_row(math.prod(self.codec_.sample_shape_))

    def _draw_stream(self, random_state: Any) -> TorchStream:
        return self._seeded(draw_seed(self.random_state if random_state is None else random_state))

    def _generation_batch(self) -> int:
        return _CPU_SAMPLE_CHUNK if self.device_.type == "cpu" else _SAMPLE_CHUNK

    def _generate(self, rows: np.ndarray, stream: TorchStream, noise_scale: float) -> np.ndarray:
        generator = self.generator_.eval()
        noise_dim = self._fitted("noise_dim")
        on_gpu = self.device_.type == "cuda"
        drawing = getattr(generator, "drawing", contextlib.nullcontext)  # MLPGenerator.drawing
        with stream, torch.inference_mode(), sampling_autocast(self.amp, self.device_), drawing():
            # Into pinned host memory, each chunk's copy back overlaps the generation of the next one.
            out = torch.empty((len(rows), *self.codec_.sample_shape_), dtype=torch.float32, pin_memory=on_gpu)
            labels = to_device(rows, self.device_)
            chunk = self._generation_batch()
            for first, z_group in self._noise(len(rows), chunk, noise_dim, stream, noise_scale):
                for start in range(0, len(z_group), chunk):
                    z = z_group[start:start + chunk]
                    y = labels[first + start:first + start + len(z)]
                    out[first + start:first + start + len(z)].copy_(generator(z, y), non_blocking=on_gpu)
            if on_gpu:
                torch.cuda.current_stream(self.device_).synchronize()
        return out.numpy()

    def _noise(self, n: int, chunk: int, noise_dim: int, stream: TorchStream,
               noise_scale: float) -> Iterator[tuple[int, torch.Tensor]]:
        """The generator's input noise for ``n`` rows, as ``(first row, noise)`` groups of whole chunks of
        ``chunk`` rows, each group in the one buffer (a fresh tensor each time cost a quarter more than the draw
        itself). On the CPU a group is ``_CPU_NOISE_CHUNKS`` chunks, drawn on every thread
        (:class:`~augan.seeding.CPUNormal`)."""
        on_cpu = self.device_.type == "cpu"
        group = chunk * _CPU_NOISE_CHUNKS if on_cpu else chunk
        noise = torch.empty(min(group, n), noise_dim, device=self.device_)
        # Threads only where there is noise to share: a draw of one chunk or less is over before they start.
        workers = min(torch.get_num_threads(), len(stream.cpu_normal.generators)) if on_cpu and n > chunk else 1
        with ThreadPoolExecutor(workers) if workers > 1 else contextlib.nullcontext() as pool:
            for first in range(0, n, group):
                z = noise[:min(group, n - first)]
                if on_cpu:
                    stream.cpu_normal.fill_(z, chunk, pool)
                else:
                    torch.randn(z.shape, device=self.device_, out=z)
                if noise_scale != 1.0:
                    z.mul_(noise_scale)
                yield first, z

    def encode(self, X: Any) -> np.ndarray:
        """Samples in the GAN's encoded space, the space its networks see: one flat float32 row each.

        A table's numbers are normalised (quantile or standard), its categories and missing values one-hot; an
        image's pixels are scaled to [-1, 1] and padded to the networks' size. Rows close here are close to the
        discriminator, and a point between two rows (as SMOTE draws) decodes to a row of the same columns.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), or image array
            Rows like those given to ``fit``: a DataFrame's columns are matched to the fitted ones by name
            (reordered if need be), an array's by position.

        Returns
        -------
        Z : ndarray of float32, shape (n_samples, n_encoded)
            ``n_encoded`` is the product of the encoded sample shape (the width of the encoded table, or
            ``C * H * W`` of the padded images).

        Raises
        ------
        ValueError
            If a column of ``fit`` is missing or an unexpected one is present (both are named), or images
            have another shape than those of ``fit``.
        """
        check_is_fitted(self, "generator_")
        check_n_samples(X)
        encoded = self.codec_.transform(X)
        return encoded.reshape(len(encoded), math.prod(self.codec_.sample_shape_))

    def decode(self, Z: Any) -> Any:
        """Rows of the encoded space (as :meth:`encode` gives them, or as the generator makes them) back in the
        user's types: the container, columns, dtypes and categories, or the image layout and dtype, of ``fit``.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_encoded) or (n_samples, *encoded sample shape)
            Encoded rows; values off the training data are decoded to the nearest it allows (numbers are
            clipped to the training range, a category is the highest scoring level, pixels are clipped).

        Returns
        -------
        X : same container as given to ``fit``
            DataFrame, array or images, of ``n_samples`` rows.

        Raises
        ------
        TypeError
            If ``Z`` does not hold numbers.
        ValueError
            If ``Z`` does not hold ``n_encoded`` values per row, or holds NaN (a row of no value, which would
            decode to missing values in columns that have none).
        """
        check_is_fitted(self, "generator_")
        Z = np.asarray(Z)
        if Z.dtype.kind not in "biuf":
            raise TypeError(f"Z must hold numbers (rows of the encoded space), got an array of dtype {Z.dtype}.")
        shape = tuple(self.codec_.sample_shape_)
        if Z.ndim < 2 or (tuple(Z.shape[1:]) != shape and Z.shape[1:] != (math.prod(shape),)):
            raise ValueError(f"Z must have shape (n, {math.prod(shape)})"
                             + (f" or (n, {', '.join(map(str, shape))})" if len(shape) > 1 else "")
                             + f" (the encoded space of this GAN), got {Z.shape}.")
        missing = np.isnan(Z.reshape(len(Z), math.prod(shape))).any(axis=1) if Z.dtype.kind == "f" else None
        if missing is not None and missing.any():
            raise ValueError(f"Z holds NaN in {int(missing.sum()):,} of its {len(Z):,} rows (the first: row "
                             f"{int(np.argmax(missing))}); every value must be a number (infinite ones are clipped "
                             f"to the training range).")
        return self._decode(Z)

    def _decode(self, Z: np.ndarray) -> Any:
        """:meth:`decode` of rows the generator made (float32, their count of values right)."""
        return self.codec_.inverse_transform(Z.reshape(len(Z), *self.codec_.sample_shape_))

    @property
    def input_shape_(self) -> tuple[int, ...]:
        """The shape of one sample as given to ``fit``: ``(n_features,)`` for a table, the image's for images."""
        check_is_fitted(self, "generator_")
        return tuple(self.codec_.input_shape_)

    def discriminator_scores(self, X: Any, y: Any) -> np.ndarray:
        """The trained discriminator's score of each row of ``X`` given its label (higher = more real).

        With ``pac > 1`` the discriminator judges packs; each row is then scored in a pack of copies of itself.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), or image array
            Rows like those given to ``fit``: a DataFrame's columns are matched to the fitted ones by name
            (reordered if need be), an array's by position.
        y : array-like of shape (n_samples,)
            The class of each row, one of ``classes_``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)

        Raises
        ------
        ValueError
            If a column of ``fit`` is missing or an unexpected one is present (both are named), or a label was
            never seen in ``fit``.
        """
        check_is_fitted(self, "discriminator_")
        encoded, index = self._on_device(X, y)
        pac = self._fitted("pac")
        with torch.inference_mode():
            packed = encoded.repeat_interleave(pac, dim=0)
            scores = self.discriminator_.eval()(packed, index.repeat_interleave(pac))
        return scores.float().cpu().numpy()

    def to_latent(self, X: Any, y: Any) -> np.ndarray:
        """The encoder's latent point ``E(x, y)`` of each row of ``X``: the generator's noise that draws it.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features), or image array
            Rows like those given to ``fit`` (matched as in :meth:`discriminator_scores`).
        y : array-like of shape (n_samples,)
            The class of each row, one of ``classes_``.

        Returns
        -------
        Z : ndarray of shape (n_samples, noise_dim)
            Points that :meth:`from_latent` turns back into rows close to ``X``.

        Raises
        ------
        ValueError
            If the GAN was fitted without an encoder (``encoder=False``), or ``X`` or ``y`` do not match ``fit``'s.
        """
        self._check_has_encoder("to_latent")
        encoded, index = self._on_device(X, y)
        return latent.encode_latent(self.encoder_, encoded, index, self._generation_batch()).float().cpu().numpy()

    def from_latent(self, Z: Any, y: Any, *, random_state: Any = None) -> Any:
        """The generator's rows ``G(z, y)`` for given latent points, decoded as :meth:`sample` decodes.

        Parameters
        ----------
        Z : array-like of shape (n_samples, noise_dim)
            Latent points, e.g. from :meth:`to_latent` or between two of them.
        y : array-like of shape (n_samples,)
            The class of each row, one of ``classes_``.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws a table's categorical columns still make; None uses the estimator's.

        Returns
        -------
        X : same container as given to ``fit``

        Raises
        ------
        ValueError
            If the GAN was fitted without an encoder, ``Z`` is not finite or not of shape (n, noise_dim), or ``y``
            does not match it.
        """
        self._check_has_encoder("from_latent")
        Z = np.asarray(Z, dtype=np.float32)
        noise_dim = self._fitted("noise_dim")
        if Z.ndim != 2 or Z.shape[1] != noise_dim or not np.isfinite(Z).all():
            raise ValueError(f"Z must be a finite array of shape (n_samples, noise_dim={noise_dim}), got "
                             f"shape {Z.shape}.")
        index = to_device(self.label_codec_.transform(check_labels(y, len(Z))), self.device_)
        noise = to_device(Z, self.device_)
        chunk = self._generation_batch()
        with self._draw_stream(random_state), torch.inference_mode(), sampling_autocast(self.amp, self.device_):
            generator = self.generator_.eval()
            out = [generator(noise[i:i + chunk], index[i:i + chunk]).float().cpu()
                   for i in range(0, len(Z), chunk)]
        encoded = torch.cat(out).numpy() if out else np.empty((0, *self.codec_.sample_shape_), np.float32)
        return self.decode(encoded)

    def _on_device(self, X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """``X`` encoded (columns matched by name) and ``y`` as class indices, both on the GAN's device."""
        check_n_samples(X)
        encoded = to_device(self.codec_.transform(X), self.device_)
        return encoded, to_device(self.label_codec_.transform(check_labels(y, len(encoded))), self.device_)

    def _check_has_encoder(self, method: str) -> None:
        check_is_fitted(self, "generator_")
        if getattr(self, "encoder_", None) is None:
            raise ValueError(f"{method} needs the encoder, but this GAN was fitted without one; fit it with "
                             f"encoder=True (or 'auto' on images).")

    # ---------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike, overwrite: bool = False, metadata: dict | None = None) -> None:
        """Write the fitted model to ``path`` (atomically; an existing file needs ``overwrite=True``).

        Parameters
        ----------
        path : str or PathLike
            Where to write the model.
        overwrite : bool, default=False
            Replace an existing augan model file (any other file at ``path`` is refused, never replaced).
        metadata : dict, optional
            Plain JSON values kept with the model (e.g. the name of the target column) and given back
            as ``CGAN.load(path).metadata_``.

        Raises
        ------
        TypeError
            If ``metadata`` holds anything but plain JSON values, or ``path`` is not a file path.
        FileExistsError
            If ``path`` exists and ``overwrite`` is False, or it is not an augan model file.

        Notes
        -----
        With ``strategy="ddp"`` only rank 0 writes; the other processes return at once, so a process that
        reads the file must wait for rank 0 first (``torch.distributed.barrier()``).
        """
        check_is_fitted(self, "generator_")
        # The parameters set after fit that the file records as they are now: refused here if invalid, not at load.
        validate_parameter_constraints({name: self._parameter_constraints[name] for name in _LIVE_PARAMS},
                                       {name: getattr(self, name) for name in _LIVE_PARAMS}, caller_name="CGAN")
        content = persistence.model_content(self, metadata)
        if self._fitted("strategy") == "ddp" and not distributed.is_main_process():
            return
        storage.save_model(path, content, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike, device: str | torch.device = "auto") -> CGAN:
        """Read a model written by :meth:`save`; nothing in the file is executed.

        Parameters
        ----------
        path : str or PathLike
            The model file.
        device : str or torch.device, default="auto"
            Where the networks go: "auto" (CUDA, then MPS, then CPU), or any torch device of this machine.

        Returns
        -------
        model : CGAN
            The fitted model, with the parameters it was fitted with.

        Raises
        ------
        TypeError
            If ``path`` is not a file path (str or PathLike), or ``device`` is not a str or torch.device.
        ValueError
            If ``device`` is no device of this machine, or the file is corrupt, foreign or of an unknown version.
        """
        # The argument is checked before the file is read, so that a bad one is never blamed on the file.
        if not isinstance(device, (str, torch.device)):
            raise TypeError(f"device must be a str or torch.device, got {type(device).__name__}: {device!r}.")
        resolve_device(device)
        return persistence.restore(cls, storage.load_model(path), path, device)

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn's Tags type
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags
