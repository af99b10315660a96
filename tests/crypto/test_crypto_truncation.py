import pytest
import torch

from pyprivate.crypto import local_truncate, measure_local_truncation_failure, reconstruct, truncate
from pyprivate.crypto.ring import floor_div
from conftest import make_parties, random_int64, shared

LIMIT = 1 << 61  # truncate() is exact for |x| < LIMIT


def sample_values(count: int, seed: int = 0) -> torch.Tensor:
    """Mostly |x| < 2^40, a tenth within 2^50 of the limit, and the extremes."""
    small = random_int64((count - count // 10,), seed, bits=41)
    magnitude = LIMIT - 1 - (random_int64((count // 10,), seed + 1, bits=51).abs())
    sign = torch.where(random_int64((count // 10,), seed + 2) < 0, -1, 1)
    extremes = torch.tensor([0, 1, -1, LIMIT - 1, -(LIMIT - 1), 999, -999, 1000, -1000])
    return torch.cat([extremes, small, sign * magnitude])


@pytest.mark.parametrize("divisor", [1000, 1 << 16])
def test_truncation_is_exact_to_one_unit_and_unbiased(divisor):
    p = make_parties(2)
    x = sample_values(10**6)
    result = reconstruct(truncate(p, shared(p, x), divisor))
    error = result - floor_div(x, divisor)
    assert set(error.unique().tolist()) <= {0, 1}
    assert ((divisor * result - x).abs() < divisor).all()  # |result - x/D| < 1
    fraction = (x - divisor * floor_div(x, divisor)).double() / divisor
    bias = (error.double() - fraction).mean().item()
    assert abs(bias) < 6 * 0.5 / len(x) ** 0.5, bias  # six sigma


@pytest.mark.parametrize("x_value,divisor,expected_up", [(250, 1000, 0.25), (-250, 1000, 0.75), (3 << 14, 1 << 16, 0.75)])
def test_rounding_up_happens_with_probability_equal_to_the_fraction(x_value, divisor, expected_up):
    p = make_parties(2)
    count = 100_000
    x = torch.full((count,), x_value)
    error = reconstruct(truncate(p, shared(p, x), divisor)) - x_value // divisor
    sigma = (expected_up * (1 - expected_up) / count) ** 0.5
    assert abs(error.double().mean().item() - expected_up) < 6 * sigma


@pytest.mark.parametrize("divisor", [1, 3, 1000, 1 << 16, 10**12])
def test_three_parties_and_other_divisors(divisor):
    p = make_parties(3)
    x = sample_values(20_000, seed=3)
    result = reconstruct(truncate(p, shared(p, x), divisor))
    assert set((result - floor_div(x, divisor)).unique().tolist()) <= ({0} if divisor == 1 else {0, 1})


def test_truncation_opens_one_masked_value():
    p = make_parties(2)
    truncate(p, shared(p, torch.arange(10)), 1000)
    assert p.rounds == 1 and [o.label for o in p.opened] == ["trunc.c"]


@pytest.mark.parametrize("divisor", [0, -5, 1 << 62])
def test_bad_divisors_are_refused(divisor):
    p = make_parties(2)
    with pytest.raises(ValueError):
        truncate(p, shared(p, torch.arange(3)), divisor)


def test_local_truncation_is_close_for_small_values():
    p = make_parties(2)
    x = random_int64((100_000,), 8, bits=30)
    result = reconstruct(local_truncate(p, shared(p, x), 1000))
    assert set((result - floor_div(x, 1000)).unique().tolist()) <= {0, 1}
    assert p.rounds == 0
    with pytest.raises(ValueError):
        local_truncate(make_parties(3), shared(make_parties(3), x), 1000)


def test_local_truncation_failure_rate_is_about_x_over_2_64():
    # x uniform in (-2^b, 2^b): mean |x| = 2^(b-1), so the rate should be about 2^(b-65).
    rates = {b: measure_local_truncation_failure(b, trials=200_000) for b in (60, 56)}
    print(f"\nlocal truncation failure rate (D=1000): {rates}; theory 2^-5 = 0.031, 2^-9 = 0.0020")
    assert 0.025 < rates[60] < 0.038
    assert 0.001 < rates[56] < 0.003


def test_scaled_add_many_updates_every_tensor_in_two_rounds():
    from pyprivate.crypto import PRNG, Dealer, LocalParties, reconstruct, share
    from pyprivate.crypto.truncation import scaled_add_many

    p = LocalParties(2, Dealer(PRNG(seed=1)))
    gen = torch.Generator().manual_seed(0)
    ts = [torch.randint(-10**9, 10**9, s, generator=gen) for s in ((30, 4), (7,))]
    xs = [torch.randint(-10**9, 10**9, s, generator=gen) for s in ((30, 4), (7,))]
    out = scaled_add_many(p, [share(t, 2, PRNG(2)) for t in ts], [share(x, 2, PRNG(3)) for x in xs], -20, 1000)
    assert p.rounds == 1  # one opening for all tensors (then a local finish)
    for o, t, x in zip(out, ts, xs):
        error = reconstruct(o) - (t + torch.div(x * -20, 1000, rounding_mode="floor"))
        assert set(error.unique().tolist()) <= {0, 1}
