"""Lesson 8's checked exercises: the reference solutions pass, typical wrong answers get the intended message,
and the checks leave the learner's random state as it was."""

import pytest
import torch
import torch.nn.functional as F

from pyprivate.exercises.lesson08 import check

pytestmark = pytest.mark.usefixtures("english")


def message(verdict):
    assert not verdict.passed
    return verdict.message


# -- reference solutions, as in notebooks/en/08-encrypted-inference.md ---------------------------


def encrypted_predict(model, images, workers, crypto_provider):
    shared = images.fix_precision().share(*workers, crypto_provider=crypto_provider)
    with torch.no_grad():
        classes = model(shared).argmax(dim=1)
    return classes.get().float_precision().long()


def conv_share(i, eps, delta, a, b, c):
    share = c + F.conv2d(eps, b) + F.conv2d(a, delta)
    if i == 0:
        share = share + F.conv2d(eps, delta)
    return share


def max_pool_2x2(x):
    def larger(p, q):
        return q + (p > q) * (p - q)

    top = larger(x[..., 0::2, 0::2], x[..., 0::2, 1::2])
    bottom = larger(x[..., 1::2, 0::2], x[..., 1::2, 1::2])
    return larger(top, bottom)


def unfinished(*args):
    """What a student edition leaves of a function: its docstring and a blank."""
    ...


def test_the_reference_solutions_pass_every_check_and_keep_the_random_state():
    check.reset()
    state = torch.random.get_rng_state()
    assert check.q1(encrypted_predict) and check.q1.hidden(encrypted_predict)
    assert check.q2(conv_share) and check.q2.hidden(conv_share)
    assert check.q3(max_pool_2x2) and check.q3.hidden(max_pool_2x2)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert check.assert_all_passed()


def test_unfinished_answers_are_not_yet_and_never_raise():
    for exercise in (check.q1, check.q2, check.q3):
        assert message(exercise(...)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(42)) == "Expected a function, got int."


# -- q1 ------------------------------------------------------------------------------------------


def test_opening_the_scores_is_refused_as_a_leak():
    def scores_then_argmax(model, images, workers, crypto_provider):
        shared = images.fix_precision().share(*workers, crypto_provider=crypto_provider)
        with torch.no_grad():
            return model(shared).get().float_precision().argmax(dim=1)

    assert message(check.q1(scores_then_argmax)) == "The scores came to you: only the classes may be revealed."


def test_classes_still_encoded_or_shared_or_float_get_their_message():
    def encoded(model, images, workers, crypto_provider):
        shared = images.fix_precision().share(*workers, crypto_provider=crypto_provider)
        with torch.no_grad():
            return model(shared).argmax(dim=1).get()

    def floats(model, images, workers, crypto_provider):
        return encrypted_predict(model, images, workers, crypto_provider).float()

    def first_half(model, images, workers, crypto_provider):
        return encrypted_predict(model, images[: len(images) // 2], workers, crypto_provider)

    assert message(check.q1(encoded)) == "Your classes are still in fixed point."
    assert message(check.q1(floats)) == "Your classes are floats; they should be whole numbers (int64)."
    assert message(check.q1(first_half)) == "Expected one class per image, 6 in all; you returned a tensor of shape [3]."


def test_wrong_classes_are_refused():
    def always_zero(model, images, workers, crypto_provider):
        return torch.zeros(len(images), dtype=torch.int64)

    assert message(check.q1(always_zero)).startswith("Your classes are [0, 0, 0")


# -- q2 ------------------------------------------------------------------------------------------


def test_the_public_term_counted_by_everyone_or_nobody_is_recognised():
    def everyone(i, eps, delta, a, b, c):
        return c + F.conv2d(eps, b) + F.conv2d(a, delta) + F.conv2d(eps, delta)

    def nobody(i, eps, delta, a, b, c):
        return c + F.conv2d(eps, b) + F.conv2d(a, delta)

    assert message(check.q2(everyone)) == "Every party added conv(eps, delta): it is counted 2 times."
    assert message(check.q2(nobody)) == "Nobody added conv(eps, delta)."


def test_a_float_share_or_a_wrong_formula_is_refused():
    def in_float(i, eps, delta, a, b, c):
        return conv_share(i, eps, delta, a, b, c).double()

    def swapped(i, eps, delta, a, b, c):
        return c + F.conv2d(a, b) + F.conv2d(eps, delta)

    assert message(check.q2(in_float)) == "Party 0's share should be an int64 tensor; yours is float64."
    assert message(check.q2(swapped)) == "The shares of your parties do not add up to conv2d(x, w)."


def test_two_party_only_answers_fail_the_hidden_check():
    def all_but_party_one(i, eps, delta, a, b, c):  # right for two parties only
        share = c + F.conv2d(eps, b) + F.conv2d(a, delta)
        return share if i == 1 else share + F.conv2d(eps, delta)

    assert check.q2(all_but_party_one)
    assert message(check.q2.hidden(all_but_party_one)) == "The shares of your parties do not add up to conv2d(x, w)."


# -- q3 ------------------------------------------------------------------------------------------


def test_calling_max_pool2d_is_turned_off():
    def builtin(x):
        return F.max_pool2d(x, 2)

    verdict = check.q3(builtin)
    assert message(verdict).startswith("Checking your answer raised RuntimeError: max_pool2d is off in this exercise")


def test_a_max_pool_that_breaks_on_shares_or_takes_the_wrong_windows_is_refused():
    def with_torch_max(x):
        return torch.maximum(torch.maximum(x[..., 0::2, 0::2], x[..., 0::2, 1::2]),
                             torch.maximum(x[..., 1::2, 0::2], x[..., 1::2, 1::2]))

    def rows_only(x):
        return x[..., 0::2, :] + (x[..., 1::2, :] > x[..., 0::2, :]) * (x[..., 1::2, :] - x[..., 0::2, :])

    assert message(check.q3(with_torch_max)).startswith("Checking your answer raised")
    assert message(check.q3(rows_only)) == "Expected the shape [1, 2, 2, 2], got [1, 2, 2, 4]."
