"""CrypTen's encrypted inference and training of the benchmark networks, for a same-run comparison (optional).

CrypTen 0.4.1 is not a dependency: install it beside torch 2.13 with
``pip install --no-deps crypten==0.4.1 omegaconf onnx``. Its ONNX importer
does not load on torch 2.13 (``torch.onnx._internal.registration`` is gone);
this module builds the networks with ``crypten.nn`` directly and never uses
the importer, but CrypTen imports it: if ``import crypten`` fails on that
line, guard it (``SYM_REGISTRY = False``) in ``crypten/nn/onnx_converter.py``.

CrypTen runs in one process here (``crypten.init()``, world size 1), its
default for a notebook: one party holds every share, so it sends nothing,
and its products need fewer local matrix products than two parties do. It
is the reference issue 19 names; pyprivate runs two parties and a provider.
"""

import time

import torch


def _network(name):
    import crypten.nn as cnn

    if name == "mlp":
        return cnn.Sequential(cnn.Linear(784, 500), cnn.ReLU(), cnn.Linear(500, 10))
    return cnn.Sequential(cnn.Conv2d(1, 16, 5), cnn.ReLU(), cnn.MaxPool2d(2), cnn.Conv2d(16, 16, 5), cnn.ReLU(),
                          cnn.MaxPool2d(2), cnn.Flatten(), cnn.Linear(256, 100), cnn.ReLU(), cnn.Linear(100, 10))


class Peer:
    """CrypTen's encrypted inference of one network, one batch at a time (to interleave with pyprivate's)."""

    def __init__(self, name, shape, batch_size=50):
        import crypten

        if not crypten.is_initialized():
            crypten.init()
        self.crypten = crypten
        self.model = _network(name).encrypt()
        self.model.eval()
        torch.manual_seed(0)
        self.batch = crypten.cryptensor(torch.rand(batch_size, *shape[1:]))
        self.run_one()  # warm-up

    def run_one(self):
        """ms for one encrypted batch: the model on encrypted data, the output decrypted."""
        start = time.perf_counter()
        with self.crypten.no_grad():
            self.model(self.batch).get_plain_text()
        return (time.perf_counter() - start) * 1000


class TrainingPeer:
    """CrypTen's encrypted training step of the training benchmark's MLP, one batch at a time.

    The network and step of ``benchmarks/mnist_encrypted.py``: 784-128-64-10
    with ReLU, squared error against one-hot targets summed and divided by
    the batch size, plain SGD, the loss decrypted after each step. CrypTen
    keeps its own precision (16 fractional bits); the data is random, as
    only the time is compared.
    """

    def __init__(self, batch_size=64, lr=0.02):
        import crypten
        import crypten.nn as cnn

        if not crypten.is_initialized():
            crypten.init()
        self.lr, self.batch_size = lr, batch_size
        self.model = cnn.Sequential(cnn.Linear(784, 128), cnn.ReLU(), cnn.Linear(128, 64), cnn.ReLU(),
                                    cnn.Linear(64, 10)).encrypt()
        self.model.train()
        torch.manual_seed(0)
        self.data = crypten.cryptensor(torch.rand(batch_size, 784))
        targets = torch.nn.functional.one_hot(torch.randint(0, 10, (batch_size,)), 10).float()
        self.target = crypten.cryptensor(targets)
        self.run_one()  # warm-up

    def run_one(self):
        """ms for one encrypted training step, the loss decrypted."""
        start = time.perf_counter()
        self.model.zero_grad()
        output = self.model(self.data)
        loss = (output - self.target).square().sum().div(self.batch_size)
        loss.backward()
        self.model.update_parameters(self.lr)
        loss.get_plain_text()
        return (time.perf_counter() - start) * 1000
