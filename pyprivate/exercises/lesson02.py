"""Checked exercises of lesson 2, federated learning: a training step, its messages, what leaks, averaging.

Each check compares the learner's answer with the same computation done
with plain PyTorch, on workers and models of its own; the random state of
the notebook is left as it was.
"""

import copy

import torch
from torch import nn, optim

from ..i18n import N_
from ..modules import get_module, send_module
from ..tensors.pointer import PointerTensor
from ..workers import VirtualWorker
from .checklist import Checklist, answer_of, expect
from .common import NOT_A_FUNCTION, NOT_A_TENSOR, seeded_model

check = Checklist("02-federated-learning")

TOY_DATA = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1.]])
TOY_TARGET = torch.tensor([[0], [0], [1], [1.]])


def shown(tensor):
    """A tensor's values as a short list for a message (rounded to 4 digits)."""
    return tensor.detach().double().round(decimals=4).tolist()


def parameters_of(model):
    """``{name: detached copy}`` of a local model's parameters."""
    return {name: parameter.detach().clone() for name, parameter in model.named_parameters()}


def close(got, want, rtol=1e-5, atol=1e-6):
    """Whether two tensors have the same shape and nearly the same values (whatever their dtypes)."""
    return got.shape == want.shape and torch.allclose(got.detach().double(), want.detach().double(), rtol, atol)


def same_parameters(first, second):
    return first.keys() == second.keys() and all(close(first[k], second[k]) for k in first)


# -- q1: one federated training step ----------------------------------------

def _check_federated_step(federated_step, make_model, parts, lr, passes):
    """Train with the learner's step on ``parts`` (one (data, target) per worker), and with plain torch."""
    expect(callable(federated_step), NOT_A_FUNCTION, kind=type(federated_step).__name__)
    model = seeded_model(make_model, 0)
    reference = copy.deepcopy(model)
    opt, reference_opt = optim.SGD(model.parameters(), lr=lr), optim.SGD(reference.parameters(), lr=lr)
    names = ["dana", "erin", "fay", "gus", "hal"]
    workers = [VirtualWorker(id=name) for name in names[:len(parts)]]
    pointers = [(PointerTensor.from_tensor(data, worker), PointerTensor.from_tensor(target, worker))
                for (data, target), worker in zip(parts, workers)]
    for _ in range(passes):
        for (data, target), (data_ptr, target_ptr), worker in zip(parts, pointers, workers):
            before = parameters_of(model)
            worker.message_log.clear()
            loss = answer_of(federated_step, model, opt, data_ptr, target_ptr)
            remote = sorted({p.location.id for p in model.parameters() if isinstance(p, PointerTensor)})
            expect(not remote, N_("After your function, the model is still at {worker}."), worker=", ".join(remote),
                   hint=N_("End with model.get(): the model comes back here, ready for the next worker."))
            expect(data_ptr.id_at_location in worker._objects and target_ptr.id_at_location in worker._objects,
                   N_("Your function brought the data back from {worker}: the data must stay with its owner."),
                   worker=worker.id,
                   hint=N_("Send the model to data.location instead, and bring back only the model and the loss."))
            expect(any(record.kind == "send" for record in worker.message_log),
                   N_("The model never went to {worker}, where the data is."), worker=worker.id,
                   hint=N_("Start with model.send(data.location)."))
            expect(not isinstance(loss, PointerTensor), N_("Your function returned a pointer to the loss."),
                   hint=N_("Return loss.get(), the loss as a local tensor."))
            expect(torch.is_tensor(loss) and loss.numel() == 1,
                   N_("Your function should return the loss, a tensor with one value; it returned {kind}."),
                   kind=type(loss).__name__, hint=N_("Return loss.get(): a tensor, not a Python number."))
            reference_opt.zero_grad()
            reference_loss = ((reference(data) - target) ** 2).sum()
            reference_loss.backward()
            reference_opt.step()
            expect(close(loss.reshape(()), reference_loss, rtol=1e-4),
                   N_("Your function returned the loss {got}, but the squared error summed over the batch is {want}."),
                   got=round(loss.detach().item(), 4), want=round(reference_loss.item(), 4),
                   hint=N_("Compute ((model(data) - target) ** 2).sum() before the step, and return it with .get()."))
            after = parameters_of(model)
            expect(not same_parameters(after, before), N_("The model's parameters did not change."),
                   hint=N_("Call loss.backward(), then opt.step(), while the model is at the worker."))
            expect(same_parameters(after, parameters_of(reference)),
                   N_("After the step at {worker}, the parameters differ from one step of plain PyTorch training."),
                   worker=worker.id,
                   hint=N_("Take exactly one step: opt.zero_grad(), loss.backward(), opt.step()."))


