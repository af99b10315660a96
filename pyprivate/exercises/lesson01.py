"""Checked exercises of lesson 1, pointers: commands, computing remotely, moving a tensor, a remote gradient.

Each check runs the real thing on workers of its own (they are not the
notebook's ``bob`` and ``alice``) and reads their stores and message logs.
"""

import torch

from ..i18n import N_
from ..tensors.pointer import PointerTensor
from ..workers import VirtualWorker
from .checklist import Checklist, answer_of, expect
from .common import NOT_A_FUNCTION, NOT_A_TENSOR

check = Checklist("01-pointers")



def shown(tensor):
    """A tensor's values as a short list for a message (floats rounded to 4 digits)."""
    tensor = tensor.detach()
    return (tensor.round(decimals=4) if tensor.is_floating_point() else tensor).tolist()


def close(got, want):
    """Whether two tensors have the same shape and nearly the same values (whatever their dtypes)."""
    return got.shape == want.shape and torch.allclose(got.detach().double(), want.detach().double())


def messages_of_kind(worker, kind):
    """The records of the messages of ``kind`` ("send", "command", "get", "delete") that ``worker`` received."""
    return [record for record in worker.message_log if record.kind == kind]


# -- q1: one command per operation ----------------------------------------

def messages_sent_by_the_expression():
    """Run ``((a * 2) + 1).sum()`` on a fresh worker; its message counts by kind."""
    worker = VirtualWorker(id="dana")
    a = PointerTensor.from_tensor(torch.tensor([1.0, 2.0, 3.0]), worker)
    worker.message_log.clear()
    ((a * 2) + 1).sum()
    kinds = [record.kind for record in worker.message_log]
    return {kind: kinds.count(kind) for kind in set(kinds)}


@check.exercise("q1", N_("Count the commands of an expression"))
def _(commands):
    expect(isinstance(commands, int) and not isinstance(commands, bool),
           N_("Expected a whole number (an int), got {kind}."), kind=type(commands).__name__,
           hint=N_("Write the number itself, for example 7."))
    sent = messages_sent_by_the_expression()
    want = sent["command"]
    every_message = sum(sent.values()) + 1  # and the send message of a
    expect(commands == want or not want < commands <= every_message,
           N_("{commands} counts more messages than the command messages."), commands=commands,
           hint=N_("Sending a is a send message, and dropping an intermediate result sends a delete message; "
                   "count only the commands."))
    expect(commands == want or commands != 1, N_("One line of code is not one command."),
           hint=N_("Each operation runs as its own command: count *, + and sum()."))
    expect(commands == want, N_("{commands} is not the number of command messages Bob receives."),
           commands=commands,
           hint=N_("Each operation on a pointer is one command. Did you count sum()? A plain number needs no message."))


# -- q2: compute where the data is ----------------------------------------

def _check_product_with_transpose(product_with_transpose, cases):
    expect(callable(product_with_transpose), NOT_A_FUNCTION, kind=type(product_with_transpose).__name__)
    for matrix, worker in cases:
        result = answer_of(product_with_transpose, matrix.clone(), worker)
        expect(messages_of_kind(worker, "command"),
               N_("{worker} received no command: the product was not computed at the worker."), worker=worker.id,
               hint=N_("Send the matrix to the worker your function receives, then compute with the pointer."))
        expect(not isinstance(result, PointerTensor),
               N_("Your function returned a pointer to the result at {worker}."), worker=worker.id,
               hint=N_("Bring the result back with .get() before you return it."))
        expect(torch.is_tensor(result), NOT_A_TENSOR,
               kind=type(result).__name__)
        want = matrix @ matrix.T
        expect(result.shape == want.shape, N_("Your result has shape {got}, but m @ m.T has shape {want}."),
               got=list(result.shape), want=list(want.shape),
               hint=N_("Order matters: an n×k matrix times its k×n transpose is an n×n matrix."))
        expect(close(result, want),
               N_("For the matrix {matrix}, your function returned {got}, but m @ m.T is {want}."),
               matrix=shown(matrix), got=shown(result), want=shown(want),
               hint=N_("Multiply the matrix by its transpose, m.T, with the @ operator."))
        expect(messages_of_kind(worker, "get"),
               N_("{worker} received no get message, so the result was not brought back from it."),
               worker=worker.id, hint=N_("Compute at the worker, then call .get() on the result's pointer."))


@check.exercise("q2", N_("Compute where the data is"))
def _(product_with_transpose):
    matrix = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _check_product_with_transpose(product_with_transpose, [(matrix, VirtualWorker(id="dana"))])


