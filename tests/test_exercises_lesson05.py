"""Lesson 5's checked exercises: the reference solutions pass, typical wrong answers get the intended message."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn, optim

import pyprivate as sy
from pyprivate.crypto import beaver, bilinear
from pyprivate.exercises import lesson05
from pyprivate.exercises.lesson05 import check


pytestmark = pytest.mark.usefixtures("english")


def message(verdict):
    assert not verdict.passed
    return verdict.message


# -- reference solutions, as in notebooks/en/05-encrypted-mnist.md -------------------------------


def share_batches(loader, workers, crypto_provider):
    def secret_share(tensor):
        return (tensor.fix_precision(precision_fractional=3)
                .share(*workers, crypto_provider=crypto_provider, requires_grad=True))

    return [(secret_share(data), secret_share(sy.data.one_hot(target))) for data, target in loader]


def count_correct(model, private_test_loader):
    correct = 0
    with torch.no_grad():
        for data, target in private_test_loader:
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target.view_as(pred)).sum()
    return correct.get().float_precision().item()


def unfinished(*args):
    """What a student edition leaves of a function: its docstring and a blank."""
    ...


def forgets_to_return(*args):
    args[0]


def test_the_reference_solutions_pass_every_check():
    check.reset()
    assert check.q1(share_batches) and check.q1.hidden(share_batches)
    assert check.q2(5, 25)
    assert check.q3(count_correct) and check.q3.hidden(count_correct)
    assert check.assert_all_passed()


def test_unfinished_answers_are_not_yet_and_never_raise():
    assert message(check.q2(..., ...)) == "Replace the ... with your answer, then run the cell again."
    for exercise in (check.q1, check.q3):
        assert message(exercise(...)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise.hidden(unfinished)) == "Replace the ... with your answer, then run the cell again."
        assert message(exercise(forgets_to_return)) == "Your function returned None."


# -- exercise 1 --------------------------------------------------------------------------------


def shares_class_numbers(loader, workers, crypto_provider):
    share = lambda t: t.fix_precision().share(*workers, crypto_provider=crypto_provider)
    return [(share(data), share(target.float())) for data, target in loader]


def one_hot_without_classes(loader, workers, crypto_provider):
    share = lambda t: t.fix_precision().share(*workers, crypto_provider=crypto_provider)
    return [(share(data), share(F.one_hot(target).float())) for data, target in loader]


def not_shared(loader, workers, crypto_provider):
    return [(data, sy.data.one_hot(target)) for data, target in loader]


def without_crypto_provider(loader, workers, crypto_provider):
    share = lambda t: t.fix_precision().share(*workers)
    return [(share(data), share(sy.data.one_hot(target))) for data, target in loader]


def drops_the_last_batch(loader, workers, crypto_provider):
    return share_batches(loader, workers, crypto_provider)[:-1]


def test_q1_targets_must_be_one_hot_rows_of_ten():
    assert message(check.q1(shares_class_numbers)) == (
        "The targets of batch 0 have the shape [4], but one-hot rows of ten classes have the shape [4, 10].")
    verdict = check.q1(one_hot_without_classes)
    assert message(verdict) == (
        "The targets of batch 0 have the shape [4, 4], but one-hot rows of ten classes have the shape [4, 10].")
    assert "a batch may not contain every digit" in verdict.hint


def test_q1_batches_must_be_shared_with_a_crypto_provider():
    assert message(check.q1(not_shared)) == "The images or the targets of batch 0 are not secret-shared."
    assert message(check.q1(without_crypto_provider)) == (
        "Batch 0 has no crypto provider, or another one: products and comparisons on it would fail.")


def test_q1_every_batch_counts():
    assert message(check.q1(drops_the_last_batch)) == "Your function returned 2 batches; the loader has 3."


def test_q1_hidden_checks_three_workers_and_a_single_image():
    def among_two(loader, workers, crypto_provider):
        return share_batches(loader, workers[:2], crypto_provider)

    assert check.q1(among_two)
    assert message(check.q1.hidden(among_two)) == (
        "The shares of batch 0 are held by exercise_bob, exercise_alice, not by the workers passed to your function.")


# -- exercise 2 --------------------------------------------------------------------------------


def test_q2_forward_only_or_with_the_images_gradient_is_not_yet():
    assert message(check.q2(2, 10)) == "2 secure products are too few: the backward pass multiplies matrices too."
    verdict = check.q2(6, 30)
    assert message(verdict) == "6 secure products are too many."
    assert verdict.hint == "The first layer need not pass a gradient back: the images do not require one."


@pytest.mark.parametrize("int64_products", [10, 20, 15])
def test_q2_each_secure_product_costs_five_int64_products(int64_products):
    assert message(check.q2(5, int64_products)) == (
        f"{int64_products} is not what 5 secure products cost in products of int64 matrices.")


def test_q2_wants_whole_numbers():
    assert message(check.q2(5.0, 25)) == "Expected a whole number (an int) for secure_products, got float."


@pytest.mark.parametrize("images_require_grad, extra", [(False, 0), (True, 1)])
def test_q2_the_counts_are_what_the_library_computes(monkeypatch, hook_, images_require_grad, extra):
    """One steady-state training step of a two-layer network, counted inside the library."""
    counts = {"secure": 0, "int64": 0}
    secure_matmul, int64_matmul = beaver.matmul, bilinear.PRODUCTS["matmul"]

    def counted_secure(*args, **kwargs):
        counts["secure"] += 1
        return secure_matmul(*args, **kwargs)

    def counted_int64(a, b):
        counts["int64"] += 1
        return int64_matmul(a, b)

    finish = bilinear.matmul_finish

    def counted_finish(c, eps, b, a, delta):  # a party's two products, fused with the sums
        counts["int64"] += 2
        return finish(c, eps, b, a, delta)

    monkeypatch.setattr(beaver, "matmul", counted_secure)
    monkeypatch.setitem(bilinear.PRODUCTS, "matmul", counted_int64)
    monkeypatch.setattr(bilinear, "matmul_finish", counted_finish)
    workers = [sy.VirtualWorker(hook_, id=f"count{i}") for i in range(2)]
    provider = sy.VirtualWorker(hook_, id="count_provider")
    share = lambda t, grad: t.fix_precision().share(*workers, crypto_provider=provider, requires_grad=grad)
    model = nn.Sequential(nn.Linear(9, 5), nn.ReLU(), nn.Linear(5, 10))
    model.fix_precision().share(*workers, crypto_provider=provider, requires_grad=True)
    optimizer = optim.SGD(model.parameters(), lr=0.02).fix_precision()
    data = share(torch.randn(4, 9), images_require_grad)
    target = share(sy.data.one_hot(torch.tensor([1, 2, 3, 4])), True)
    for _ in range(2):  # the first step deals its own material as well as the next step's
        counts.update(secure=0, int64=0)
        optimizer.zero_grad()
        output = model(data)
        loss = ((output - target) ** 2).sum().refresh() / output.shape[0]
        loss.backward()
        optimizer.step()
        loss.get()
    secure = lesson05.secure_products_per_step(2) + extra
    assert counts == {"secure": secure, "int64": secure * lesson05.int64_products_per_secure_product(2)}


# -- exercise 3 --------------------------------------------------------------------------------


def reveals_each_batch(model, private_test_loader):
    correct = 0
    with torch.no_grad():
        for data, target in private_test_loader:
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target.view_as(pred)).sum().get().float_precision().item()
    return correct


def reveals_the_predictions(model, private_test_loader):
    correct = 0
    with torch.no_grad():
        for data, target in private_test_loader:
            pred = model(data).argmax(dim=1).get().float_precision()
            correct += (pred == target.get().float_precision()).sum().item()
    return correct


def counts_the_first_batch_only(model, private_test_loader):
    data, target = private_test_loader[0]
    with torch.no_grad():
        pred = model(data).argmax(dim=1)
    return pred.eq(target).sum().get().float_precision().item()


def count_not_decoded(model, private_test_loader):
    correct = 0
    with torch.no_grad():
        for data, target in private_test_loader:
            pred = model(data).argmax(dim=1)
            correct += pred.eq(target.view_as(pred)).sum()
    return correct.get()


def counts_the_images(model, private_test_loader):
    correct = 0
    with torch.no_grad():
        for data, target in private_test_loader:
            correct += (target == target).sum()
    return correct.get().float_precision().item()


def test_q3_only_the_final_count_is_revealed():
    verdict = check.q3(reveals_each_batch)
    assert message(verdict) == "Your function revealed 2 values; reveal only the final count, once."
    assert message(check.q3(reveals_the_predictions)) == (
        "Your function revealed 4 values; reveal only the final count, once.")


def test_q3_the_count_is_compared_with_plaintext():
    assert message(check.q3(counts_the_first_batch_only)) == (
        "Your function counted 3 correct predictions; the plaintext model gets 5 right.")
    assert message(check.q3(counts_the_images)) == (
        "Your function counted 8 correct predictions; the plaintext model gets 5 right.")


def test_q3_the_count_must_be_decoded():
    assert message(check.q3(count_not_decoded)) == (
        "Your function returned a fixed precision tensor, not the count as a number.")


@pytest.mark.parametrize("case", lesson05.PUBLIC_COUNT_CASES + lesson05.HIDDEN_COUNT_CASES)
def test_q3_cases_have_no_near_ties(case):
    """Fixed precision could break a near tie differently from plaintext; the margins are far larger."""
    images = lesson05.tiny_images(sum(case["batch_sizes"]), case["seed"])
    model = lesson05.small_classifier(images[0].numel(), case["n_classes"], case["seed"])
    top_two = model(images).detach().topk(2, dim=1).values
    assert (top_two[:, 0] - top_two[:, 1]).min() > 0.3


@pytest.mark.parametrize("case", lesson05.PUBLIC_COUNT_CASES + lesson05.HIDDEN_COUNT_CASES[:1])
def test_q3_no_shortcut_gives_the_count(case):
    shortcuts = (0, len(case["batch_sizes"]), case["batch_sizes"][0], sum(case["batch_sizes"]))
    assert lesson05.accuracy_case(**case)[3] not in shortcuts


def test_checks_leave_the_lessons_workers_and_random_state_alone(bob, alice, james):
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    assert check.q1(share_batches) and check.q3(count_correct)
    assert torch.equal(torch.rand(3), expected)
    assert not any(worker.message_log or worker._objects for worker in (bob, alice, james))
