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


@pytest.fixture
def english(monkeypatch, tmp_path):
    """pyprivate speaks English, whatever the environment or the folder says (for tests of learner-facing text)."""
    from pyprivate.i18n import set_language

    monkeypatch.delenv("PYPRIVATE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    set_language(None)
    yield
    set_language(None)
