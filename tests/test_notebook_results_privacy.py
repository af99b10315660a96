"""Run lesson 9 (differential privacy) and hold its text to the numbers it prints."""

import pytest
from test_notebook_results import floats, notebook_path, output_of, run_notebook


@pytest.fixture(scope="module")
def lesson():
    return run_notebook(notebook_path("09-differential-privacy"))


def test_the_overfitted_model_gives_its_members_away(lesson):
    members, others = floats(r"([\d.]+)", output_of(lesson, "overfit = mlp()"))
    assert members < 0.01 and others > 0.3
    (advantage,) = floats(r"attack advantage ([\d.]+)", output_of(lesson, "attack = sy.dp.loss_threshold_attack"))
    assert advantage > 0.3


def test_randomized_response_and_the_mechanisms(lesson):
    true, _, estimate = floats(r"([\d.]+)", output_of(lesson, "truth = torch.rand(1000"))
    assert abs(estimate - true) < 0.06
    text = output_of(lesson, "sy.dp.gaussian_sigma(1.0, 0.5, 1e-5)")
    assert "σ = 9.7" in text and text.strip().endswith("cost ε = 1.0")


def test_dp_sgd_by_hand_and_its_accountants(lesson):
    (accuracy,) = floats(r"held-out accuracy ([\d.]+)%", output_of(lesson, "for step in range(steps)"))
    assert accuracy > 70
    prv, rdp = floats(r"ε = ([\d.]+) at", output_of(lesson, 'for accountant in ("prv", "rdp")'))
    assert 1 < prv < rdp < 5


def test_opacus_hits_its_target_and_privacy_costs_accuracy(lesson):
    text = output_of(lesson, "model, engine, optimizer = train_with_opacus(3.0")
    assert abs(floats(r"ε = ([\d.]+)", text)[0] - 3.0) < 0.05
    text = output_of(lesson, "for target in (1.0, 3.0, 8.0, None)")
    eps1, eps3, eps8, no_dp = floats(r": ([\d.]+)%", text)
    assert eps1 < eps8 < no_dp and eps1 < eps3 and no_dp > 85


def test_dp_blunts_the_attack(lesson):
    before, after = floats(r"([\d.]+) (?:without DP|with ε)", output_of(lesson, "attack_dp = "))
    assert after < before / 2


def test_pate_and_dp_fedavg(lesson):
    text = output_of(lesson, "teachers = []")
    (labels_right,), (bound,) = floats(r"correct on ([\d.]+)%", text), floats(r"ε ≤ ([\d.]+)", text)
    (student,) = floats(r"test set: ([\d.]+)%", text)
    assert labels_right > 50 and bound == 100 and student > 50
    low_noise, high_noise = floats(r"held-out accuracy ([\d.]+)%", output_of(lesson, "for noise_multiplier in"))
    assert low_noise > high_noise + 20
