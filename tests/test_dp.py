"""sy.dp: every epsilon against a closed form or Opacus's accountant, every mechanism against its distribution."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import pyprivate as sy
from pyprivate import dp


def gen(seed):
    return torch.Generator().manual_seed(seed)


def test_randomized_response_estimate_and_epsilon():
    truth = torch.rand(200_000, generator=gen(0)) < 0.3
    answers = dp.randomized_response(truth, 0.5, generator=gen(1))
    assert abs(dp.rr_estimate(answers, 0.5) - 0.3) < 0.01
    assert dp.rr_epsilon(0.5) == pytest.approx(math.log(3))
    # The definition: P[yes | yes] / P[yes | no] = e^epsilon.
    ratio = answers[truth].float().mean() / answers[~truth].float().mean()
    assert float(ratio) == pytest.approx(math.exp(dp.rr_epsilon(0.5)), rel=0.03)
    assert dp.rr_epsilon(0.0) == 0.0  # a fair coin only: nothing about the truth
    with pytest.raises(ValueError, match="with 1 the answer is the truth itself"):
        dp.randomized_response(truth, 1.0)


def test_laplace_noise_has_scale_sensitivity_over_epsilon():
    noisy = dp.laplace_mechanism(torch.zeros(200_000), sensitivity=2.0, epsilon=0.5, generator=gen(2))
    assert float(noisy.abs().mean()) == pytest.approx(4.0, rel=0.02)  # E|Laplace(b)| = b
    assert abs(float(noisy.mean())) < 0.05
    with pytest.raises(ValueError, match="epsilon must be positive"):
        dp.laplace_mechanism(1.0, 1.0, 0.0)


def test_gaussian_sigma_is_the_classic_bound():
    assert dp.gaussian_sigma(1.0, 0.5, 1e-5) == pytest.approx(math.sqrt(2 * math.log(1.25e5)) / 0.5)
    noisy = dp.gaussian_mechanism(torch.zeros(100_000), 1.0, 0.5, 1e-5, generator=gen(3))
    assert float(noisy.std()) == pytest.approx(dp.gaussian_sigma(1.0, 0.5, 1e-5), rel=0.02)
    with pytest.raises(ValueError, match="epsilon < 1"):
        dp.gaussian_sigma(1.0, 2.0, 1e-5)


def test_basic_composition_adds_up():
    assert dp.basic_composition([0.5, 0.25, 1.0]) == (1.75, 0.0)
    assert dp.basic_composition([0.1] * 3, [1e-5] * 3) == (pytest.approx(0.3), pytest.approx(3e-5))


def test_per_sample_gradients_are_each_examples_own():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
    x, y = torch.randn(6, 5), torch.randint(0, 3, (6,))
    grads = dp.per_sample_gradients(model, F.cross_entropy, x, y)
    for i in range(6):
        model.zero_grad()
        F.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        for name, p in model.named_parameters():
            assert torch.allclose(grads[name][i], p.grad, atol=1e-6)


def test_a_dp_sgd_step_clips_each_example_and_adds_noise():
    torch.manual_seed(5)
    model = nn.Linear(5, 3)
    x, y = torch.randn(8, 5), torch.randint(0, 3, (8,))
    before = [p.detach().clone() for p in model.parameters()]
    reference = nn.Linear(5, 3)
    reference.load_state_dict(model.state_dict())
    F.cross_entropy(reference(x), y, reduction="sum").backward()
    # No clipping, no noise: plain SGD on the summed gradient over the expected batch size.
    dp.dp_sgd_step(model, F.cross_entropy, x, y, clip=1e6, noise_multiplier=0.0, lr=0.1, expected_batch_size=8)
    for p, q, b in zip(model.parameters(), reference.parameters(), before):
        assert torch.allclose(p.detach(), b - 0.1 * q.grad / 8, atol=1e-6)
    # A tight clip: the update is at most lr * clip * batch / expected batch size in norm.
    model.load_state_dict(dict(zip(["weight", "bias"], before)))
    norm = dp.dp_sgd_step(model, F.cross_entropy, x, y, clip=0.01, noise_multiplier=0.0, lr=1.0,
                          expected_batch_size=8)
    moved = math.sqrt(sum(float(((p.detach() - b) ** 2).sum()) for p, b in zip(model.parameters(), before)))
    assert norm > 0.01 and moved <= 0.01 + 1e-6
    # An empty Poisson batch is a step of noise only.
    dp.dp_sgd_step(model, F.cross_entropy, x[:0], y[:0], clip=1.0, noise_multiplier=1.0, lr=0.1,
                   expected_batch_size=8, generator=gen(6))
    assert len(dp.poisson_batch(1000, 0.05, generator=gen(7))) in range(25, 80)


@pytest.mark.filterwarnings("ignore:Secure RNG turned off", "ignore:Full backward hook is firing")
def test_epsilon_matches_opacus_training():
    """Our accountant call gives the epsilon Opacus's PrivacyEngine reports for the same training."""
    from opacus import PrivacyEngine

    torch.manual_seed(8)
    data = torch.utils.data.TensorDataset(torch.randn(256, 5), torch.randint(0, 3, (256,)))
    loader = torch.utils.data.DataLoader(data, batch_size=32)
    model = nn.Linear(5, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    engine = PrivacyEngine()
    model, optimizer, loader = engine.make_private(module=model, optimizer=optimizer, data_loader=loader,
                                                   noise_multiplier=1.1, max_grad_norm=1.0)
    steps = 0
    for _ in range(2):
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
            steps += 1
    ours = dp.epsilon_of(1.1, 32 / 256, steps, 1e-5)
    assert ours == pytest.approx(engine.get_epsilon(1e-5), rel=1e-6)
    assert dp.epsilon_of(1.1, 32 / 256, steps, 1e-5, accountant="rdp") > ours  # RDP's bound is looser
    with pytest.raises(ValueError, match="accountant must be one of"):
        dp.epsilon_of(1.1, 0.1, 10, 1e-5, accountant="gdp")


def test_pate_votes_and_bound():
    votes = torch.tensor([[1, 1, 1, 2], [0, 0, 2, 2]] * 50)
    clear = dp.noisy_votes(votes[:1].repeat(100, 1), 3, gamma=100.0, generator=gen(9))
    assert torch.equal(clear, torch.ones(100, dtype=torch.long))  # little noise: the plurality
    noisy = dp.noisy_votes(votes, 3, gamma=0.05, generator=gen(10))
    assert set(noisy.tolist()) >= {0, 1, 2}  # much noise: any class
    assert dp.pate_epsilon(0.05, 100) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="gamma must be positive"):
        dp.noisy_votes(votes, 3, gamma=0.0)


