"""DP-SGD (Abadi et al., 2016) written out, step by step, and its epsilon from Opacus's accountants.

Each step: (1) draw a batch by Poisson sampling, each example in with
probability q; (2) compute each example's own gradient (``torch.func``:
``vmap(grad(...))`` over the batch); (3) clip each one to L2 norm C, so no
example moves the model by more than C; (4) add Gaussian noise of standard
deviation sigma * C to their sum; (5) divide by the expected batch size and
take an SGD step. The accountant turns (sigma, q, steps) into epsilon.
"""

import torch
from torch.func import functional_call, grad, vmap


def poisson_batch(n: int, sample_rate: float, generator=None) -> torch.Tensor:
    """Indices of a Poisson-sampled batch: each of ``n`` examples independently with ``sample_rate``."""
    return torch.nonzero(torch.rand(n, generator=generator) < sample_rate).flatten()


def per_sample_gradients(model, loss_fn, images, labels) -> dict:
    """``{parameter name: gradients of shape (batch, *parameter shape)}``, one per example."""
    params = {name: p.detach() for name, p in model.named_parameters()}

    def loss_of_one(params, image, label):
        output = functional_call(model, params, (image.unsqueeze(0),))
        return loss_fn(output, label.unsqueeze(0))

    return vmap(grad(loss_of_one), in_dims=(None, 0, 0))(params, images, labels)


def dp_sgd_step(model, loss_fn, images, labels, *, clip: float, noise_multiplier: float, lr: float,
                expected_batch_size: float, generator=None) -> float:
    """One DP-SGD step on a (Poisson-sampled) batch.

    Returns the mean L2 norm of the per-example gradients before clipping
    (compare it with ``clip``: much larger means most gradients are cut).
    """
    if len(images) == 0:  # Poisson sampling can draw an empty batch: the step is then noise only
        grads = {name: torch.zeros((0, *p.shape)) for name, p in model.named_parameters()}
    else:
        grads = per_sample_gradients(model, loss_fn, images, labels)
    norms = torch.sqrt(sum((g.flatten(1) ** 2).sum(dim=1) for g in grads.values()))
    mean_norm = float(norms.mean()) if len(images) else 0.0
    factors = (clip / (norms + 1e-6)).clamp(max=1.0)
    with torch.no_grad():
        for name, param in model.named_parameters():
            clipped_sum = (grads[name] * factors.view(-1, *[1] * (grads[name].dim() - 1))).sum(dim=0)
            noise = noise_multiplier * clip * torch.randn(param.shape, generator=generator)
            param -= lr * (clipped_sum + noise) / expected_batch_size
    return mean_norm


def epsilon_of(noise_multiplier: float, sample_rate: float, steps: int, delta: float, accountant: str = "prv") -> float:
    """Epsilon after ``steps`` steps of DP-SGD, from Opacus's accountant ("prv", its default, or "rdp")."""
    from opacus.accountants import PRVAccountant, RDPAccountant

    kinds = {"prv": PRVAccountant, "rdp": RDPAccountant}
    if accountant not in kinds:
        raise ValueError(f"accountant must be one of {sorted(kinds)}, not {accountant!r}")
    tracker = kinds[accountant]()
    tracker.history = [(noise_multiplier, sample_rate, steps)]
    if accountant == "rdp":  # Opacus's orders, widened at both ends so that the best one is inside
        return float(tracker.get_epsilon(delta, alphas=RDP_ORDERS))
    return float(tracker.get_epsilon(delta))


RDP_ORDERS = [1 + x / 100 for x in range(1, 10)] + [1 + x / 10 for x in range(1, 100)] + list(range(12, 64)) + [
    64, 96, 128, 256, 512, 1024]
