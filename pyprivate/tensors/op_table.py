"""One op table per tensor type: ``table.implements(aten.add.Tensor, ...)``.

A tensor type's ``__torch_dispatch__`` looks the operation up here. An
operation with no kernel raises :class:`UnsupportedOperationError` naming
it: pyprivate never falls back silently to computing on plaintext. The
kernel runs on ``sy.settings.protocol_threads`` torch threads. The first
one also asks malloc to keep freed memory for the next tensors
(:mod:`pyprivate.memory`).
"""

import torch

from ..errors import UnsupportedOperationError
from ..memory import keep_freed_memory
from ..settings import settings


class OpTable:
    """Maps aten operations (overloads) to the kernels of one tensor type."""

    def __init__(self, kind):
        self.kind = kind
        self.kernels = {}

    def implements(self, *ops):
        """Register the decorated ``kernel(func, args, kwargs)`` for each of ``ops``."""

        def register(kernel):
            for op in ops:
                self.kernels[op] = kernel
            return kernel

        return register

    def __call__(self, func, args, kwargs):
        kernel = self.kernels.get(func)
        if kernel is None:
            raise UnsupportedOperationError(
                f"{self.kind} has no secure implementation of {func._opname} ({func}); "
                "pyprivate does not fall back to computing on plaintext"
            )
        keep_freed_memory()  # does something the first time only: see pyprivate/memory.py
        threads = settings.protocol_threads
        if threads is None or torch.get_num_threads() == threads:
            return kernel(func, args, kwargs)
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return kernel(func, args, kwargs)
        finally:
            torch.set_num_threads(before)

    def supported(self):
        """Names of the operations with a kernel, sorted."""
        return sorted({str(op) for op in self.kernels})
