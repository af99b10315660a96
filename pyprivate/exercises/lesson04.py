"""Checked exercises of lesson 4, an encrypted network: who holds what, encrypted prediction,
an encrypted training step, and how many fractional digits fit.

The checks share their own small models among their own workers (``exercise_bob`` ...), so
they never touch the lesson's workers, and compare every result with plain torch.
"""

import torch
from torch import nn, optim

from ..i18n import N_
from ..tensors import FixedPrecisionTensor
from ..tensors.encoding import FixedPointEncoder
from .checklist import answer_of, Checklist, expect
from .common import NOT_A_FUNCTION, NOT_A_TENSOR, STILL_ENCODED_HINT, exercise_workers, expect_int

check = Checklist("04-encrypted-network")

PREDICTION_TOLERANCE = 0.02  # a few rounding errors of 0.001, far below what a wrong answer changes
LOSS_TOLERANCE = 0.02  # relative to the loss (at least 1): measured deviations stay below 0.004
WEIGHT_TOLERANCE = 0.02  # measured deviations stay below 0.004; a missing zero_grad() changes weights by 0.5
INPUT_RANGE = 1000  # exercise 4: the largest input the data scientist expects

SAME_STEP_HINT = N_("Does each step start with optimizer.zero_grad(), and end with loss.backward() "
                    "and optimizer.step()?")


