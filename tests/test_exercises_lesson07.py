"""Lesson 7's checked exercises: the reference solutions pass, typical wrong answers get the intended message,
and the checks leave the learner's random state as it was."""

import pytest
import torch

from pyprivate.exercises import lesson07
from pyprivate.exercises.lesson07 import check

pytestmark = pytest.mark.usefixtures("english")


def message(verdict):
    assert not verdict.passed
    return verdict.message


# -- reference solutions, as in notebooks/en/07-secure-aggregation.md ---------------------------


def average_at(models, worker):
    for model in models:
        model.move(worker)
    averages = []
    for params in zip(*(model.parameters() for model in models)):
        total = params[0].data
        for param in params[1:]:
            total = total + param.data
        averages.append((total / len(models)).get())
    return averages


def secure_average(params, workers, crypto_provider):
    shared = [p.copy().fix_precision().share(*workers, crypto_provider=crypto_provider).get() for p in params]
    total = shared[0]
    for s in shared[1:]:
        total = total + s
    return total.get().float_precision() / len(params)


def mask_update(me, update, clients, masks):
    masked = update.clone()
    for other in clients:
        if other == me:
            continue
        if clients.index(other) > clients.index(me):
            masked = masked + masks[other]
        else:
            masked = masked - masks[other]
    return masked


def recover_sum(masked_sum, survivors, dropped, clients, masks):
    total = masked_sum.clone()
    for a in survivors:
        for b in dropped:
            if clients.index(a) < clients.index(b):
                total = total - masks[(a, b)]
            else:
                total = total + masks[(a, b)]
    return total


def unfinished(*args):
    """What a student edition leaves of a function: its docstring and a blank."""
    ...


def test_the_reference_solutions_pass_every_check_and_keep_the_random_state():
    check.reset()
    state = torch.random.get_rng_state()
    assert check.q1(average_at) and check.q1.hidden(average_at)
    assert check.q2(secure_average) and check.q2.hidden(secure_average)
    assert check.q3(mask_update) and check.q3.hidden(mask_update)
    assert check.q4(recover_sum) and check.q4.hidden(recover_sum)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert check.assert_all_passed()


def test_unfinished_answers_are_not_yet_and_never_raise():
    for exercise in (check.q1, check.q2, check.q3, check.q4):
        assert message(exercise(...)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(42)) == "Expected a function, got int."


# -- q1 ------------------------------------------------------------------------------------------


def test_fetching_the_models_to_average_them_here_is_refused():
    def fetch_and_average(models, worker):
        local = [model.get() for model in models]
        return [sum(params) / len(params) for params in zip(*(m.parameters() for m in local))]

    assert message(check.q1(fetch_and_average)) == ("You fetched parameters from exercise_bob, a model's owner: only "
                                                    "the averages may come to you.")


def test_moving_then_fetching_every_parameter_is_refused():
    def move_then_fetch(models, worker):
        for model in models:
            model.move(worker)
        fetched = [[p.copy().get() for p in model.parameters()] for model in models]
        return [sum(params) / len(params) for params in zip(*fetched)]

    assert message(check.q1(move_then_fetch)) == ("You fetched 4 tensors from exercise_james, but there are only 2 "
                                                  "averages: only the averages may come to you.")


def test_averages_that_are_sums_or_pointers_get_their_message():
    def sums(models, worker):
        for model in models:
            model.move(worker)
        return [(a.data + b.data).get() for a, b in zip(*(m.parameters() for m in models))]

    def pointers(models, worker):
        for model in models:
            model.move(worker)
        return [(a.data + b.data) / 2 for a, b in zip(*(m.parameters() for m in models))]

    assert message(check.q1(sums)).startswith("One of your averages is ")
    assert message(check.q1(pointers)) == "You returned pointers to the averages."


def test_an_average_that_skips_the_third_model_fails_only_the_hidden_check():
    def two_only(models, worker):
        for model in models:
            model.move(worker)
        return [((params[0].data + params[1].data) / 2).get() for params in zip(*(m.parameters() for m in models))]

    assert check.q1(two_only)
    assert message(check.q1.hidden(two_only)).startswith("One of your averages is ")


