"""Checked exercises of lesson 9, differential privacy: estimating from randomized answers, a private count,
per-example clipping, and the epsilon of a DP-SGD training.

Every check compares with a closed form or with sy.dp, on data of its own, and leaves the learner's random
state as it was.
"""

import torch

from .. import dp
from ..i18n import N_
from .checklist import Checklist, answer_of, expect
from .common import expect_function, expect_tensor

check = Checklist("09-differential-privacy")


def _expect_float(value, name):
    expect(isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)),
           N_("Expected a Python number (a float) for {name}, got {kind}."), name=name, kind=type(value).__name__,
           hint=N_("Turn a one-element tensor into a number with .item()."))


# -- q1: estimating from randomized answers -------------------------------------------------------


def _check_estimate(estimate_rate, rate, p_truth, seed):
    expect_function(estimate_rate)
    generator = torch.Generator().manual_seed(seed)
    truth = torch.rand(20_000, generator=generator) < rate
    answers = dp.randomized_response(truth, p_truth, generator=generator)
    with torch.random.fork_rng(devices=[]):
        result = answer_of(estimate_rate, answers.clone(), p_truth)
    _expect_float(result, "estimate_rate(...)")
    want = dp.rr_estimate(answers, p_truth)
    observed = answers.float().mean().item()
    expect(abs(result - observed) > 1e-9 or abs(want - observed) < 1e-9,
           N_("You returned the observed rate of yes, {got:.3f}: it still contains the coins' answers."),
           got=result, hint=N_("Observed = p_truth * rate + (1 - p_truth) / 2: solve for the rate."))
    expect(abs(result - want) < 1e-6, N_("Your estimate is {got:.3f}, but the answers point to {want:.3f}."),
           got=result, want=want,
           hint=N_("Subtract the coins' share of yes, (1 - p_truth) / 2, then divide by p_truth."))


@check.exercise("q1", N_("Estimate from randomized answers"))
def _(estimate_rate):
    _check_estimate(estimate_rate, 0.3, 0.5, seed=1)


@check.hidden("q1")
def _(estimate_rate):
    _check_estimate(estimate_rate, 0.7, 0.25, seed=2)
    _check_estimate(estimate_rate, 0.05, 0.9, seed=3)


# -- q2: a private count ------------------------------------------------------------------------------


def _check_count(private_count, epsilon, seed):
    expect_function(private_count)
    values = torch.randn(500, generator=torch.Generator().manual_seed(seed))
    true = int((values > 0.5).sum())
    generator = torch.Generator().manual_seed(seed + 100)
    with torch.random.fork_rng(devices=[]):
        first = answer_of(private_count, values.clone(), 0.5, epsilon, generator)
        _expect_float(first, "private_count(...)")
        expect(first != true, N_("Your count is exactly the true count, {want}: it needs noise."), want=true,
               hint=N_("Add Laplace noise with sy.dp.laplace_mechanism."))
        answers = torch.tensor([first] + [float(answer_of(private_count, values.clone(), 0.5, epsilon, generator))
                                          for _ in range(1999)])
        repeat = float(answer_of(private_count, values.clone(), 0.5, epsilon,
                                 torch.Generator().manual_seed(seed + 100)))
    expect(repeat == first, N_("The same generator gave a different answer: your noise does not come from it."),
           hint=N_("Pass generator=generator to sy.dp.laplace_mechanism."))
    expect(abs(answers.mean().item() - true) < 0.3, N_("On average your counts are {got:.1f}, but the true count is "
                                                       "{want}."), got=answers.mean().item(), want=true,
           hint=N_("Count the values above the threshold: (values > threshold).sum()."))
    spread = (answers - true).abs().mean().item()  # the mean absolute deviation of Laplace(b) is b
    expect(abs(spread - 1 / epsilon) < 0.1 / epsilon,
           N_("Your noise has a typical size of {got:.2f}; for epsilon = {epsilon} it should be {want:.2f}."),
           got=spread, epsilon=epsilon, want=1 / epsilon,
           hint=N_("One person changes a count by at most 1: the sensitivity is 1."))


@check.exercise("q2", N_("A private count"))
def _(private_count):
    _check_count(private_count, 0.5, seed=4)


@check.hidden("q2")
def _(private_count):
    _check_count(private_count, 2.0, seed=5)


# -- q3: per-example clipping -------------------------------------------------------------------------


def _check_clip(clip_each, shape, clip, seed):
    expect_function(clip_each)
    grads = torch.randn(shape, generator=torch.Generator().manual_seed(seed)) * torch.linspace(0.1, 3, shape[0]).view(-1, 1)
    result = answer_of(clip_each, grads.clone(), clip)
    expect_tensor(result)
    expect(result.shape == grads.shape, N_("Expected the shape {want}, got {got}."), want=list(grads.shape),
           got=list(result.shape), hint=N_("Scale each row; keep the shape."))
    norms = grads.norm(dim=1)
    expect(bool((result.norm(dim=1) <= clip + 1e-5).all()),
           N_("Some rows still have a norm above {clip}."), clip=clip,
           hint=N_("Compute each row's norm with grads.norm(dim=1, keepdim=True)."))
    small = norms <= clip
    expect(torch.allclose(result[small], grads[small], atol=1e-6),
           N_("You changed rows whose norm was already at most {clip}."), clip=clip,
           hint=N_("Scale by min(1, clip / norm): rows under the limit stay as they are."))
    want = grads * (clip / norms.view(-1, 1)).clamp(max=1.0)
    expect(torch.allclose(result, want, atol=1e-5),
           N_("The clipped rows do not point the same way as before, or are not exactly at norm {clip}."),
           clip=clip, hint=N_("Multiply the whole row by clip / norm; do not clip each element."))


@check.exercise("q3", N_("Clip each example"))
def _(clip_each):
    _check_clip(clip_each, (6, 4), 1.0, seed=6)


@check.hidden("q3")
def _(clip_each):
    _check_clip(clip_each, (20, 7), 0.5, seed=7)


# -- q4: the epsilon of a training ---------------------------------------------------------------------


def _check_epsilon(training_epsilon, sigma, batch_size, n, epochs, delta):
    expect_function(training_epsilon)
    result = answer_of(training_epsilon, sigma, batch_size, n, epochs, delta)
    _expect_float(result, "training_epsilon(...)")
    q = batch_size / n
    want = dp.epsilon_of(sigma, q, int(epochs / q), delta)
    if abs(result - want) < 1e-3 * want:
        return
    expect(abs(result - dp.epsilon_of(sigma, q, epochs, delta)) > 1e-3 * want,
           N_("You counted one step per epoch, but each epoch has n_examples / batch_size steps."),
           hint=N_("steps = epochs * n_examples / batch_size."))
    expect(False, N_("Your epsilon is {got:.3f}, but this training costs {want:.3f}."), got=result, want=want,
           hint=N_("sample_rate = batch_size / n_examples, steps = int(epochs / sample_rate)."))


@check.exercise("q4", N_("The epsilon of a training"))
def _(training_epsilon):
    _check_epsilon(training_epsilon, 1.0, 64, 2000, 3, 1e-5)


@check.hidden("q4")
def _(training_epsilon):
    _check_epsilon(training_epsilon, 1.5, 100, 60000, 10, 1e-6)
