"""Checked exercises of lesson 5, encrypted MNIST: sharing a data loader, the cost of a
training step in integer products, and an encrypted accuracy count.

The checks use tiny images and models, shared among their own workers (``exercise_bob`` ...),
and compare every result with plain torch.
"""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..data import one_hot
from ..i18n import N_
from ..tensors import FixedPrecisionTensor
from .checklist import answer_of, Checklist, expect
from .common import NOT_A_FUNCTION, STILL_ENCODED_HINT, exercise_workers, expect_int

check = Checklist("05-encrypted-mnist")

CLASSES = 10
PRECISION = 3  # fractional digits, as the lesson's secret_share uses

ONE_HOT_HINT = N_("Turn each label into a row of ten numbers with a 1 at the label: sy.data.one_hot(labels). "
                  "F.one_hot needs the number of classes, because a batch may not contain every digit.")


def tiny_images(n_images, seed):
    """``n_images`` random 1×3×3 "images", normalised like MNIST (roughly mean 0, std 1)."""
    return torch.randn((n_images, 1, 3, 3), generator=torch.Generator().manual_seed(seed))


def reveal(shared):
    """The plain values of a shared fixed precision tensor (the check's own copy of the learner's batch)."""
    return shared.detach().get().float_precision()


# -- Exercise 1: a secret-shared data loader ---------------------------------------------------


def _check_batch(i, images, targets, plain_images, labels, workers, crypto_provider):
    for tensor in (images, targets):
        expect(isinstance(tensor, FixedPrecisionTensor) and tensor.is_shared,
               N_("The images or the targets of batch {i} are not secret-shared."), i=i,
               hint=N_("Encode them with .fix_precision() and split them with "
                       ".share(*workers, crypto_provider=crypto_provider)."))
        holders = [worker.id for worker in tensor.child.workers]
        expect(holders == [worker.id for worker in workers],
               N_("The shares of batch {i} are held by {got}, not by the workers passed to your function."),
               i=i, got=", ".join(holders), hint=N_("Share among workers, the list your function receives."))
        expect(tensor.child.crypto_provider is crypto_provider,
               N_("Batch {i} has no crypto provider, or another one: products and comparisons on it would fail."),
               i=i, hint=N_("Pass crypto_provider=crypto_provider to .share(...)."))
        expect(tensor.precision_fractional == PRECISION,
               N_("Batch {i} uses {got} fractional digits; use 3, as secret_share does."),
               i=i, got=tensor.precision_fractional)
    want = (len(labels), CLASSES)
    expect(tuple(targets.shape) == want,
           N_("The targets of batch {i} have the shape {got}, but one-hot rows of ten classes have the shape {want}."),
           i=i, got=list(targets.shape), want=list(want), hint=ONE_HOT_HINT)
    expect(tuple(images.shape) == tuple(plain_images.shape),
           N_("The images of batch {i} have the shape {got}, but the loader's have the shape {want}."),
           i=i, got=list(images.shape), want=list(plain_images.shape))
    expect((reveal(images) - plain_images).abs().max().item() <= 0.5 * 10**-PRECISION + 1e-6,
           N_("The images of batch {i} are not the loader's images."), i=i,
           hint=N_("Share the images as they come from the loader, batch by batch, in their order."))
    expect(torch.equal(reveal(targets), one_hot(labels, CLASSES)),
           N_("The targets of batch {i} are not the one-hot rows of its labels."), i=i, hint=ONE_HOT_HINT)


def _check_share_batches(share_batches, labels, batch_size, n_workers, seed):
    expect(callable(share_batches), NOT_A_FUNCTION, kind=type(share_batches).__name__)
    images = tiny_images(len(labels), seed)
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size)
    workers, crypto_provider = exercise_workers(n_workers)
    with torch.random.fork_rng(devices=[]):  # iterating a DataLoader draws a seed from torch's global state
        batches = answer_of(share_batches, loader, workers, crypto_provider)
        plain_batches = list(loader)
    expect(isinstance(batches, (list, tuple)), N_("Expected a list of batches, got {kind}."),
           kind=type(batches).__name__, hint=N_("Build a list with one (images, targets) pair per batch."))
    expect(len(batches) == len(loader), N_("Your function returned {got} batches; the loader has {want}."),
           got=len(batches), want=len(loader),
           hint=N_("Make one (images, targets) pair for every batch of the loader, the last, smaller one too."))
    for i, (batch, (plain_images, batch_labels)) in enumerate(zip(batches, plain_batches)):
        expect(isinstance(batch, (list, tuple)) and len(batch) == 2,
               N_("Batch {i} should be a pair (images, targets), got {kind}."), i=i, kind=type(batch).__name__)
        _check_batch(i, *batch, plain_images, batch_labels, workers, crypto_provider)


@check.exercise("q1", N_("A secret-shared data loader"))
def _(share_batches):
    labels = torch.tensor([3, 1, 0, 2, 9, 4, 5, 6, 7, 8])  # the first batch has no 4 to 9
    _check_share_batches(share_batches, labels, batch_size=4, n_workers=2, seed=1)


@check.hidden("q1")
def _(share_batches):
    _check_share_batches(share_batches, torch.tensor([2, 0, 1, 1, 0, 2, 2]), batch_size=3, n_workers=3, seed=2)
    _check_share_batches(share_batches, torch.tensor([9]), batch_size=64, n_workers=2, seed=3)


