"""Federated vs centralised training of an MNIST classifier, on the offline MNIST data.

    python -m benchmarks.federated_mnist            # full run: 4,000 training images, 3 workers
    python -m benchmarks.federated_mnist --quick    # the small run CI uses

Both runs start from the same weights and see the same batches; the
federated run keeps each worker's images at that worker and sends the model
to them (federated SGD), then also tries federated averaging (each worker
trains its own copy for an epoch; the copies are averaged).
"""

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 128), nn.Linear(128, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def accuracy(model, images, labels):
    with torch.no_grad():
        return (model(images).argmax(dim=1) == labels).float().mean().item() * 100


def train_central(model, batches, epochs, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for data, target in batches:
            opt.zero_grad()
            F.cross_entropy(model(data), target).backward()
            opt.step()
    return model


def train_federated_sgd(model, loader, epochs, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        for data, target in loader:
            model.send(data.location)
            opt.zero_grad()
            F.cross_entropy(model(data), target).backward()
            opt.step()
            model.get()
    return model


def train_federated_averaging(model, fed, epochs, batch_size, lr):
    for _ in range(epochs):
        local_models = []
        for data, target in fed.parts:
            local = model.copy().send(data.location)
            opt = optim.SGD(local.parameters(), lr=lr)
            for start in range(0, data.shape[0], batch_size):
                opt.zero_grad()
                F.cross_entropy(local(data[start : start + batch_size]), target[start : start + batch_size]).backward()
                opt.step()
            local_models.append(local.get())
        model = sy.federated_average(local_models, weights=[d.shape[0] for d, _ in fed.parts])
    return model


def run(n_train=4000, n_test=1000, n_workers=3, epochs=5, batch_size=64, lr=0.1, seed=0):
    hook = sy.TorchHook(torch)
    workers = [sy.VirtualWorker(hook, id=f"hospital{i + 1}") for i in range(n_workers)]
    images, labels = sy.data.load_mnist("train", limit=n_train)
    test_images, test_labels = sy.data.load_mnist("test", limit=n_test)
    torch.manual_seed(seed)
    initial = MLP()
    fed = sy.FederatedDataset.split(images, labels, workers)
    # Centralised training sees the same batches, in the same order, as the federated loader.
    batches = [(images[idx], labels[idx]) for part in torch.arange(len(labels)).tensor_split(n_workers)
               for idx in part.split(batch_size)]

    results = {}
    t = time.perf_counter()
    central = train_central(initial.copy(), batches, epochs, lr)
    results["central"] = (accuracy(central, test_images, test_labels), time.perf_counter() - t)
    t = time.perf_counter()
    fsgd = train_federated_sgd(initial.copy(), sy.FederatedDataLoader(fed, batch_size=batch_size), epochs, lr)
    results["federated SGD"] = (accuracy(fsgd, test_images, test_labels), time.perf_counter() - t)
    t = time.perf_counter()
    favg = train_federated_averaging(initial.copy(), fed, epochs, batch_size, lr)
    results["federated averaging"] = (accuracy(favg, test_images, test_labels), time.perf_counter() - t)
    return results, sy.data.load_mnist.source


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run (1,000 images, 4 epochs)")
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args(argv)
    size = dict(n_train=1000, n_test=500, epochs=4, lr=0.2) if args.quick else {}
    results, source = run(n_workers=args.workers, **size)
    print(f"MNIST source: {source}; workers: {args.workers}")
    base = results["central"][1]
    for name, (acc, seconds) in results.items():
        print(f"{name:22s} held-out accuracy {acc:5.1f}%   time {seconds:6.2f} s   ({seconds / base:4.1f}x central)")
    return results


if __name__ == "__main__":
    main()