@check.exercise("q1", N_("One federated training step"))
def _(federated_step):
    parts = [(TOY_DATA[:2], TOY_TARGET[:2]), (TOY_DATA[2:], TOY_TARGET[2:])]
    _check_federated_step(federated_step, lambda: nn.Linear(2, 1), parts, lr=0.1, passes=2)


@check.hidden("q1")
def _(federated_step):
    generator = torch.Generator().manual_seed(2)
    parts = [(torch.randn(rows, 3, generator=generator), torch.randn(rows, 2, generator=generator))
             for rows in (1, 5, 3)]
    two_layers = lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))  # noqa: E731
    _check_federated_step(federated_step, two_layers, parts, lr=0.05, passes=2)


# -- q2: the messages of the toy training loop ----------------------------------

def messages_of_the_toy_loop():
    """Run the lesson's toy loop (10 passes, two workers) on fresh workers; the first worker's message counts."""
    first, second = VirtualWorker(id="dana"), VirtualWorker(id="erin")
    parts = [(PointerTensor.from_tensor(TOY_DATA[:2], first), PointerTensor.from_tensor(TOY_TARGET[:2], first)),
             (PointerTensor.from_tensor(TOY_DATA[2:], second), PointerTensor.from_tensor(TOY_TARGET[2:], second))]
    model = seeded_model(lambda: nn.Linear(2, 1), 0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    first.message_log.clear()
    for _ in range(10):
        for data, target in parts:
            send_module(model, data.location)
            opt.zero_grad()
            loss = ((model(data) - target) ** 2).sum()
            loss.backward()
            opt.step()
            get_module(model)
            loss.get()
    kinds = [record.kind for record in first.message_log]
    return {kind: kinds.count(kind) for kind in ("send", "get", "command", "delete")}


@check.exercise("q2", N_("Count the messages of the training loop"))
def _(sends):
    expect(isinstance(sends, int) and not isinstance(sends, bool),
           N_("Expected a whole number (an int), got {kind}."), kind=type(sends).__name__,
           hint=N_("Write the number itself, for example 7."))
    counts = messages_of_the_toy_loop()
    want = counts["send"]
    expect(sends == want or sends != want // 2, N_("{sends} counts one message for each visit of the model."),
           sends=sends,
           hint=N_("model.send() sends each parameter tensor in its own message: how many does nn.Linear(2, 1) have?"))
    expect(sends == want or sends != 2 * want, N_("{sends} also counts the messages that Alice receives."),
           sends=sends, hint=N_("Count only Bob: the model visits Bob and Alice in turn."))
    expect(sends == want or sends != counts["get"], N_("{sends} is the number of get messages."), sends=sends,
           hint=N_("model.get() and loss.get() are get messages; count the send messages."))
    expect(sends == want or sends != want + 2, N_("The data was sent before the loop started."),
           hint=N_("Count only the messages of the loop itself."))
    expect(sends == want, N_("{sends} is not the number of send messages Bob receives in the loop."), sends=sends,
           hint=N_("Count how often the model visits Bob, and how many tensors each model.send() sends."))


# -- q3: what a model update reveals --------------------------------------------

def one_step_update(record, label, lr, loss_of, seed):
    """``(weight before, bias before, weight after, bias after)`` of one SGD step of a fresh linear layer on
    one record (plain torch: the arithmetic is the same as at Carol's)."""
    probe = seeded_model(lambda: nn.Linear(record.shape[1], 1), seed)
    weight_before, bias_before = probe.weight.detach().clone(), probe.bias.detach().clone()
    probe_opt = optim.SGD(probe.parameters(), lr=lr)
    loss_of(probe(record), label).backward()
    probe_opt.step()
    return weight_before, bias_before, probe.weight.detach().clone(), probe.bias.detach().clone()


def _squared_error(prediction, label):
    return ((prediction - label) ** 2).sum()


def _check_recover(recover_record, cases):
    expect(callable(recover_record), NOT_A_FUNCTION, kind=type(recover_record).__name__)
    for record, label, lr, loss_of, seed in cases:
        update = one_step_update(record, label, lr, loss_of, seed)
        result = answer_of(recover_record, *(t.clone() for t in update))
        expect(torch.is_tensor(result), NOT_A_TENSOR,
               kind=type(result).__name__)
        weight_change = update[0] - update[2]
        recovered = close(result.reshape(-1), record.reshape(-1), rtol=1e-3, atol=1e-3)
        expect(recovered or not close(result, weight_change),
               N_("You returned the change of the weight: that is the record times the change of the bias."),
               hint=N_("Divide the weight's change by the bias's change: dW = db × x."))
        expect(recovered, N_("Your function returned {got}, but the record was {want}."),
               got=shown(result), want=shown(record),
               hint=N_("Subtract each parameter after the step from the one before, then divide the weight's change "
                       "by the bias's change."))


@check.exercise("q3", N_("Read a record from a model update"))
def _(recover_record):
    record = torch.tensor([[35.0, 1.64, 58.0, 0.0]])
    _check_recover(recover_record, [(record, torch.tensor([[0.0]]), 0.01, _squared_error, 1)])


@check.hidden("q3")
def _(recover_record):
    generator = torch.Generator().manual_seed(5)
    absolute_error = lambda prediction, label: (prediction - label).abs().sum()  # noqa: E731
    cases = [
        (torch.randn(1, 10, generator=generator) * 5, torch.tensor([[3.0]]), 0.5, _squared_error, 2),
        (torch.tensor([[-2.0, 0.0, 7.5]]), torch.tensor([[-10.0]]), 0.1, absolute_error, 3),
        (torch.tensor([[4.0]]), torch.tensor([[100.0]]), 0.001, _squared_error, 4),
    ]
    _check_recover(recover_record, cases)


# -- q4: federated averaging --------------------------------------------------

def _check_average(average_models, models, counts):
    expect(callable(average_models), NOT_A_FUNCTION, kind=type(average_models).__name__)
    before = [parameters_of(model) for model in models]
    result = answer_of(average_models, models, list(counts))
    expect(isinstance(result, nn.Module),
           N_("Your function should return a model (an nn.Module), it returned {kind}."), kind=type(result).__name__,
           hint=N_("Start from a copy of one of the models, model.copy(), and overwrite its parameters."))
    expect(all(same_parameters(parameters_of(model), kept) for model, kept in zip(models, before)),
           N_("Your function changed the models it averaged."),
           hint=N_("Copy one model first, with model.copy(), and write the average into the copy."))
    got = parameters_of(result)
    expect(got.keys() == before[0].keys(), N_("Your model does not have the parameters of the models you averaged."),
           hint=N_("Start from a copy of one of the models, model.copy(), and overwrite its parameters."))
    total = float(sum(counts))
    for name in got:
        weighted_sum = sum(count * kept[name] for count, kept in zip(counts, before))
        want = weighted_sum / total
        if close(got[name], want, atol=1e-5):
            continue
        mean = sum(kept[name] for kept in before) / len(before)
        expect(not close(got[name], mean, atol=1e-5),
               N_("Every model got the same weight, but the counts are {counts}."), counts=list(counts),
               hint=N_("Multiply each model's parameters by its count before you add them up."))
        expect(not close(got[name], weighted_sum, atol=1e-5),
               N_("Your parameters are the weighted sum, not the weighted average."),
               hint=N_("Divide by the total count, {total}."), total=sum(counts))
        expect(False, N_("For the counts {counts}, the parameter {name} should be {want}, but it is {got}."),
               counts=list(counts), name=name, want=shown(want), got=shown(got[name]),
               hint=N_("For each parameter, add up count × parameter over the models, then divide by the sum of "
                       "the counts."))


@check.exercise("q4", N_("Average models, weighted by their data"))
def _(average_models):
    models = [seeded_model(lambda: nn.Linear(2, 1), seed) for seed in (1, 2)]
    _check_average(average_models, models, [100, 300])


@check.hidden("q4")
def _(average_models):
    two_layers = lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))  # noqa: E731
    _check_average(average_models, [seeded_model(two_layers, seed) for seed in (3, 4, 5)], [500, 500, 500])
    _check_average(average_models, [seeded_model(lambda: nn.Linear(4, 2), s) for s in range(5)], [10, 0, 3, 7, 1])
    _check_average(average_models, [seeded_model(lambda: nn.Linear(2, 1), 6)], [42])
    _check_average(average_models, [seeded_model(lambda: nn.Linear(2, 3), s) for s in (7, 8)], [0.25, 0.75])
