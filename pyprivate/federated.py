"""Federated learning helpers: spread a dataset over workers, batch it where it lives, average models.

    fed = sy.FederatedDataset.split(images, labels, [bob, alice])
    loader = sy.FederatedDataLoader(fed, batch_size=64, shuffle=True)
    for data, target in loader:          # pointers, worker by worker
        model.send(data.location)
        ...
        model.get()
"""

import torch

from .errors import NotRemoteError, PyPrivateError
from .modules import copy_module, module_location
from .tensors.pointer import PointerTensor
from .workers.client import check_worker


class FederatedDataset:
    """One (data pointer, target pointer) pair per worker."""

    def __init__(self, parts):
        self.parts = list(parts)
        for data, target in self.parts:
            if not (isinstance(data, PointerTensor) and isinstance(target, PointerTensor)):
                raise NotRemoteError("a FederatedDataset holds pointers: send each part with .send(worker) first")
            if data.location is not target.location or data.shape[0] != target.shape[0]:
                raise ValueError("each part needs data and targets of the same length at the same worker")

    @classmethod
    def split(cls, data, targets, workers):
        """Split ``data`` and ``targets`` into equal consecutive parts, one sent to each worker."""
        workers = [check_worker(w, "split") for w in workers]
        if not workers:
            raise ValueError("split() needs at least one worker")
        if len(data) != len(targets):
            raise ValueError(f"data has {len(data)} items but targets has {len(targets)}")
        chunks = zip(torch.tensor_split(data, len(workers)), torch.tensor_split(targets, len(workers)))
        return cls((d.send(w), t.send(w)) for (d, t), w in zip(chunks, workers))

    @property
    def workers(self):
        return [data.location for data, _ in self.parts]

    def __len__(self):
        return sum(data.shape[0] for data, _ in self.parts)

    def __repr__(self):
        where = ", ".join(f"{d.location.id}: {d.shape[0]}" for d, _ in self.parts)
        return f"<FederatedDataset {len(self)} items ({where})>"


class FederatedDataLoader:
    """Batches of (data pointer, target pointer), worker after worker.

    Batches are cut at the worker (one remote indexing operation each), so
    the data is sent only once. With ``shuffle=True`` each worker's items
    are visited in a new random order every epoch.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, generator=None):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.dataset, self.batch_size, self.shuffle, self.generator = dataset, batch_size, shuffle, generator

    def __len__(self):
        return sum(-(-data.shape[0] // self.batch_size) for data, _ in self.dataset.parts)

    def __iter__(self):
        for data, target in self.dataset.parts:
            n = data.shape[0]
            order = torch.randperm(n, generator=self.generator) if self.shuffle else None
            order_ptr = order.send(data.location) if order is not None else None
            for start in range(0, n, self.batch_size):
                if order_ptr is None:
                    yield data[start : start + self.batch_size], target[start : start + self.batch_size]
                else:
                    index = order_ptr[start : start + self.batch_size]
                    yield data[index], target[index]


def federated_average(models, weights=None):
    """A new model whose parameters are the (weighted) average of ``models``' parameters.

    ``weights`` are, for instance, each worker's number of training items;
    by default every model counts the same. The models must be local (call
    ``model.get()`` first) and share one architecture.
    """
    models = list(models)
    if not models:
        raise ValueError("federated_average() needs at least one model")
    for m in models:
        if module_location(m) is not None:
            raise PyPrivateError(f"a model is still at {module_location(m).id}: call model.get() before averaging")
    weights = torch.ones(len(models)) if weights is None else torch.as_tensor(weights, dtype=torch.float64)
    if weights.shape != (len(models),) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("weights must be one non-negative number per model, not all zero")
    weights = weights / weights.sum()
    states = [m.state_dict() for m in models]
    if any(s.keys() != states[0].keys() for s in states):
        raise ValueError("the models do not have the same architecture (their parameter names differ)")
    average = copy_module(models[0])
    with torch.no_grad():
        for name, value in average.state_dict().items():
            if value.is_floating_point():
                value.copy_(sum(float(w) * s[name] for w, s in zip(weights, states)))
    return average
