"""Randomized response: each person adds the noise themselves (local differential privacy).

The survey: flip a coin. Heads, answer truthfully. Tails, flip again and
answer "yes" on heads, "no" on tails. With a first coin that shows heads
with probability p, a true "yes" says "yes" with probability p + (1-p)/2 and
a true "no" with probability (1-p)/2; the ratio bounds what one answer
reveals: epsilon = ln((1 + p) / (1 - p)), ln 3 for a fair coin.
"""

import math

import torch


def randomized_response(truth: torch.Tensor, p_truth: float = 0.5, generator=None) -> torch.Tensor:
    """Each person's noisy answer (bools): the truth with probability ``p_truth``, else a fair coin."""
    if not 0 <= p_truth < 1:
        raise ValueError(f"p_truth must be in [0, 1), not {p_truth}: with 1 the answer is the truth itself")
    truth = truth.bool()
    honest = torch.rand(truth.shape, generator=generator) < p_truth
    coin = torch.rand(truth.shape, generator=generator) < 0.5
    return torch.where(honest, truth, coin)


def rr_estimate(answers: torch.Tensor, p_truth: float = 0.5) -> float:
    """The estimated true rate of "yes": E[answer] = p * rate + (1 - p) / 2, solved for the rate."""
    observed = answers.float().mean().item()
    return (observed - (1 - p_truth) / 2) / p_truth


def rr_epsilon(p_truth: float = 0.5) -> float:
    """Epsilon of one randomized answer: ln(P[yes | yes] / P[yes | no]) = ln((1 + p) / (1 - p))."""
    return math.log((1 + p_truth) / (1 - p_truth))
