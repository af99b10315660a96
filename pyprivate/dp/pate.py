"""PATE (Papernot et al., 2017): teachers vote, a noisy count of the votes labels the student's data.

Each teacher is trained on its own disjoint part of the private data and
votes for a class. Adding or removing one person changes one teacher's vote,
so at most two vote counts by one each. Reporting the class with the highest
count after adding Laplace noise of scale 1/gamma to every count is
(2 gamma)-DP per answered query; Q queries cost at most 2 gamma Q (the
data-independent bound, by basic composition; the paper's data-dependent
analysis is tighter when teachers agree).
"""

import torch

from .mechanisms import laplace_mechanism


def noisy_votes(votes: torch.Tensor, n_classes: int, gamma: float, generator=None) -> torch.Tensor:
    """The noisy-argmax label of each query: ``votes`` is (queries, teachers) of class numbers."""
    if gamma <= 0:
        raise ValueError(f"gamma must be positive, not {gamma}: the noise has scale 1 / gamma")
    counts = torch.stack([(votes == c).sum(dim=1) for c in range(n_classes)], dim=1)
    noisy = laplace_mechanism(counts.double(), sensitivity=1.0, epsilon=gamma, generator=generator)
    return noisy.argmax(dim=1)


def pate_epsilon(gamma: float, queries: int) -> float:
    """The data-independent bound: 2 * gamma per answered query, summed."""
    return 2 * gamma * queries
