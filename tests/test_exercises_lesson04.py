"""Lesson 4's checked exercises: the reference solutions pass, typical wrong answers get the intended message."""

import pytest
import torch

from pyprivate.exercises import lesson04
from pyprivate.exercises.lesson04 import check


pytestmark = pytest.mark.usefixtures("english")


def message(verdict):
    assert not verdict.passed
    return verdict.message


# -- reference solutions, as in notebooks/en/04-encrypted-network.md -----------------------------


def encrypted_prediction(model, data, workers, crypto_provider):
    model = model.copy().fix_precision().share(*workers, crypto_provider=crypto_provider)
    data = data.fix_precision().share(*workers, crypto_provider=crypto_provider)
    with torch.no_grad():
        pred = model(data)
    return pred.get().float_precision()


def train_step(model, data, target, optimizer):
    optimizer.zero_grad()
    loss = ((model(data) - target) ** 2).sum()
    loss.backward()
    optimizer.step()
    return loss.get().float_precision().item()


def unfinished(*args):
    """What a student edition leaves of a function: its docstring and a blank."""
    ...


def forgets_to_return(*args):
    args[0]


def test_the_reference_solutions_pass_every_check():
    check.reset()
    assert check.q1(8, 0)
    assert check.q2(encrypted_prediction) and check.q2.hidden(encrypted_prediction)
    assert check.q3(train_step) and check.q3.hidden(train_step)
    assert check.q4(4, 0.00005)
    assert check.assert_all_passed()


