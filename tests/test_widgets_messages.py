"""MessagesView: its totals are the workers' message logs; reset() counts from now."""

from collections import Counter

import pytest
import torch

import pyprivate as sy
from pyprivate.widgets import MessagesView, Total

pytest.importorskip("ipywidgets")


@pytest.fixture
def james(hook_):
    return sy.VirtualWorker(hook_, id="james")


def logged(*workers):
    return [record for w in workers for record in w.message_log]


def test_totals_match_the_workers_logs(bob, alice, james):
    view = MessagesView(bob, alice, james)
    x = torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = (x + x).refresh()
    p = torch.ones(3).send(bob)
    (p + p).get()
    del y
    view.refresh()
    records = logged(bob, alice, james)
    assert len(records) > 10 and sorted(view.records, key=id) == sorted(records, key=id)
    assert view.total == Total(len(records), sum(r.nbytes + r.reply_nbytes for r in records))
    assert {k: t.messages for k, t in view.by_kind.items()} == dict(Counter(r.kind for r in records))
    assert sum(t.bytes for t in view.by_kind.values()) == view.total.bytes
    for worker in ("me", "bob", "alice", "james"):
        mine = [r for r in records if worker in (r.sender, r.receiver)]
        assert view.by_worker[worker] == Total(len(mine), sum(r.nbytes + r.reply_nbytes for r in mine))
    assert view.by_worker["james"].messages > 0  # the crypto provider dealt the zero shares of refresh()
    assert [r.time for r in view.records] == sorted(r.time for r in view.records)


def test_reset_counts_one_encrypted_operation(bob, alice, james):
    x = torch.tensor([1.5, 2.0]).fix_precision().share(bob, alice, crypto_provider=james)
    y = torch.tensor([0.5, -1.0]).fix_precision().share(bob, alice, crypto_provider=james)
    view = MessagesView(bob, alice, james)
    assert view.total.messages > 0
    before = {w.id: len(w.message_log) for w in (bob, alice, james)}
    view.reset()
    assert view.total == Total(0, 0) and view.records == []
    z = x * y
    view.refresh()
    new = {w.id: len(w.message_log) - before[w.id] for w in (bob, alice, james)}
    assert view.total.messages == sum(new.values()) > 4  # a secure product is many messages
    assert "deal" in view.by_kind and "step" in view.by_kind
    assert torch.allclose(z.get().float_precision(), torch.tensor([0.75, -2.0]))


def test_with_block_shows_only_what_happened_inside(bob):
    view = MessagesView(bob)
    p = torch.ones(2).send(bob)
    with view:
        q = p + p
    assert [(r.kind, r.sender, r.receiver, r.op) for r in view.records] == [("command", "me", "bob", "add.Tensor")]
    del q
    view.refresh()
    assert [r.kind for r in view.records] == ["command", "delete"]


def test_reset_survives_a_full_log(hook_):
    carol = sy.VirtualWorker(hook_, id="carol", log_size=3)
    view = MessagesView(carol).reset()
    for _ in range(5):
        torch.ones(1).send(carol)  # each is sent, then deleted: 10 messages, the log keeps 3
    assert view.refresh().total.messages == 3


def test_widget_shows_the_totals_and_buttons_work(bob):
    view = MessagesView(bob, max_rows=2)
    for _ in range(3):
        torch.ones(1).send(bob)
    view.refresh()
    assert "Messages" in view._summary.value and "6 ·" in view._summary.value
    assert "By type" in view._tables.value and "By worker" in view._tables.value
    assert "… 4 more" in view._list.value and "Receiver" in view._list.value
    view._reset_button.click()
    assert view.total.messages == 0
    torch.ones(1).send(bob)
    view._refresh_button.click()
    assert view.total.messages == 2


def test_plain_text_repr(bob):
    view = MessagesView(bob)
    torch.ones(4).send(bob)
    text = repr(view.refresh())
    lines = text.splitlines()
    assert lines[0] == "MessagesView: bob"
    total = view.total
    assert lines[1] == f"Messages: 2, Bytes: {total.bytes}"
    assert "By type:" in text and "  send" in text and "  delete" in text and "By worker:" in text
    assert view._repr_mimebundle_()["text/plain"] == text


def test_needs_workers():
    with pytest.raises(ValueError):
        MessagesView()
