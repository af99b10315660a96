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
