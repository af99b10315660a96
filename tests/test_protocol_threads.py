"""sy.settings.protocol_threads: encrypted operations run on that many torch threads, and torch gets its own back."""

import pytest
import torch

import pyprivate as sy
from pyprivate.crypto.parties import PARTY_STEPS


def _noting(step, seen):
    def noted(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return step(*args, **kwargs)

    return noted


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


@pytest.mark.usefixtures("two_threads")
@pytest.mark.parametrize("setting, inside", [(1, 1), (None, 2), (2, 2)])
def test_encrypted_operations_run_on_the_protocol_threads(trio, monkeypatch, setting, inside):
    bob, alice, james = trio
    seen = []
    for name, step in list(PARTY_STEPS.items()):  # every protocol step notes the threads it runs on
        monkeypatch.setitem(PARTY_STEPS, name, _noting(step, seen))
    x = torch.tensor([[1.5, -2.0], [0.5, 3.0]])
    with sy.settings.use(protocol_threads=setting):
        shared = x.fix_precision().share(bob, alice, crypto_provider=james)
        product = (shared * shared).get().float_precision()
    assert torch.allclose(product, x * x, atol=1e-2)
    assert seen and set(seen) == {inside}
    assert torch.get_num_threads() == 2  # back to what it was, also after the operation


@pytest.mark.usefixtures("two_threads")
def test_a_failing_operation_also_gives_the_threads_back(trio):
    bob, alice, james = trio
    shared = torch.ones(2, 3).fix_precision().share(bob, alice, crypto_provider=james)
    with pytest.raises(RuntimeError):
        shared @ shared  # shapes that do not fit
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1", True])
def test_a_wrong_number_of_threads_is_refused(bad):
    with pytest.raises(ValueError, match="protocol_threads is a number of threads"):
        sy.settings.protocol_threads = bad
    assert sy.settings.protocol_threads == 1
