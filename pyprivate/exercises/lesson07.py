"""Checked exercises of lesson 7, secure aggregation: averaging at a trusted worker, averaging shared
parameters, the pairwise-masking rule, and recovering from a dropout.

The checks use workers of their own (``exercise_bob`` ...) and compare every result with plain
torch; for the secure average they also record what reached the learner's process.
"""

import torch
from torch import nn

from ..i18n import N_
from ..tensors import PointerTensor
from .checklist import Checklist, answer_of, expect
from .common import (STILL_ENCODED_HINT, Recorder, exercise_workers, expect_function, expect_tensor, leaked,
                     seeded_model)

check = Checklist("07-secure-aggregation")

FIXED_POINT_TOLERANCE = 2e-3  # the average of values rounded to 0.001


def shown(tensor):
    return tensor.detach().double().reshape(-1)[:4].round(decimals=4).tolist()


def gets_from(worker):
    return sum(record.kind == "get" and record.sender == "me" for record in worker.message_log)


# -- q1: averaging at a trusted worker ----------------------------------------------------------


def _check_average_at(average_at, make, n_models):
    expect_function(average_at)
    owners, aggregator = exercise_workers(min(n_models, 3))
    owners = [owners[i % len(owners)] for i in range(n_models)]
    models = [seeded_model(make, seed) for seed in range(n_models)]
    want = [torch.stack(params).mean(dim=0) for params in zip(*([p.detach().clone() for p in m.parameters()]
                                                                 for m in models))]
    for model, owner in zip(models, owners):
        model.send(owner)
    result = answer_of(average_at, models, aggregator)
    expect(isinstance(result, (list, tuple)) and all(torch.is_tensor(r) for r in result),
           N_("Your function should return a list of tensors, one per parameter; it returned {kind}."),
           kind=type(result).__name__, hint=N_("Collect the averages in a list, in the order of parameters()."))
    expect(len(result) == len(want),
           N_("The models have {want} parameters, but you returned {got} averages."), want=len(want), got=len(result),
           hint=N_("Zip the models' parameters() together and average each group."))
    expect(not any(isinstance(r, PointerTensor) for r in result),
           N_("You returned pointers to the averages."), hint=N_("Bring each average back with .get()."))
    for owner in dict.fromkeys(owners):
        expect(gets_from(owner) == 0,
               N_("You fetched parameters from {worker}, a model's owner: only the averages may come to you."),
               worker=owner.id, hint=N_("Move the models to the worker, average there, and fetch only the averages."))
    locations = {getattr(m, "location", None) for m in models}
    expect(locations == {aggregator},
           N_("After your function, the models should be at {worker}."), worker=aggregator.id,
           hint=N_("Call model.move(worker) for each model: the values go straight from its owner to the worker."))
    expect(gets_from(aggregator) <= len(want),
           N_("You fetched {got} tensors from {worker}, but there are only {want} averages: only the averages "
              "may come to you."), got=gets_from(aggregator), worker=aggregator.id, want=len(want),
           hint=N_("Compute the sum and the division at the worker, on the pointers, and call .get() once per "
                   "parameter."))
    for got, expected in zip(result, want):
        expect(got.shape == expected.shape and torch.allclose(got.detach().double(), expected.double(), atol=1e-6),
               N_("One of your averages is {got}, but the average of the models is {want}."),
               got=shown(got), want=shown(expected),
               hint=N_("Add the parameters of all the models, then divide by the number of models."))


@check.exercise("q1", N_("Average at a trusted worker"))
def _(average_at):
    _check_average_at(average_at, lambda: nn.Linear(3, 2), 2)


@check.hidden("q1")
def _(average_at):
    _check_average_at(average_at, lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1)), 3)
    _check_average_at(average_at, lambda: nn.Linear(2, 2), 5)


# -- q2: the secure average --------------------------------------------------------------------


def _check_secure_average(secure_average, shapes, n_owners):
    expect_function(secure_average)
    owners, james = exercise_workers(n_owners)
    generator = torch.Generator().manual_seed(len(shapes) * 10 + n_owners)
    for shape in shapes:
        values = [torch.randn(shape, generator=generator) for _ in owners]
        params = [PointerTensor.from_tensor(v, owner) for v, owner in zip(values, owners)]
        recorders = [Recorder(w) for w in (*owners, james)]
        try:
            result = answer_of(secure_average, params, owners, james)
        finally:
            for recorder in recorders:
                recorder.close()
        want = torch.stack(values).mean(dim=0)
        expect(not isinstance(result, PointerTensor), N_("You returned a pointer to the average."),
               hint=STILL_ENCODED_HINT)
        expect_tensor(result)
        expect(result.is_floating_point(), N_("Your average is still in fixed point (integers)."),
               hint=STILL_ENCODED_HINT)
        seen = [t for recorder in recorders for t in recorder.tensors]
        expect(not leaked(values, seen),
               N_("One owner's parameter came to you in the clear: only the sum may be revealed."),
               hint=N_("Share each parameter where it is, param.copy().fix_precision().share(...), before anything "
                       "comes back; then .get() the shared tensor, add, and reveal only the sum."))
        expect(all(p.id_at_location in owner._objects for p, owner in zip(params, owners)),
               N_("A parameter is gone from its owner: your function took it away."),
               hint=N_("Share a copy, where the parameter is: param.copy().fix_precision().share(...)."))
        expect(result.shape == want.shape and torch.allclose(result.double(), want.double(),
                                                             atol=FIXED_POINT_TOLERANCE),
               N_("Your average is {got}, but the average of the parameters is {want}."),
               got=shown(result), want=shown(want),
               hint=N_("Add the shared tensors of all owners, reveal the sum, decode it, and divide by the number "
                       "of owners."))