def test_the_membership_attack_measures_separation():
    perfect = dp.loss_threshold_attack(torch.tensor([0.01, 0.02, 0.03]), torch.tensor([1.0, 2.0, 3.0]))
    assert perfect.advantage == 1.0 and perfect.accuracy == 1.0 and 0.029 < perfect.threshold < 1.0
    same = torch.rand(4000, generator=gen(11))
    blind = dp.loss_threshold_attack(same[:2000], same[2000:])
    assert blind.advantage < 0.06  # no better than chance, up to sampling noise


def test_dp_fedavg_clips_updates_and_splits_the_noise():
    update = [torch.full((3,), 2.0), torch.full((4,), 2.0)]  # norm 2 * sqrt(7)
    clipped, norm = dp.clip_update(update, 1.0)
    assert norm == pytest.approx(2 * math.sqrt(7))
    assert math.sqrt(sum(float((c ** 2).sum()) for c in clipped)) == pytest.approx(1.0)
    assert dp.clip_update(update, 100.0)[0][0].equal(update[0])  # already small enough: unchanged
    shares = [dp.noise_share([torch.zeros(50_000)], 1.5, 2.0, 5, generator=gen(20 + i))[0] for i in range(5)]
    assert float(sum(shares).std()) == pytest.approx(3.0, rel=0.02)  # noise_multiplier * clip, from five shares
    assert float(shares[0].std()) == pytest.approx(3.0 / math.sqrt(5), rel=0.02)


def test_sy_dp_is_the_package():
    assert sy.dp is dp
