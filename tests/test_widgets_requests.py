"""RequestsView: the owner's desk for requests to private data."""

import torch

from pyprivate.widgets import RequestsView


def test_the_desk_lists_requests_and_its_buttons_decide(bob, english):
    x = torch.tensor([1.0, 2.0]).send(bob, private=True)
    total, doubled = x.sum(), x * 2
    view = RequestsView(bob)
    assert "No requests yet" in repr(view)
    total.request("the total, for the report")
    doubled.request("all of it")
    view.update()
    first, second = view._rows.children
    text = first.children[0].value
    assert "computed by sum" in text and "the total, for the report" in text and "pending" in text
    assert [b.description for b in first.children[1:]] == ["Approve", "Deny"]
    first.children[1].click()   # approve the total
    second.children[2].click()  # deny the rest
    assert [r.status for r in bob.governance.requests] == ["approved", "denied"]
    assert "1 pending" not in view._title.value and "0 pending" in view._title.value
    total_id = total.id_at_location
    assert total.get().item() == 3.0
    view.update()
    assert "What left bob" in view._released.value and f"{total_id} → me" in repr(view)


def test_the_desk_speaks_the_learners_language(bob, english):
    from pyprivate.i18n import set_language

    x = torch.tensor([1.0]).send(bob, private=True)
    x.request("why")
    set_language("de")
    try:
        view = RequestsView(bob)
        buttons = [b.description for b in view._rows.children[0].children[1:]]
    finally:
        set_language(None)
    assert buttons != ["Approve", "Deny"]