def small_net(sizes, seed):
    """Linear layers of ``sizes`` with ReLUs between them; reproducible, and torch's global
    random state is left as the learner had it."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = []
        for n_in, n_out in zip(sizes, sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        return nn.Sequential(*layers[:-1])


def random_data(shape, seed):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def reveals_per_worker(workers):
    """How many values were revealed since the logs were cleared: a reveal fetches one share from each worker."""
    return max(sum(record.kind == "get" for record in worker.message_log) for worker in workers)


def clear_logs(workers):
    for worker in workers:
        worker.message_log.clear()


def share(tensor, workers, crypto_provider):
    return tensor.fix_precision().share(*workers, crypto_provider=crypto_provider, requires_grad=True)


# -- Exercise 1: what each worker holds -------------------------------------------------------


def measured_holdings():
    """(objects at Bob, objects at James) after sharing data, target and a three-layer model."""
    (bob, alice), james = exercise_workers(2)
    data = share(random_data((4, 2), 1), [bob, alice], james)
    target = share(random_data((4, 1), 2), [bob, alice], james)
    model = small_net([2, 3, 2, 1], seed=3).fix_precision().share(bob, alice, crypto_provider=james)
    counts = len(bob._objects), len(james._objects)
    del data, target, model
    return counts


@check.exercise("q1", N_("What Bob and James hold"))
def _(bob_holds, james_holds):
    expect_int(bob_holds, "bob_holds")
    expect_int(james_holds, "james_holds")
    bob_count, james_count = measured_holdings()
    expect(bob_holds == bob_count,
           N_("Bob holds {got} objects? Count the tensors that were shared: the data, the target, "
              "and every parameter of the three layers."), got=bob_holds,
           hint=N_("Each nn.Linear has two parameters, a weight and a bias. Bob holds one share of "
                   "each shared tensor."))
    expect(james_holds == james_count,
           N_("James is the crypto provider: he holds no share of the data, the target or the model."),
           hint=N_("He deals random material only when a product or a comparison needs it."))


# -- Exercise 2: an encrypted prediction -------------------------------------------------------


class StoreWatch:
    """Watches the stores of ``workers``: who received anything, and who received a float tensor.
    Shares are int64, so a float tensor at a worker is a value in the clear."""

    def __init__(self, workers):
        self.received, self.in_clear = set(), []
        self._stop = [self._watch(worker) for worker in workers]

    def _watch(self, worker):
        def seen(event, obj_id):
            obj = worker._objects.get(obj_id) if event == "set" else None
            if isinstance(obj, torch.Tensor):
                self.received.add(worker.id)
                if obj.is_floating_point() and worker.id not in self.in_clear:
                    self.in_clear.append(worker.id)
        return worker._objects.observe(seen)

    def stop(self):
        for stop in self._stop:
            stop()


def _check_prediction(encrypted_prediction, cases):
    expect(callable(encrypted_prediction), NOT_A_FUNCTION, kind=type(encrypted_prediction).__name__)
    for sizes, data, n_workers in cases:
        model = small_net(sizes, seed=len(sizes) + n_workers)
        before = {name: value.clone() for name, value in model.state_dict().items()}
        workers, james = exercise_workers(n_workers)
        watch = StoreWatch(workers + [james])
        try:
            result = answer_of(encrypted_prediction, model, data, workers, james)
        finally:
            watch.stop()
        expect(not watch.in_clear,
               N_("Worker {worker} received a float tensor: a value in the clear. The workers must "
                  "receive only shares."), worker=", ".join(watch.in_clear),
               hint=N_("Encode with .fix_precision() and split with .share(...); do not .send() the data "
                       "or the model."))
        expect(all(worker.id in watch.received for worker in workers),
               N_("The workers passed to your function received no shares."),
               hint=N_("Share the model and the data among workers, with crypto_provider: "
                       ".fix_precision().share(*workers, crypto_provider=crypto_provider)."))
        after = model.state_dict()
        expect(all(type(after[name]) is torch.Tensor and torch.equal(after[name], value) for name, value in before.items()),
               N_("Your function changed the model it was given."),
               hint=N_("fix_precision() and share() convert a model in place: encrypt a copy, model.copy()."))
        expect(not isinstance(result, FixedPrecisionTensor),
               N_("Your function returned a fixed precision tensor, not the prediction in plain numbers."),
               hint=STILL_ENCODED_HINT)
        expect(torch.is_tensor(result), NOT_A_TENSOR, kind=type(result).__name__)
        with torch.no_grad():
            plain = model(data)
        expect(tuple(result.shape) == tuple(plain.shape),
               N_("Your prediction has shape {got}, but the model's output has shape {want}."),
               got=list(result.shape), want=list(plain.shape))
        difference = (result.float() - plain).abs().max().item()
        expect(difference <= PREDICTION_TOLERANCE,
               N_("Your prediction differs from the plaintext model's by up to {diff}, more than "
                  "rounding explains."), diff=f"{difference:.3f}",
               hint=N_("Run the encrypted copy of the model on the encrypted data, then decode the result."))


@check.exercise("q2", N_("An encrypted prediction"))
def _(encrypted_prediction):
    data = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1.]])
    _check_prediction(encrypted_prediction, [([2, 2, 1], data, 2)])


@check.hidden("q2")
def _(encrypted_prediction):
    _check_prediction(encrypted_prediction, [
        ([3, 4, 2], random_data((5, 3), 4), 3),     # three workers, two outputs, negative inputs
        ([3, 4, 2], random_data((1, 3), 5), 2),     # a single row
        ([2, 3, 3, 1], 3 * random_data((6, 2), 6), 2),  # three layers, larger values
    ])


# -- Exercise 3: one encrypted training step --------------------------------------------------


def _number(loss):
    """The learner's loss as a float, or a NotYet that says why it is not one."""
    expect(not isinstance(loss, FixedPrecisionTensor),
           N_("Your function returned a fixed precision tensor, not the loss as a number."),
           hint=STILL_ENCODED_HINT)
    is_number = isinstance(loss, (int, float)) and not isinstance(loss, bool)
    is_scalar = torch.is_tensor(loss) and loss.numel() == 1
    expect(is_number or is_scalar, N_("Expected the loss as a number (a float), got {kind}."),
           kind=type(loss).__name__)
    return float(loss)


