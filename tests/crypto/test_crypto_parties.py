import pytest
import torch

from pyprivate.crypto import PARTY_STEPS, LocalParties, get_step, party_step, unzip
from conftest import make_parties, shared


@party_step("test.scale_and_offset")
def scale_and_offset(i, n, x, *, scale, offset):
    return x * scale + (offset if i == 0 else 0), torch.full_like(x, i)


def test_steps_are_registered_by_name():
    assert PARTY_STEPS["test.scale_and_offset"] is scale_and_offset
    assert get_step("beaver.finish").step_name == "beaver.finish"
    with pytest.raises(KeyError, match="no party step named 'nope'"):
        get_step("nope")


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        party_step("test.scale_and_offset")(lambda i, n, x: x)


def test_run_gives_each_party_its_own_args_and_the_public_values():
    p = make_parties(3)
    x = torch.arange(6).reshape(2, 3)
    sx = shared(p, x)
    y, index = unzip(p.run("test.scale_and_offset", [[s] for s in sx], scale=3, offset=10))
    assert torch.equal(p.open(y), 3 * x + 10)
    assert [t[0, 0].item() for t in index] == [0, 1, 2]


def test_open_logs_every_opened_value_and_counts_rounds():
    p = make_parties(2)
    x = torch.tensor([5, -7])
    assert torch.equal(p.open(shared(p, x), "first"), x)
    both = p.open_many([shared(p, x), shared(p, 2 * x)], ["a", "b"])
    assert [v.tolist() for v in both] == [[5, -7], [10, -14]]
    bits = torch.tensor([0b1011, 0b0110])
    assert torch.equal(p.open_xor(p.deal([bits ^ 3, torch.tensor([3, 3])]), "x"), bits)
    assert [(o.label, o.kind, o.round) for o in p.opened] == [
        ("first", "add", 1), ("a", "add", 2), ("b", "add", 2), ("x", "xor", 3)
    ]
    assert p.rounds == 3
    p.reset_log()
    assert p.opened == [] and p.rounds == 0


def test_wrong_number_of_shares_is_an_error():
    p = make_parties(3)
    with pytest.raises(ValueError):
        p.deal([torch.zeros(1)] * 2)
    with pytest.raises(ValueError):
        p.run("arith.neg", [[torch.zeros(1)]] * 2)
    with pytest.raises(ValueError):
        p.open([torch.zeros(1)] * 2)
    with pytest.raises(ValueError):
        LocalParties(1)


def test_default_dealer_uses_fresh_randomness():
    a = LocalParties(2).dealer.prng.ring((8,))
    b = LocalParties(2).dealer.prng.ring((8,))
    assert not torch.equal(a, b)


def test_the_open_log_can_be_switched_off_for_long_runs():
    p = LocalParties(2, log_opened=False)
    assert torch.equal(p.open(p.deal([torch.tensor([2]), torch.tensor([3])])), torch.tensor([5]))
    assert p.rounds == 1 and p.opened == []
