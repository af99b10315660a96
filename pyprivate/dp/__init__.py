"""Differential privacy: what a result may reveal about one person, and how noise bounds it.

Lesson 9 uses these, each small and tested against a closed form or Opacus:

* :mod:`.local`: randomized response (local DP), its estimate and its epsilon;
* :mod:`.mechanisms`: the Laplace and Gaussian mechanisms, and composition;
* :mod:`.sgd`: DP-SGD written out (per-sample gradients, clipping, noise,
  Poisson sampling) and its epsilon from Opacus's accountants;
* :mod:`.pate`: PATE's noisy vote and its data-independent bound;
* :mod:`.membership`: a loss-threshold membership-inference attack;
* :mod:`.federated`: DP-FedAvg's clipping and noise, also split among workers.

Opacus (``pip install "opacus>=1.6,<1.7"``, in the notebook extra) is only
imported where an accountant is asked for.
"""

from .federated import clip_update, noise_share
from .local import randomized_response, rr_epsilon, rr_estimate
from .mechanisms import basic_composition, gaussian_mechanism, gaussian_sigma, laplace_mechanism
from .membership import AttackResult, loss_threshold_attack, per_example_losses
from .pate import noisy_votes, pate_epsilon
from .sgd import dp_sgd_step, epsilon_of, per_sample_gradients, poisson_batch

__all__ = [
    "AttackResult", "basic_composition", "clip_update", "dp_sgd_step", "epsilon_of", "gaussian_mechanism",
    "gaussian_sigma", "laplace_mechanism", "loss_threshold_attack", "noise_share", "noisy_votes", "pate_epsilon",
    "per_example_losses", "per_sample_gradients", "poisson_batch", "randomized_response", "rr_epsilon",
    "rr_estimate",
]
