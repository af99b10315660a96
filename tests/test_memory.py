"""pyprivate.memory: the first encrypted operation asks glibc's malloc, once, to keep freed memory for reuse."""

import subprocess
import sys

import torch

from pyprivate import memory


def test_the_first_encrypted_operation_asks_malloc_once(monkeypatch, bob, alice, james):
    calls = []
    monkeypatch.setattr(memory, "_state", {"done": False, "kept": False})
    monkeypatch.setattr(memory, "_glibc_mallopt", lambda: lambda option, value: calls.append((option, value)) or 1)
    x = torch.tensor([1.0, -2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = (x * x).relu()
    (y + x).get()
    assert calls == [(memory.M_MMAP_THRESHOLD, 64 << 20), (memory.M_TRIM_THRESHOLD, 512 << 20)]
    assert memory.keep_freed_memory() is True and len(calls) == 2


def test_the_environment_variable_leaves_malloc_alone():
    code = ("import pyprivate.memory as m\n"
            "m._glibc_mallopt = lambda: (_ for _ in ()).throw(AssertionError('mallopt was looked up'))\n"
            "print(m.keep_freed_memory())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYPRIVATE_KEEP_FREED_MEMORY": "0", "PATH": ""})
    assert out.stdout.strip() == "False"


def test_glibc_is_found_here():
    """This machine runs glibc (Debian): the real call must be found and accepted."""
    assert memory._glibc_mallopt() is not None