@check.exercise("q2", N_("A secure average"))
def _(secure_average):
    _check_secure_average(secure_average, [(3,), (2, 2)], 2)


@check.hidden("q2")
def _(secure_average):
    _check_secure_average(secure_average, [(4, 3), (1,)], 3)


# -- q3 and q4: pairwise masks -------------------------------------------------------------------


def pairwise_masks(clients, shape, seed):
    """``{(a, b): mask}`` for every pair of clients, uniform int64 tensors (both orders: the same mask)."""
    generator = torch.Generator().manual_seed(seed)
    masks = {}
    for i, a in enumerate(clients):
        for b in clients[i + 1:]:
            masks[(a, b)] = masks[(b, a)] = torch.randint(-2**63, 2**63 - 1, shape, generator=generator,
                                                          dtype=torch.int64)
    return masks


def updates_for(clients, shape, seed):
    generator = torch.Generator().manual_seed(seed + 1)
    return {c: torch.randint(-5000, 5000, shape, generator=generator, dtype=torch.int64) for c in clients}


def _check_mask_update(mask_update, clients, shape, seed):
    expect_function(mask_update)
    masks, updates = pairwise_masks(clients, shape, seed), updates_for(clients, shape, seed)
    masked = {}
    for me in clients:
        mine = {other: masks[(me, other)].clone() for other in clients if other != me}
        result = answer_of(mask_update, me, updates[me].clone(), list(clients), mine)
        expect_tensor(result)
        expect(result.dtype == torch.int64 and result.shape == updates[me].shape,
               N_("The masked update should be an int64 tensor of shape {shape}, like the update; yours is {dtype} "
                  "{got}."), shape=list(shape), dtype=str(result.dtype).removeprefix("torch."),
               got=list(result.shape), hint=N_("Add and subtract the int64 masks; do not convert to float."))
        expect(not torch.equal(result, updates[me]), N_("{client}'s masked update is the update itself."),
               client=me, hint=N_("Add the masks shared with the clients after it, subtract those before it."))
        masked[me] = result
    total = sum(masked.values())
    expect(torch.equal(total, sum(updates.values())),
           N_("With your masks, the server's sum is not the sum of the updates: the masks do not cancel."),
           hint=N_("Each pair's mask must be added by one client and subtracted by the other: the one that comes "
                   "first in clients adds it."))
    first = clients[0]
    expect(torch.equal(masked[first], updates[first] + sum(masks[(first, o)] for o in clients[1:])),
           N_("{client} comes first, so it should add every mask; your masked update differs."), client=first,
           hint=N_("Compare positions in clients: add the mask of a client after me, subtract the mask of one "
                   "before me."))


@check.exercise("q3", N_("The masking rule"))
def _(mask_update):
    _check_mask_update(mask_update, ["bob", "alice", "charlie"], (2,), seed=1)


@check.hidden("q3")
def _(mask_update):
    _check_mask_update(mask_update, ["zoe", "ann", "max", "eve", "bob"], (3, 2), seed=2)
    _check_mask_update(mask_update, ["bob", "alice"], (4,), seed=3)


def masked_as_protocol(me, update, clients, masks):
    """The masking rule, as ``PairwiseMasking`` applies it."""
    masked = update.clone()
    for other in clients:
        if other != me:
            sign = 1 if clients.index(me) < clients.index(other) else -1
            masked = masked + sign * masks[(me, other)]
    return masked


def _check_recover(recover_sum, clients, dropped, shape, seed):
    expect_function(recover_sum)
    masks, updates = pairwise_masks(clients, shape, seed), updates_for(clients, shape, seed)
    survivors = [c for c in clients if c not in dropped]
    masked_sum = sum(masked_as_protocol(c, updates[c], clients, masks) for c in survivors)
    revealed = {(a, b): masks[(a, b)].clone() for a in survivors for b in dropped}
    result = answer_of(recover_sum, masked_sum.clone(), list(survivors), list(dropped), list(clients), revealed)
    expect_tensor(result)
    want = sum(updates[c] for c in survivors)
    if torch.equal(result, want):
        return
    wrong_sign = masked_sum.clone()
    for (a, b), mask in revealed.items():
        wrong_sign = wrong_sign + (mask if clients.index(a) < clients.index(b) else -mask)
    expect(not torch.equal(result, wrong_sign), N_("You added the masks that you should have removed, and removed "
                                                   "those you should have added."),
           hint=N_("A survivor that comes before the dropped client added their mask: subtract it."))
    expect(False, N_("Your sum is {got}, but the survivors' updates add up to {want}."), got=shown(result),
           want=shown(want), hint=N_("For each survivor and each dropped client, undo what the survivor did with "
                                     "their mask: subtract it if the survivor comes first, add it otherwise."))


@check.exercise("q4", N_("Recover from a dropout"))
def _(recover_sum):
    _check_recover(recover_sum, ["bob", "alice", "charlie"], ["charlie"], (2,), seed=4)


@check.hidden("q4")
def _(recover_sum):
    _check_recover(recover_sum, ["bob", "alice", "charlie"], ["bob"], (3,), seed=5)
    _check_recover(recover_sum, ["a", "b", "c", "d", "e"], ["b", "e"], (2, 2), seed=6)