# -- q2 ------------------------------------------------------------------------------------------


def test_an_average_of_fetched_parameters_is_refused_as_a_leak():
    def fetched(params, workers, crypto_provider):
        return sum(p.copy().get() for p in params) / len(params)

    def encoded_then_fetched(params, workers, crypto_provider):
        return sum(p.copy().fix_precision().get().float_precision() for p in params) / len(params)

    for leaky in (fetched, encoded_then_fetched):
        assert message(check.q2(leaky)) == "One owner's parameter came to you in the clear: only the sum may be revealed."


def test_taking_a_parameter_from_its_owner_and_forgetting_to_decode_get_their_messages():
    def uses_up(params, workers, crypto_provider):  # the parameters go to the crypto provider, and stay there
        for p in params:
            p.move(crypto_provider)
        shared = [p.copy().fix_precision().share(*workers, crypto_provider=crypto_provider).get() for p in params]
        return (shared[0] + shared[1]).get().float_precision() / 2

    def still_encoded(params, workers, crypto_provider):
        shared = [p.copy().fix_precision().share(*workers, crypto_provider=crypto_provider).get() for p in params]
        return (shared[0] + shared[1]).get().child

    assert message(check.q2(uses_up)) == "A parameter is gone from its owner: your function took it away."
    assert message(check.q2(still_encoded)) == "Your average is still in fixed point (integers)."


def test_a_secure_sum_instead_of_the_average_is_not_yet():
    def secure_sum(params, workers, crypto_provider):
        return secure_average(params, workers, crypto_provider) * len(params)

    assert message(check.q2(secure_sum)).startswith("Your average is ")


# -- q3 and q4 -----------------------------------------------------------------------------------


def test_masks_that_do_not_cancel_or_nothing_masked_get_their_message():
    def adds_every_mask(me, update, clients, masks):
        return update + sum(masks.values())

    def no_mask(me, update, clients, masks):
        return update.clone()

    def reversed_signs(me, update, clients, masks):
        return 2 * update - mask_update(me, update, clients, masks)

    assert message(check.q3(adds_every_mask)) == ("With your masks, the server's sum is not the sum of the updates: "
                                                  "the masks do not cancel.")
    assert message(check.q3(no_mask)) == "bob's masked update is the update itself."
    assert message(check.q3(reversed_signs)) == ("bob comes first, so it should add every mask; your masked update "
                                                 "differs.")
    assert message(check.q3(lambda me, update, clients, masks: mask_update(me, update, clients, masks).double())
                   ).startswith("The masked update should be an int64 tensor of shape [2], like the update")


def test_the_masking_rule_matches_pairwise_masking():
    masks = lesson07.pairwise_masks(["bob", "alice", "charlie"], (3,), seed=9)
    update = torch.tensor([5, -7, 11])
    for me in ("bob", "alice", "charlie"):
        mine = {other: masks[(me, other)] for other in ("bob", "alice", "charlie") if other != me}
        assert torch.equal(mask_update(me, update, ["bob", "alice", "charlie"], mine),
                           lesson07.masked_as_protocol(me, update, ["bob", "alice", "charlie"], masks))


def test_recovery_with_the_wrong_signs_or_no_recovery_is_not_yet():
    def wrong_signs(masked_sum, survivors, dropped, clients, masks):
        return 2 * masked_sum - recover_sum(masked_sum, survivors, dropped, clients, masks)

    def nothing_removed(masked_sum, survivors, dropped, clients, masks):
        return masked_sum

    assert message(check.q4(wrong_signs)) == ("You added the masks that you should have removed, and removed those "
                                              "you should have added.")
    assert message(check.q4(nothing_removed)).startswith("Your sum is ")


def test_recovery_that_assumes_the_last_client_dropped_fails_only_the_hidden_check():
    def always_subtract(masked_sum, survivors, dropped, clients, masks):
        total = masked_sum.clone()
        for mask in masks.values():
            total = total - mask
        return total

    assert check.q4(always_subtract)
    assert not check.q4.hidden(always_subtract)
