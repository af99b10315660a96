"""The Laplace and Gaussian mechanisms (global DP), and how epsilons add up.

A query's sensitivity is the most its answer can change when one person is
added or removed. Adding Laplace noise of scale sensitivity / epsilon makes
the answer epsilon-DP. The Gaussian mechanism with
sigma = sensitivity * sqrt(2 ln(1.25 / delta)) / epsilon is (epsilon, delta)-DP
for epsilon < 1 (Dwork and Roth, Theorem A.1). Answering k queries costs at
most the sum of their epsilons (basic composition).
"""

import math

import torch


def _check_epsilon(epsilon):
    if epsilon <= 0:
        raise ValueError(f"epsilon must be positive, not {epsilon}: smaller epsilon means more noise")


def laplace_mechanism(value, sensitivity: float, epsilon: float, generator=None) -> torch.Tensor:
    """``value`` plus Laplace noise of scale sensitivity / epsilon: epsilon-DP."""
    _check_epsilon(epsilon)
    value = torch.as_tensor(value, dtype=torch.float64)
    uniform = torch.rand(value.shape, generator=generator, dtype=torch.float64) - 0.5
    noise = -(sensitivity / epsilon) * torch.sign(uniform) * torch.log1p(-2 * uniform.abs())
    return value + noise


def gaussian_sigma(sensitivity: float, epsilon: float, delta: float) -> float:
    """The classic Gaussian mechanism's noise: sensitivity * sqrt(2 ln(1.25 / delta)) / epsilon (for epsilon < 1)."""
    _check_epsilon(epsilon)
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), not {delta}")
    if epsilon >= 1:
        raise ValueError(f"the classic Gaussian mechanism's bound holds for epsilon < 1, not {epsilon}")
    return sensitivity * math.sqrt(2 * math.log(1.25 / delta)) / epsilon


def gaussian_mechanism(value, sensitivity: float, epsilon: float, delta: float, generator=None) -> torch.Tensor:
    """``value`` plus Gaussian noise of ``gaussian_sigma(...)``: (epsilon, delta)-DP."""
    value = torch.as_tensor(value, dtype=torch.float64)
    sigma = gaussian_sigma(sensitivity, epsilon, delta)
    return value + sigma * torch.randn(value.shape, generator=generator, dtype=torch.float64)


def basic_composition(epsilons, deltas=None) -> tuple[float, float]:
    """(sum of epsilons, sum of deltas): the privacy cost of answering all the queries."""
    epsilons = list(epsilons)
    return float(sum(epsilons)), float(sum(deltas)) if deltas is not None else 0.0