@check.hidden("q2")
def _(product_with_transpose):
    generator = torch.Generator().manual_seed(1)
    cases = [
        (torch.randn(1, 4, generator=generator), VirtualWorker(id="dana")),
        (torch.randn(4, 2, generator=generator), VirtualWorker(id="erin")),
        (torch.randint(-9, 10, (3, 3), generator=generator), VirtualWorker(id="fay")),
        (torch.randn(5, 1, generator=generator), VirtualWorker(id="gus")),
    ]
    _check_product_with_transpose(product_with_transpose, cases)


# -- q3: move a tensor by hand --------------------------------------------

def _check_move(move, value, route):
    """Send ``value`` to ``route[0]``, then move it along ``route`` with the learner's ``move``."""
    expect(callable(move), NOT_A_FUNCTION, kind=type(move).__name__)
    pointer = PointerTensor.from_tensor(value, route[0])
    for source, destination in zip(route, route[1:]):
        id_at_source = pointer.id_at_location
        moved = answer_of(move, pointer, destination)
        arrived = destination._objects.get(moved.id_at_location) if isinstance(moved, PointerTensor) else None
        expect(not isinstance(arrived, PointerTensor),
               N_("The tensor did not move: {destination} now holds a pointer to it, and {source} still holds "
                  "the data."), destination=destination.id, source=source.id,
               hint=N_(".send() on a pointer sends the pointer, not the data. Bring the values here with .get() "
                       "first, then .send() them to the destination."))
        expect(isinstance(moved, PointerTensor),
               N_("Your function returned {kind}, not a pointer to the tensor at {destination}."),
               kind=type(moved).__name__, destination=destination.id,
               hint=N_("After .get(), send the tensor to the destination and return the pointer that .send() gives."))
        expect(moved.location is destination,
               N_("Your pointer points to {location}, not to {destination}."),
               location=moved.location.id, destination=destination.id,
               hint=N_("Use the destination your function receives."))
        arrived = destination._objects.get(moved.id_at_location)
        expect(arrived is not None and arrived.dtype == value.dtype and arrived.shape == value.shape
               and torch.equal(arrived, value),
               N_("The tensor at {destination} is not the one that was at {source}."),
               destination=destination.id, source=source.id,
               hint=N_("Send the values that .get() brought back, unchanged."))
        expect(id_at_source not in source._objects,
               N_("{source} still holds the tensor: you made a copy, not a move."), source=source.id,
               hint=N_(".get() takes the tensor away from its worker; a copy leaves the original behind."))
        pointer = moved


@check.exercise("q3", N_("Move a tensor from one worker to another"))
def _(move):
    _check_move(move, torch.tensor([1.0, 2.0, 3.0]), [VirtualWorker(id="dana"), VirtualWorker(id="erin")])


@check.hidden("q3")
def _(move):
    first, second, third = VirtualWorker(id="dana"), VirtualWorker(id="erin"), VirtualWorker(id="fay")
    _check_move(move, torch.arange(24).reshape(2, 3, 4), [first, second, third, first])
    _check_move(move, torch.tensor(-7.5), [third, second])


# -- q4: a gradient computed at the worker ----------------------------------

W_VALUES, V_VALUES = [0.5, -1.0, 2.0], [1.0, 2.0, 3.0]


def expected_gradient():
    """The gradient of ``(w * v).sum()`` with respect to ``w``, computed locally with plain torch."""
    w = torch.tensor(W_VALUES, requires_grad=True)
    (w * torch.tensor(V_VALUES)).sum().backward()
    return w.grad


@check.exercise("q4", N_("Fetch a gradient computed at the worker"))
def _(w):
    expect(not isinstance(w, PointerTensor), N_("w is still a pointer to the tensor at {worker}."),
           worker=w.location.id if isinstance(w, PointerTensor) else "",
           hint=N_("Fetch it with w = w.get(): its gradient comes back with it."))
    expect(torch.is_tensor(w), N_("Expected a tensor, got {kind}."), kind=type(w).__name__)
    expect(close(w, torch.tensor(W_VALUES)),
           N_("w should still be {want}, but it is {got}."), want=W_VALUES, got=shown(w),
           hint=N_("backward() computes a gradient; it does not change w."))
    expect(w.grad is not None, N_("w has no gradient."),
           hint=N_("Call backward() on (w * v).sum() at the worker before you fetch w."))
    want = expected_gradient()
    expect(close(w.grad, want),
           N_("The gradient of w is {got}, which is not the gradient of (w * v).sum()."), got=shown(w.grad),
           hint=N_("When w_i grows by 1, the sum grows by v_i. "
                   "Did you call backward() on exactly (w * v).sum(), and only once?"))
