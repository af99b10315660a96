"""MessagesView: its totals are the workers' message logs; reset() counts from now."""

from collections import Counter

import pytest
import torch

import pyprivate as sy
from pyprivate.errors import WorkerUnreachableError
from pyprivate.widgets import MessagesView, Total
from pyprivate.workers import InProcessTransport, rpc
from pyprivate.workers.client import request
from pyprivate.workers.messages import GetLog

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


# -- workers in other processes: each keeps its log where it runs, and a handle asks for it -------------------

HERE = rpc.Process(pid=1000, rank=0, host="laptop")
THERE = rpc.Process(pid=1001, rank=1, host="laptop")


class Stopped(sy.Transport):
    """A worker process that has stopped: every request fails, as over RPC. Counts the attempts."""

    def __init__(self):
        self.requests = 0

    def request(self, payload):
        self.requests += 1
        raise WorkerUnreachableError("worker 'carol' did not answer within 1 s (stopped or unreachable)")


@pytest.fixture
def remote(monkeypatch):
    """A RemoteWorker handle and the ServedWorker it reaches: the messages are real bytes, delivered in this process."""
    monkeypatch.setattr(rpc, "_joined", lambda: True)
    monkeypatch.setattr(rpc, "this_process", lambda rank=None: HERE)
    served = rpc.ServedWorker("carol", rank=1)
    served.process = THERE
    handle = rpc.RemoteWorker("carol")
    handle.transport = InProcessTransport(served)
    return handle, served


def fields(records):
    return [(r.kind, r.sender, r.receiver, r.nbytes, r.reply_nbytes, r.op) for r in records]


def test_a_handle_copies_the_log_its_worker_keeps_and_asks_only_for_what_is_new(remote):
    handle, served = remote
    p = torch.ones(3).send(handle)
    (p + p).get()
    assert len(served.message_log) == 3 and len(handle.message_log) == 0  # the log lives with the receiver
    handle.sync_message_log()
    assert fields(handle.message_log) == fields(served.message_log)[:3]
    assert handle.process == THERE
    torch.ones(1).send(handle)
    handle.sync_message_log()
    # the first get_log, then a send and its delete: no record twice, none missing
    assert fields(handle.message_log) == fields(served.message_log)[:-1]
    assert [r.kind for r in handle.message_log][3:] == ["get_log", "send", "delete"]


def test_a_served_worker_answers_get_log_within_its_bounded_log():
    served = rpc.ServedWorker("dave", rank=2, log_size=3)
    for _ in range(3):
        torch.ones(1).send(served)  # a send and a delete each: 6 messages, the log keeps 3
    answer = request(served, GetLog(2))
    assert answer["total"] == 6 and [r[0] for r in answer["records"]] == ["delete", "send", "delete"]
    assert answer["process"]["rank"] == 2 and answer["process"]["pid"] > 0
    later = request(served, GetLog(answer["total"]))
    assert later["total"] == 7 and [r[0] for r in later["records"]] == ["get_log"]
    fresh = request(served, GetLog(99))  # a handle from an earlier group
    assert len(fresh["records"]) == 3


def test_messages_view_shows_which_process_sent_and_received_each_message(remote):
    handle, served = remote
    view = MessagesView(handle)
    p = torch.ones(2).send(handle)
    with view:
        q = p + p
    assert [(r.kind, r.sender, r.receiver, r.op) for r in view.records] == [("command", "me", "carol", "add.Tensor")]
    assert view.processes == {"me": HERE, "carol": THERE}
    assert view.crossed == 1
    view.refresh()
    assert "get_log" not in view.by_kind  # the view's own questions are not counted
    assert "1 crossed between processes" in view._summary.value
    assert "Processes" in view._tables.value and "Process id" in view._tables.value and ">1001<" in view._tables.value
    assert "1000 → 1001" in view._list.value
    text = repr(view)
    assert "Processes:" in text and "carol    Process id 1001  Rank 1  Computer laptop" in text
    assert text.endswith("1 crossed between processes")
    del q


def test_workers_in_this_process_show_no_processes(bob):
    view = MessagesView(bob)
    torch.ones(1).send(bob)
    view.refresh()
    assert view.processes == {} and view.crossed == 0
    assert "Process" not in view._tables.value + view._list.value + view._summary.value + repr(view)


def test_a_stopped_worker_is_asked_once_and_its_copy_stays(remote):
    handle, served = remote
    torch.ones(1).send(handle)
    view = MessagesView(handle)
    assert view.total.messages == 2
    handle.transport = stopped = Stopped()
    view.refresh()
    view.refresh()
    assert stopped.requests == 1 and view.total.messages == 2 and view.processes["carol"] == THERE


def test_after_leaving_the_group_nothing_is_asked(remote, monkeypatch):
    handle, _ = remote
    handle.transport = stopped = Stopped()
    monkeypatch.setattr(rpc, "_joined", lambda: False)
    view = MessagesView(handle)
    assert stopped.requests == 0 and view.total.messages == 0
    assert view.processes["carol"] is None and "carol    Process id ?" in repr(view)


def test_a_worker_that_keeps_no_log_for_others_is_not_asked_again(remote):
    handle, _ = remote
    handle.transport = InProcessTransport(sy.VirtualWorker(id="erin"))  # refuses get_log: an error reply
    handle.sync_message_log()
    assert not handle._log_reachable and len(handle.message_log) == 0
