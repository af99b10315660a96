"""DP-FedAvg (McMahan et al., 2018): clip each worker's update, add Gaussian noise to their sum.

With each update clipped to L2 norm ``clip``, one worker changes the sum by
at most ``clip``; Gaussian noise of standard deviation noise_multiplier *
clip on the sum bounds what the average reveals about one worker's data.
Under secure aggregation nobody may add the noise after summing (nobody sees
the sum before it is revealed), so each of n workers adds a share of it:
independent Gaussians of variance sigma^2 / n add up to one of variance
sigma^2, and no worker's own contribution hides fewer bits than that.
"""

import math

import torch


def clip_update(update: list, clip: float) -> tuple[list, float]:
    """The update (one tensor per parameter) scaled to L2 norm at most ``clip``, and its norm before."""
    norm = math.sqrt(sum(float((u.double() ** 2).sum()) for u in update))
    factor = min(1.0, clip / norm) if norm > 0 else 1.0
    return [u * factor for u in update], norm


def noise_share(update: list, clip: float, noise_multiplier: float, n_workers: int, generator=None) -> list:
    """One worker's share of the sum's noise: N(0, (noise_multiplier * clip)^2 / n_workers) per element."""
    std = noise_multiplier * clip / math.sqrt(n_workers)
    return [std * torch.randn(u.shape, generator=generator, dtype=u.dtype) for u in update]
