"""Lesson 2's checked exercises: the reference answers pass every check, typical mistakes get their hint."""

import pytest
import torch

from pyprivate.exercises.lesson02 import check

UNFINISHED = "Replace the ... with your answer, then run the cell again."


pytestmark = pytest.mark.usefixtures("english")


# -- reference answers, as in notebooks/en/02-federated-learning.md ------------

def federated_step(model, opt, data, target):
    model.send(data.location)
    opt.zero_grad()
    loss = ((model(data) - target) ** 2).sum()
    loss.backward()
    opt.step()
    model.get()
    return loss.get()


def recover_record(weight_before, bias_before, weight_after, bias_after):
    return (weight_before - weight_after) / (bias_before - bias_after)


def average_models(models, counts):
    states = [model.state_dict() for model in models]
    average = models[0].copy()
    with torch.no_grad():
        for name, value in average.state_dict().items():
            value.copy_(sum(count * state[name] for count, state in zip(counts, states)) / sum(counts))
    return average


def test_the_reference_answers_pass_every_check():
    assert check.q1(federated_step) and check.q1.hidden(federated_step)
    assert check.q2(20)
    assert check.q3(recover_record) and check.q3.hidden(recover_record)
    assert check.q4(average_models) and check.q4.hidden(average_models)
    assert check.assert_all_passed()


def test_the_checks_leave_the_notebooks_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    check.q1.hidden(federated_step)
    check.q4.hidden(average_models)
    assert torch.equal(torch.rand(3), expected)


def step_without(skip):
    """The reference step with one of its parts left out (or done wrong)."""
    def step(model, opt, data, target):
        if skip == "fetch the data":
            data, target = data.get(), target.get()
        else:
            model.send(data.location)
        opt.zero_grad()
        loss = ((model(data) - target) ** 2)
        loss = loss.mean() if skip == "sum" else loss.sum()
        loss.backward()
        if skip != "step":
            opt.step()
        if skip not in ("get", "fetch the data"):
            model.get()
        return loss if skip in ("loss.get", "fetch the data") else loss.get()
    return step


@pytest.mark.parametrize("skip, message", [
    ("get", "After your function, the model is still at dana."),
    ("step", "The model's parameters did not change."),
    ("fetch the data", "Your function brought the data back from dana: the data must stay with its owner."),
    ("loss.get", "Your function returned a pointer to the loss."),
    ("sum", "Your function returned the loss 0.1899, but the squared error summed over the batch is 0.3798."),
])
def test_q1_typical_mistakes(skip, message):
    verdict = check.q1(step_without(skip))
    assert not verdict and verdict.message == message and verdict.hint


def test_q1_a_python_number_is_not_the_loss():
    def returns_a_number(model, opt, data, target):
        return federated_step(model, opt, data, target).item()

    verdict = check.q1(returns_a_number)
    assert verdict.message == "Your function should return the loss, a tensor with one value; it returned float."
    assert verdict.hint == "Return loss.get(): a tensor, not a Python number."


def test_q1_hidden_catches_a_step_with_an_optimizer_of_its_own():
    def own_optimizer(model, opt, data, target):  # the lesson's lr=0.1, not the optimizer it was given
        model.send(data.location)
        own = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = ((model(data) - target) ** 2).sum()
        loss.backward()
        own.step()
        model.get()
        return loss.get()

    assert check.q1(own_optimizer)
    hidden = check.q1.hidden(own_optimizer)
    assert not hidden and hidden.message == \
        "After the step at dana, the parameters differ from one step of plain PyTorch training."


@pytest.mark.parametrize("answer, message", [
    (10, "10 counts one message for each visit of the model."),
    (40, "40 also counts the messages that Alice receives."),
    (30, "30 is the number of get messages."),
    (22, "The data was sent before the loop started."),
    (21, "21 is not the number of send messages Bob receives in the loop."),
    ("20", "Expected a whole number (an int), got str."),
])
def test_q2_wrong_counts(answer, message):
    verdict = check.q2(answer)
    assert not verdict and verdict.message == message and verdict.hint


def test_q3_typical_mistakes():
    def weight_change_only(weight_before, bias_before, weight_after, bias_after):
        return weight_before - weight_after

    def after_divided(weight_before, bias_before, weight_after, bias_after):
        return weight_after / bias_after

    def upside_down(weight_before, bias_before, weight_after, bias_after):
        return (bias_before - bias_after) / (weight_before - weight_after)

    verdict = check.q3(weight_change_only)
    assert verdict.message == "You returned the change of the weight: that is the record times the change of the bias."
    assert verdict.hint == "Divide the weight's change by the bias's change: dW = db × x."
    for wrong in (after_divided, upside_down):
        verdict = check.q3(wrong)
        assert not verdict and verdict.message.startswith("Your function returned [[")
        assert verdict.message.endswith("but the record was [[35.0, 1.64, 58.0, 0.0]].")


def test_q3_hidden_uses_other_sizes_and_losses():
    def first_four_features(weight_before, bias_before, weight_after, bias_after):
        return ((weight_before - weight_after) / (bias_before - bias_after))[:, :4]

    assert check.q3(first_four_features)
    assert not check.q3.hidden(first_four_features)


def weighted_sum(models, counts):
    states = [model.state_dict() for model in models]
    average = models[0].copy()
    with torch.no_grad():
        for name, value in average.state_dict().items():
            value.copy_(sum(count * state[name] for count, state in zip(counts, states)))
    return average


def test_q4_typical_mistakes():
    def unweighted(models, counts):
        return average_models(models, [1] * len(models))

    def in_place(models, counts):
        average = models[0]
        states = [{k: v.clone() for k, v in model.state_dict().items()} for model in models]
        with torch.no_grad():
            for name, value in average.state_dict().items():
                value.copy_(sum(c * s[name] for c, s in zip(counts, states)) / sum(counts))
        return average

    assert check.q4(unweighted).message == "Every model got the same weight, but the counts are [100, 300]."
    verdict = check.q4(weighted_sum)
    assert verdict.message == "Your parameters are the weighted sum, not the weighted average."
    assert verdict.hint == "Divide by the total count, 400."
    assert check.q4(in_place).message == "Your function changed the models it averaged."
    assert check.q4(lambda models, counts: models[0].state_dict()).message == \
        "Your function should return a model (an nn.Module), it returned OrderedDict."


def test_q4_hidden_uses_more_models_a_zero_count_and_a_single_model():
    def two_models_only(models, counts):
        return average_models(models[:2], counts[:2])

    assert check.q4(two_models_only)
    hidden = check.q4.hidden(two_models_only)
    assert not hidden and hidden.message.startswith("For the counts [500, 500, 500], the parameter")


@pytest.mark.parametrize("exercise", ["q1", "q2", "q3", "q4"])
def test_an_unfinished_answer_is_not_yet_and_never_raises(exercise):
    assert check.exercises[exercise](...).message == UNFINISHED
    if exercise != "q2":
        def unfinished(*args):
            """As the student edition writes it."""
            ...

        def forgets_to_return(*args):
            len(args)

        for run in (check.exercises[exercise], check.exercises[exercise].hidden):
            assert run(unfinished).message == UNFINISHED
            verdict = run(forgets_to_return)
            assert not verdict and verdict.message == "Your function returned None."
