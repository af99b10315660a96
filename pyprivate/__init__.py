"""pyprivate: privacy-preserving deep learning on PyTorch, for teaching.

    import torch
    import pyprivate as sy
    hook = sy.TorchHook(torch)
    bob = sy.VirtualWorker(hook, id="bob")
    x_ptr = torch.tensor([1, 2, 3]).send(bob)
"""

from . import data, dp, errors, secure_aggregation
from .settings import settings
from .i18n import get_language, set_language
from .workers.launch import start_workers
from .workers.rpc import RemoteWorker, join, leave
from .federated import FederatedDataLoader, FederatedDataset, federated_average
from .hook import TorchHook
from .tensors import AdditiveSharingTensor, FixedPrecisionTensor, PointerTensor
from .workers import BaseWorker, InProcessTransport, Transport, VirtualWorker, local_worker

__version__ = "0.1.0"

__all__ = ["AdditiveSharingTensor", "FixedPrecisionTensor", "TorchHook", "VirtualWorker", "BaseWorker", "Transport", "InProcessTransport", "PointerTensor", "local_worker", "errors", "data", "dp", "secure_aggregation",
           "FederatedDataset", "FederatedDataLoader", "federated_average",
           "set_language", "get_language", "settings", "RemoteWorker", "join", "leave", "start_workers"]
