import pytest
import torch

import pyprivate as sy

hook = sy.TorchHook(torch)


@pytest.fixture
def hook_():
    return hook


@pytest.fixture
def bob():
    return sy.VirtualWorker(hook, id="bob")


@pytest.fixture
def alice():
    return sy.VirtualWorker(hook, id="alice")


@pytest.fixture
def james():
    return sy.VirtualWorker(hook, id="james")


@pytest.fixture
def trio(bob, alice, james):
    """Two parties and a crypto provider, with reproducible randomness."""
    from pyprivate.tensors import sharing

    sharing.seed(1234)
    james.seed(99)
    return bob, alice, james