def _check_training(train_step, sizes, n_points, n_workers, lr, steps, seed):
    expect(callable(train_step), NOT_A_FUNCTION, kind=type(train_step).__name__)
    plain_model = small_net(sizes, seed)
    data, target = random_data((n_points, sizes[0]), seed + 1), random_data((n_points, sizes[-1]), seed + 2)
    workers, james = exercise_workers(n_workers)
    model = plain_model.copy().fix_precision().share(*workers, crypto_provider=james, requires_grad=True)
    optimizer = optim.SGD(model.parameters(), lr=lr).fix_precision()
    shared_data, shared_target = share(data, workers, james), share(target, workers, james)
    plain_optimizer = optim.SGD(plain_model.parameters(), lr=lr)
    for step in range(1, steps + 1):
        plain_optimizer.zero_grad()
        plain_loss = ((plain_model(data) - target) ** 2).sum()
        plain_loss.backward()
        plain_optimizer.step()
        clear_logs(workers)
        loss = _number(answer_of(train_step, model, shared_data, shared_target, optimizer))
        reveals = reveals_per_worker(workers)
        expect(reveals == 1, N_("Your step revealed {n} values; only the loss should leave the workers."), n=reveals,
               hint=N_("Call .get() once per step, on the loss. Everything else stays shared."))
        want = plain_loss.item()
        close = abs(loss - want) <= LOSS_TOLERANCE * max(1.0, abs(want))
        if step == 1:
            expect(close,
                   N_("Your first loss is {got}, but the same step in plaintext gives {want}."),
                   got=f"{loss:.3f}", want=f"{want:.3f}",
                   hint=N_("The lesson's loss is the sum of the squared errors: ((pred - target) ** 2).sum()."))
        expect(close,
               N_("Step {step} gives the loss {got}, plaintext training gives {want}."),
               step=step, got=f"{loss:.3f}", want=f"{want:.3f}", hint=SAME_STEP_HINT)
    model.get().float_precision()
    difference = max((p - q).abs().max().item() for p, q in zip(model.parameters(), plain_model.parameters()))
    expect(difference <= WEIGHT_TOLERANCE,
           N_("After {steps} steps, the weights differ from plaintext training by up to {diff}."),
           steps=steps, diff=f"{difference:.3f}", hint=SAME_STEP_HINT)


@check.exercise("q3", N_("One encrypted training step"))
def _(train_step):
    _check_training(train_step, [2, 2, 1], n_points=4, n_workers=2, lr=0.1, steps=3, seed=10)


@check.hidden("q3")
def _(train_step):
    _check_training(train_step, [3, 4, 2], n_points=5, n_workers=3, lr=0.05, steps=3, seed=20)


# -- Exercise 4: how many fractional digits fit -------------------------------------------------


def largest_value(digits):
    """The largest value fix_precision accepts with ``digits`` fractional digits (base 10)."""
    return FixedPointEncoder(10, digits).max_abs


@check.exercise("q4", N_("How many fractional digits fit"))
def _(digits, error):
    expect_int(digits, "digits")
    expect(digits >= 0, N_("The number of fractional digits cannot be negative."))
    best = max(d for d in range(9) if largest_value(d) >= INPUT_RANGE)
    expect(digits <= best,
           N_("With {digits} fractional digits the largest value you may encode is about {limit}, "
              "so {range} does not fit."), digits=digits, limit=f"{largest_value(digits):.0f}", range=f"{INPUT_RANGE}",
           hint=N_("Each extra digit divides the range by ten; with 3 digits it is about 47,000."))
    expect(digits == best,
           N_("{digits} fractional digits work, but with one more the range is still about {limit}."),
           digits=digits, limit=f"{largest_value(digits + 1):.0f}",
           hint=N_("Keep adding digits as long as the range stays above {range}."), range=f"{INPUT_RANGE}")
    expect(isinstance(error, (int, float)) and not isinstance(error, bool),
           N_("Expected the error as a number (a float), got {kind}."), kind=type(error).__name__)
    unit = 10.0 ** -digits
    expect(abs(error - unit / 2) <= 1e-9 * unit,
           N_("{error} is not the largest rounding error with {digits} fractional digits."),
           error=error, digits=digits,
           hint=N_("The encoding rounds to the nearest multiple of {unit}. How far from the nearest "
                   "multiple can a number be?"), unit=f"{unit:g}")
