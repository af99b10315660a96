"""Lesson 9's checked exercises: the reference solutions pass, typical wrong answers get the intended message,
and the checks leave the learner's random state as it was."""

import pytest
import torch

import pyprivate as sy
from pyprivate.exercises.lesson09 import check

pytestmark = pytest.mark.usefixtures("english")


def message(verdict):
    assert not verdict.passed
    return verdict.message


# -- reference solutions, as in notebooks/en/09-differential-privacy.md ----------------------------


def estimate_rate(answers, p_truth):
    observed = answers.float().mean().item()
    return (observed - (1 - p_truth) / 2) / p_truth


def private_count(values, threshold, epsilon, generator):
    count = (values > threshold).sum()
    return sy.dp.laplace_mechanism(count, sensitivity=1.0, epsilon=epsilon, generator=generator).item()


def clip_each(grads, clip):
    norms = grads.norm(dim=1, keepdim=True)
    return grads * (clip / norms).clamp(max=1.0)


def training_epsilon(noise_multiplier, batch_size, n_examples, epochs, delta):
    sample_rate = batch_size / n_examples
    steps = int(epochs / sample_rate)
    return sy.dp.epsilon_of(noise_multiplier, sample_rate, steps, delta)


def unfinished(*args):
    """What a student edition leaves of a function: its docstring and a blank."""
    ...


def test_the_reference_solutions_pass_every_check_and_keep_the_random_state():
    check.reset()
    state = torch.random.get_rng_state()
    assert check.q1(estimate_rate) and check.q1.hidden(estimate_rate)
    assert check.q2(private_count) and check.q2.hidden(private_count)
    assert check.q3(clip_each) and check.q3.hidden(clip_each)
    assert check.q4(training_epsilon) and check.q4.hidden(training_epsilon)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert check.assert_all_passed()


def test_unfinished_answers_are_not_yet_and_never_raise():
    for exercise in (check.q1, check.q2, check.q3, check.q4):
        assert message(exercise(...)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(42)) == "Expected a function, got int."


def test_q1_the_observed_rate_or_a_tensor_is_refused():
    assert message(check.q1(lambda answers, p: answers.float().mean().item())).startswith(
        "You returned the observed rate of yes")
    assert message(check.q1(lambda answers, p: answers.float().mean())) == (
        "Expected a Python number (a float) for estimate_rate(...), got Tensor.")
    assert message(check.q1(lambda answers, p: answers.float().mean().item() / p)).startswith("Your estimate is ")


def test_q2_no_noise_wrong_sensitivity_or_another_generator_is_refused():
    def exact(values, threshold, epsilon, generator):
        return float((values > threshold).sum())

    def double_sensitivity(values, threshold, epsilon, generator):
        return sy.dp.laplace_mechanism((values > threshold).sum(), 2.0, epsilon, generator=generator).item()

    def own_generator(values, threshold, epsilon, generator):
        return sy.dp.laplace_mechanism((values > threshold).sum(), 1.0, epsilon).item()

    assert message(check.q2(exact)).startswith("Your count is exactly the true count")
    too_wide = message(check.q2(double_sensitivity))
    assert too_wide.startswith("Your noise has a typical size of 3.9") or too_wide.startswith(
        "Your noise has a typical size of 4.0")
    assert too_wide.endswith("for epsilon = 0.5 it should be 2.00.")
    assert message(check.q2(own_generator)) == ("The same generator gave a different answer: your noise does not "
                                                "come from it.")


def test_q3_clipping_elements_or_every_row_is_refused():
    assert message(check.q3(lambda grads, clip: grads.clamp(-clip, clip))).startswith("Some rows still have a norm")
    assert message(check.q3(lambda grads, clip: grads * clip / grads.norm(dim=1, keepdim=True))) == (
        "You changed rows whose norm was already at most 1.0.")


def test_q4_one_step_per_epoch_is_recognised():
    def per_epoch(noise_multiplier, batch_size, n_examples, epochs, delta):
        return sy.dp.epsilon_of(noise_multiplier, batch_size / n_examples, epochs, delta)

    def wrong_rate(noise_multiplier, batch_size, n_examples, epochs, delta):
        return sy.dp.epsilon_of(noise_multiplier, 1 / batch_size, int(epochs * n_examples / batch_size), delta)

    assert message(check.q4(per_epoch)) == ("You counted one step per epoch, but each epoch has n_examples / "
                                            "batch_size steps.")
    assert message(check.q4(wrong_rate)).startswith("Your epsilon is ")
