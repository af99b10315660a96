"""Lesson 1's checked exercises: the reference answers pass every check, typical mistakes get their hint."""

import pytest
import torch

from pyprivate.exercises.lesson01 import check

UNFINISHED = "Replace the ... with your answer, then run the cell again."


pytestmark = pytest.mark.usefixtures("english")


# -- reference answers, as in notebooks/en/01-pointers.md --------------------

def product_with_transpose(matrix, worker):
    m = matrix.send(worker)
    return (m @ m.T).get()


def move(pointer, destination):
    return pointer.get().send(destination)


def fetched_w(backward=True, fetch=True, twice=False, of=lambda w, v: (w * v).sum()):
    """w after the steps of exercise 4, sent to a worker of its own."""
    from pyprivate import VirtualWorker
    bob = VirtualWorker(id="bob")
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True).send(bob)
    v = torch.tensor([1.0, 2.0, 3.0]).send(bob)
    for _ in range(2 if twice else 1 if backward else 0):
        of(w, v).backward()
    return w.get() if fetch else w


def test_the_reference_answers_pass_every_check():
    assert check.q1(3)
    assert check.q2(product_with_transpose) and check.q2.hidden(product_with_transpose)
    assert check.q3(move) and check.q3.hidden(move)
    assert check.q4(fetched_w())
    assert check.assert_all_passed()


@pytest.mark.parametrize("answer, message", [
    (5, "5 counts more messages than the command messages."),
    (4, "4 counts more messages than the command messages."),
    (1, "One line of code is not one command."),
    (2, "2 is not the number of command messages Bob receives."),
    (3.0, "Expected a whole number (an int), got float."),
])
def test_q1_wrong_counts(answer, message):
    verdict = check.q1(answer)
    assert not verdict and verdict.message == message and verdict.hint


def test_q2_computing_here_returning_a_pointer_or_the_wrong_product_fail_with_their_message():
    def computes_here(matrix, worker):
        return matrix @ matrix.T

    def keeps_the_pointer(matrix, worker):
        m = matrix.send(worker)
        return m @ m.T

    def transpose_first(matrix, worker):
        m = matrix.send(worker)
        return (m.T @ m).get()

    def brings_it_back_first(matrix, worker):
        m = matrix.send(worker).get()
        return m @ m.T

    assert check.q2(computes_here).message == "dana received no command: the product was not computed at the worker."
    assert check.q2(brings_it_back_first).message.startswith("dana received no command")
    assert check.q2(keeps_the_pointer).message == "Your function returned a pointer to the result at dana."
    verdict = check.q2(transpose_first)
    assert verdict.message == "Your result has shape [3, 3], but m @ m.T has shape [2, 2]."
    assert "n×n" in verdict.hint


def test_q2_hidden_catches_a_function_that_only_works_for_the_public_case():
    def only_two_rows(matrix, worker):
        m = matrix.send(worker)
        return (m @ m.T).get()[:2, :2]

    assert check.q2(only_two_rows)
    hidden = check.q2.hidden(only_two_rows)
    assert not hidden and hidden.message == "Your result has shape [2, 2], but m @ m.T has shape [4, 4]."


def test_q3_a_forward_send_a_copy_a_local_tensor_or_the_old_pointer_fail_with_their_message():
    verdict = check.q3(lambda pointer, destination: pointer.send(destination))
    assert verdict.message == "The tensor did not move: erin now holds a pointer to it, and dana still holds the data."
    assert verdict.hint == (".send() on a pointer sends the pointer, not the data. Bring the values here with .get() "
                            "first, then .send() them to the destination.")
    copy = check.q3(lambda pointer, destination: pointer.clone().get().send(destination))
    assert copy.message == "dana still holds the tensor: you made a copy, not a move."
    assert check.q3(lambda pointer, destination: pointer.get()).message == \
        "Your function returned Tensor, not a pointer to the tensor at erin."
    assert check.q3(lambda pointer, destination: pointer).message == "Your pointer points to dana, not to erin."


def test_q3_hidden_moves_along_three_workers_and_a_scalar():
    def always_floats(pointer, destination):  # loses the dtype on the way
        return pointer.get().float().send(destination)

    assert check.q3(always_floats)
    assert check.q3.hidden(always_floats).message == "The tensor at erin is not the one that was at dana."


def test_q4_a_pointer_no_backward_or_the_wrong_gradient_fail_with_their_message():
    assert check.q4(fetched_w(fetch=False)).message == "w is still a pointer to the tensor at bob."
    verdict = check.q4(fetched_w(backward=False))
    assert verdict.message == "w has no gradient." and "backward()" in verdict.hint
    twice = check.q4(fetched_w(twice=True))
    assert twice.message == "The gradient of w is [2.0, 4.0, 6.0], which is not the gradient of (w * v).sum()."
    assert check.q4(fetched_w(of=lambda w, v: w.sum())).message.startswith("The gradient of w is [1.0, 1.0, 1.0]")


@pytest.mark.parametrize("exercise", ["q1", "q2", "q3", "q4"])
def test_an_unfinished_answer_is_not_yet_and_never_raises(exercise):
    assert check.exercises[exercise](...).message == UNFINISHED
    if exercise in ("q2", "q3"):
        def unfinished(*args):
            """As the student edition writes it."""
            ...

        def forgets_to_return(*args):
            len(args)

        for run in (check.exercises[exercise], check.exercises[exercise].hidden):
            assert run(unfinished).message == UNFINISHED
            verdict = run(forgets_to_return)
            assert not verdict and verdict.message == "Your function returned None."
