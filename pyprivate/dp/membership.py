"""A loss-threshold membership-inference attack (Yeom et al., 2018).

A model fits its training examples better than unseen ones, so its loss on
an example hints at whether that example was in the training set. The
attack guesses "member" when the loss is below a threshold; its advantage
is the best true-positive rate minus false-positive rate over thresholds (0
for guessing, 1 for a perfect attack). Differential privacy bounds it: an
epsilon-DP training gives an advantage of at most e^epsilon - 1.
"""

from typing import NamedTuple

import torch
import torch.nn.functional as F


class AttackResult(NamedTuple):
    advantage: float  # max over thresholds of TPR - FPR
    threshold: float  # the loss below which the attack says "member"
    accuracy: float  # of that threshold on a balanced set of members and non-members


def per_example_losses(model, images, labels) -> torch.Tensor:
    """The cross-entropy loss of each example, without gradients."""
    with torch.no_grad():
        return F.cross_entropy(model(images), labels, reduction="none")


def loss_threshold_attack(member_losses: torch.Tensor, nonmember_losses: torch.Tensor) -> AttackResult:
    """The best threshold attack on these losses, and how well it separates members from non-members."""
    members, others = member_losses.double().flatten(), nonmember_losses.double().flatten()
    thresholds = torch.cat([members, others]).unique()
    tpr = (members.unsqueeze(0) <= thresholds.unsqueeze(1)).double().mean(1)
    fpr = (others.unsqueeze(0) <= thresholds.unsqueeze(1)).double().mean(1)
    best = int(torch.argmax(tpr - fpr))
    advantage = float(tpr[best] - fpr[best])
    return AttackResult(max(advantage, 0.0), float(thresholds[best]), 0.5 + max(advantage, 0.0) / 2)