def test_unfinished_answers_are_not_yet_and_never_raise():
    assert message(check.q1(..., ...)) == "Replace the ... with your answer, then run the cell again."
    assert message(check.q4(4, ...)) == "Replace the ... with your answer, then run the cell again."
    for exercise in (check.q2, check.q3):
        assert message(exercise(...)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise.hidden(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(forgets_to_return)) == "Your function returned None."


# -- exercise 1 --------------------------------------------------------------------------------


def test_q1_the_count_is_measured_from_the_workers_stores():
    assert lesson04.measured_holdings() == (8, 0)


@pytest.mark.parametrize("bob_holds", [6, 5, 16])
def test_q1_forgetting_biases_or_the_data_is_not_yet(bob_holds):
    assert message(check.q1(bob_holds, 0)) == (
        f"Bob holds {bob_holds} objects? Count the tensors that were shared: the data, the target, "
        "and every parameter of the three layers.")


@pytest.mark.parametrize("james_holds", [8, 4])
def test_q1_the_crypto_provider_holds_no_share(james_holds):
    assert message(check.q1(8, james_holds)) == (
        "James is the crypto provider: he holds no share of the data, the target or the model.")


def test_q1_wants_whole_numbers():
    assert message(check.q1(8.0, 0)) == "Expected a whole number (an int) for bob_holds, got float."


# -- exercise 2 --------------------------------------------------------------------------------


def plaintext_prediction(model, data, workers, crypto_provider):
    with torch.no_grad():
        return model(data)


def encrypts_the_callers_model(model, data, workers, crypto_provider):
    model.fix_precision().share(*workers, crypto_provider=crypto_provider)
    data = data.fix_precision().share(*workers, crypto_provider=crypto_provider)
    with torch.no_grad():
        pred = model(data)
    model.get().float_precision()  # back to plain numbers, but rounded to 3 digits
    return pred.get().float_precision()


def not_decoded(model, data, workers, crypto_provider):
    model = model.copy().fix_precision().share(*workers, crypto_provider=crypto_provider)
    data = data.fix_precision().share(*workers, crypto_provider=crypto_provider)
    with torch.no_grad():
        return model(data).get()


def sent_in_the_clear(model, data, workers, crypto_provider):
    model, data = model.copy().send(workers[0]), data.send(workers[0])
    with torch.no_grad():
        return model(data).get()


def without_crypto_provider(model, data, workers, crypto_provider):
    model = model.copy().fix_precision().share(*workers)
    with torch.no_grad():
        return model(data.fix_precision().share(*workers)).get().float_precision()


def test_q2_a_plaintext_prediction_is_right_but_not_encrypted():
    assert message(check.q2(plaintext_prediction)) == "The workers passed to your function received no shares."
    assert message(check.q2.hidden(plaintext_prediction)) == "The workers passed to your function received no shares."


def test_q2_the_callers_model_must_stay_plaintext():
    assert message(check.q2(encrypts_the_callers_model)) == "Your function changed the model it was given."


def test_q2_the_prediction_must_be_decoded():
    assert message(check.q2(not_decoded)) == (
        "Your function returned a fixed precision tensor, not the prediction in plain numbers.")


def test_q2_sending_the_model_and_data_to_one_worker_leaks_them():
    assert message(check.q2(sent_in_the_clear)) == (
        "Worker exercise_bob received a float tensor: a value in the clear. The workers must receive only shares.")


def test_q2_an_error_in_the_answer_becomes_a_verdict():
    assert message(check.q2(without_crypto_provider)).startswith("Checking your answer raised CryptoProviderError")


def test_q2_hidden_checks_other_shapes_and_three_workers():
    def only_two_workers(model, data, workers, crypto_provider):
        return encrypted_prediction(model, data, workers[:2], crypto_provider)

    assert check.q2(only_two_workers)
    assert message(check.q2.hidden(only_two_workers)) == "The workers passed to your function received no shares."


# -- exercise 3 --------------------------------------------------------------------------------


def without_zero_grad(model, data, target, optimizer):
    loss = ((model(data) - target) ** 2).sum()
    loss.backward()
    optimizer.step()
    return loss.get().float_precision().item()


def without_update(model, data, target, optimizer):
    optimizer.zero_grad()
    loss = ((model(data) - target) ** 2).sum()
    loss.backward()
    return loss.get().float_precision().item()


def mean_loss(model, data, target, optimizer):
    optimizer.zero_grad()
    loss = ((model(data) - target) ** 2).mean()
    loss.backward()
    optimizer.step()
    return loss.get().float_precision().item()


def loss_not_revealed(model, data, target, optimizer):
    optimizer.zero_grad()
    loss = ((model(data) - target) ** 2).sum()
    loss.backward()
    optimizer.step()
    return loss


def reveals_the_prediction_too(model, data, target, optimizer):
    optimizer.zero_grad()
    pred = model(data)
    loss = ((pred - target) ** 2).sum()
    loss.backward()
    optimizer.step()
    pred.copy().get()
    return loss.get().float_precision().item()


SAME_STEP_HINT = ("Does each step start with optimizer.zero_grad(), and end with loss.backward() "
                  "and optimizer.step()?")


@pytest.mark.parametrize("answer, step", [(without_zero_grad, 3), (without_update, 2)])
def test_q3_a_step_that_does_not_train_like_sgd_is_found(answer, step):
    verdict = check.q3(answer)
    assert message(verdict).startswith(f"Step {step} gives the loss ")
    assert verdict.hint == SAME_STEP_HINT
    assert not check.q3.hidden(answer)


def test_q3_the_loss_is_the_sum_of_squared_errors():
    assert message(check.q3(mean_loss)).startswith("Your first loss is 0.66")


def test_q3_the_loss_must_be_revealed_and_decoded():
    assert message(check.q3(loss_not_revealed)) == (
        "Your function returned a fixed precision tensor, not the loss as a number.")


def test_q3_only_the_loss_is_revealed():
    assert message(check.q3(reveals_the_prediction_too)) == (
        "Your step revealed 2 values; only the loss should leave the workers.")


def test_q3_a_step_with_another_learning_rate_is_found():
    def half_step(model, data, target, optimizer):
        for group in optimizer.param_groups:
            group["lr"] = 0.05
        return train_step(model, data, target, optimizer)

    verdict = check.q3(half_step)
    assert message(verdict).startswith("Step 2 gives the loss ")
    assert verdict.hint == SAME_STEP_HINT


def test_q3_the_weights_are_compared_with_plaintext_training():
    """The last step's update shows in no revealed loss, only in the weights."""
    def faster_last_step(model, data, target, optimizer):
        faster_last_step.steps += 1
        if faster_last_step.steps == 3:
            for group in optimizer.param_groups:
                group["lr"] = 0.5
        return train_step(model, data, target, optimizer)

    faster_last_step.steps = 0
    verdict = check.q3(faster_last_step)
    assert message(verdict).startswith("After 3 steps, the weights differ from plaintext training by up to ")
    assert verdict.hint == SAME_STEP_HINT


# -- exercise 4 --------------------------------------------------------------------------------


def test_q4_the_ranges_are_the_lessons():
    assert [round(lesson04.largest_value(d), -2) for d in (3, 4)] == [47_500, 4_700]
    assert lesson04.largest_value(5) < 1000 <= lesson04.largest_value(4)


def test_q4_the_error_bound_is_what_encoding_does():
    values = torch.linspace(-1000, 1000, 200_001, dtype=torch.float64) + 0.000049
    decoded = (values * 10**4).round() / 10**4
    assert (decoded - values).abs().max().item() <= 0.00005 + 1e-12


def test_q4_too_many_and_too_few_digits():
    assert message(check.q4(5, 0.000005)) == (
        "With 5 fractional digits the largest value you may encode is about 475, so 1000 does not fit.")
    assert message(check.q4(3, 0.0005)) == (
        "3 fractional digits work, but with one more the range is still about 4745.")


@pytest.mark.parametrize("error", [0.0001, 0.0005, 0.00001])
def test_q4_the_error_is_half_a_unit_of_the_last_digit(error):
    verdict = check.q4(4, error)
    assert message(verdict) == f"{error} is not the largest rounding error with 4 fractional digits."
    assert verdict.hint == ("The encoding rounds to the nearest multiple of 0.0001. How far from the nearest "
                            "multiple can a number be?")


def test_checks_leave_torch_global_random_state_alone():
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    check.q1(8, 0)
    check.q3(train_step)
    assert torch.equal(torch.rand(3), expected)


def test_checks_leave_the_lessons_workers_alone(bob, alice, james):
    assert check.q2(encrypted_prediction) and check.q3(train_step)
    assert not any(worker.message_log or worker._objects for worker in (bob, alice, james))