# -- Exercise 2: the cost of one training step in integer matrix products ----------------------


NETWORK_LAYERS = 2  # exercise 2: 784 → 128 → 10
PARTIES = 2  # the workers that hold shares


def secure_products_per_step(layers):
    """Secure matrix products of one training step of ``layers`` linear layers, without a
    gradient for the input: one per layer forward; backward, every weight's gradient and the
    gradient passed back to each layer but the first."""
    return layers + layers + (layers - 1)


def int64_products_per_secure_product(workers):
    """Each worker computes eps @ b_i and a_i @ delta; the crypto provider computes c = a @ b."""
    return 2 * workers + 1


@check.exercise("q2", N_("The cost of a training step"))
def _(secure_products, int64_products):
    expect_int(secure_products, "secure_products")
    expect_int(int64_products, "int64_products")
    want = secure_products_per_step(NETWORK_LAYERS)
    expect(secure_products >= want,
           N_("{got} secure products are too few: the backward pass multiplies matrices too."),
           got=secure_products,
           hint=N_("Forward, each layer multiplies once. Backward, each layer needs the gradient of its "
                   "weight, and each layer but the first passes a gradient back to its input."))
    expect(secure_products == want,
           N_("{got} secure products are too many."), got=secure_products,
           hint=N_("The first layer need not pass a gradient back: the images do not require one."))
    expect(int64_products == want * int64_products_per_secure_product(PARTIES),
           N_("{got} is not what {n} secure products cost in products of int64 matrices."),
           got=int64_products, n=want,
           hint=N_("Each worker computes two products in a Beaver product, eps @ b_i and a_i @ delta, and "
                   "the crypto provider one, to deal the triple c = a @ b."))


# -- Exercise 3: an encrypted accuracy count ---------------------------------------------------


def small_classifier(n_inputs, n_classes, seed):
    """Linear, ReLU, Linear with reproducible weights; torch's global random state is left as it was.

    The last layer is scaled up so that no two classes come close to a tie, which the rounding
    of fixed precision could break differently from plaintext.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(n_inputs, 6), nn.ReLU(), nn.Linear(6, n_classes))
    with torch.no_grad():
        for parameter in model[-1].parameters():
            parameter.mul_(4)
    return model


def accuracy_case(batch_sizes, n_classes, n_workers, seed, all_correct=False):
    """A shared model and shared test batches, and how many test images the plaintext model gets right.

    The labels are the plaintext predictions, except for every third image (unless ``all_correct``).
    """
    images = tiny_images(sum(batch_sizes), seed)
    model = small_classifier(images[0].numel(), n_classes, seed)
    with torch.no_grad():
        predicted = model(images).argmax(dim=1)
    wrong = torch.arange(len(images)) % 3 == 1 if not all_correct else torch.zeros(len(images), dtype=torch.bool)
    labels = torch.where(wrong, (predicted + 1) % n_classes, predicted)
    plain_correct = (predicted == labels).sum().item()
    workers, crypto_provider = exercise_workers(n_workers)

    def share(tensor):
        return tensor.fix_precision().share(*workers, crypto_provider=crypto_provider)

    model.fix_precision().share(*workers, crypto_provider=crypto_provider)
    batches = [(share(x), share(y.float())) for x, y in zip(images.split(batch_sizes), labels.split(batch_sizes))]
    return model, batches, workers, plain_correct


def _count(correct):
    expect(not isinstance(correct, FixedPrecisionTensor),
           N_("Your function returned a fixed precision tensor, not the count as a number."),
           hint=STILL_ENCODED_HINT)
    is_number = isinstance(correct, (int, float)) and not isinstance(correct, bool)
    is_scalar = torch.is_tensor(correct) and correct.numel() == 1
    expect(is_number or is_scalar, N_("Expected the number of correct predictions as a number, got {kind}."),
           kind=type(correct).__name__)
    return float(correct)


def _check_count(count_correct, cases):
    expect(callable(count_correct), NOT_A_FUNCTION, kind=type(count_correct).__name__)
    for case in cases:
        model, batches, workers, want = accuracy_case(**case)
        got = _count(answer_of(count_correct, model, batches))
        reveals = max(sum(record.kind == "get" for record in worker.message_log) for worker in workers)
        expect(reveals == 1, N_("Your function revealed {n} values; reveal only the final count, once."), n=reveals,
               hint=N_("Add up the matches of every batch while they are still shared, and call .get() "
                       "once, at the end."))
        expect(abs(got - want) < 0.5,
               N_("Your function counted {got} correct predictions; the plaintext model gets {want} right."),
               got=f"{got:g}", want=want,
               hint=N_("For each batch the predicted class is output.argmax(dim=1). Compare it with the "
                       "targets with eq, and add up the matches of all batches."))


PUBLIC_COUNT_CASES = [dict(batch_sizes=[4, 4], n_classes=3, n_workers=2, seed=10)]
HIDDEN_COUNT_CASES = [dict(batch_sizes=[3, 3, 1], n_classes=5, n_workers=3, seed=3),  # three workers, a batch of one
                      dict(batch_sizes=[4, 2], n_classes=4, n_workers=2, seed=16, all_correct=True)]


@check.exercise("q3", N_("An encrypted accuracy count"))
def _(count_correct):
    _check_count(count_correct, PUBLIC_COUNT_CASES)


@check.hidden("q3")
def _(count_correct):
    _check_count(count_correct, HIDDEN_COUNT_CASES)
