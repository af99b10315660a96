"""CrypTen's encrypted inference of the benchmark networks, for a same-run comparison (optional).

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

import statistics
import time

import torch


def _network(name):
    import crypten.nn as cnn

    if name == "mlp":
        return cnn.Sequential(cnn.Linear(784, 500), cnn.ReLU(), cnn.Linear(500, 10))
    return cnn.Sequential(cnn.Conv2d(1, 16, 5), cnn.ReLU(), cnn.MaxPool2d(2), cnn.Conv2d(16, 16, 5), cnn.ReLU(),
                          cnn.MaxPool2d(2), cnn.Flatten(), cnn.Linear(256, 100), cnn.ReLU(), cnn.Linear(100, 10))


def inference_ms(name, shape, n_batches=10, batch_size=50):
    """{threads: median ms per encrypted batch} at one torch thread and at torch's own count.

    Model and data encrypted, the output decrypted; one warm-up batch first.
    """
    import crypten

    if not crypten.is_initialized():
        crypten.init()
    model = _network(name).encrypt()
    model.eval()
    torch.manual_seed(0)
    batches = [crypten.cryptensor(torch.rand(batch_size, *shape[1:])) for _ in range(n_batches + 1)]
    default, result = torch.get_num_threads(), {}
    for threads in (1, default):
        torch.set_num_threads(threads)
        times = []
        with crypten.no_grad():
            for batch in batches:
                start = time.perf_counter()
                model(batch).get_plain_text()
                times.append((time.perf_counter() - start) * 1000)
        result[threads] = statistics.median(times[1:])
    torch.set_num_threads(default)
    return result
