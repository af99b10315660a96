"""Freed memory stays with the process for the next tensor: the protocols fault in fewer fresh pages.

A protocol makes and drops many tensors of megabytes: a ReLU over the first
convolution of lesson 8's CNN draws and drops 3.7 MB per share, dozens of
times a batch. glibc's ``malloc`` serves blocks this large with fresh pages
from the system and gives them back when they are freed, so every new
tensor costs a page fault per 4 kB page. In a virtual machine (a cloud
notebook, CI) a fault costs more than the arithmetic: drawing 3.7 MB of
keystream and XOR-ing it took 2.9 ms on fresh pages and 0.6 ms on reused
ones here, and the CNN's encrypted inference spent a quarter of its batch
drawing keystream.

:func:`keep_freed_memory` asks ``malloc`` to keep freed blocks for reuse
instead (``mallopt``: blocks below 64 MB come from the heap, and up to
512 MB of free heap is kept). The first encrypted operation calls it, once,
and so does every worker process. The price: the process keeps up to that
much freed memory instead of returning it to the system. Set the
environment variable ``PYPRIVATE_KEEP_FREED_MEMORY=0`` before starting
Python to leave ``malloc`` as it is. Elsewhere than glibc (macOS, Windows)
it does nothing.
"""

import ctypes
import os

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 512 << 20

_state = {"done": False, "kept": False}


def _glibc_mallopt():
    """glibc's ``mallopt``, or None elsewhere (musl has one that does nothing)."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # only glibc has it
        return libc.mallopt
    except (OSError, AttributeError, TypeError):
        return None


def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep freed blocks for reuse (once per process); whether it now does."""
    if _state["done"]:
        return _state["kept"]
    _state["done"] = True
    mallopt = None if os.environ.get("PYPRIVATE_KEEP_FREED_MEMORY", "1") == "0" else _glibc_mallopt()
    if mallopt is not None:
        _state["kept"] = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
            mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _state["kept"]
