"""MessagesView: what crossed the wire, and what it cost."""

from dataclasses import dataclass

import ipywidgets

from ..workers.client import check_worker, local_worker
from ..workers.messages import GetLog
from .common import View, _, after_each_cell, escape, format_bytes, heading, table


@dataclass(frozen=True)
class Total:
    """How many messages, and how many bytes (requests and replies) they carried."""

    messages: int = 0
    bytes: int = 0

    def __add__(self, other):
        return Total(self.messages + other.messages, self.bytes + other.bytes)


def size(record):
    """Bytes a message put on the wire: the request and its reply."""
    return record.nbytes + record.reply_nbytes


class MessagesView(View):
    """The messages the given workers received: kind, sender, receiver, operation and bytes, with totals.

    Every interaction with a worker is a message, logged by its receiver
    (``worker.message_log``), so this shows what encrypted computation
    costs: one secure multiplication is many messages, a plaintext one is
    one. Totals are per kind of message and per worker (messages a worker
    sent or received; a message counts for both ends).

    ``reset()`` starts counting from now and ``refresh()`` reads the logs
    again (it also happens after every cell). To see one operation::

        view.reset(); z = x * y; view.refresh()
        # or:  with view: z = x * y

    ``view.records`` are the messages counted, ``view.total``,
    ``view.by_kind`` and ``view.by_worker`` their totals.

    Workers in other processes (``sy.start_workers``) keep their logs in
    their own processes: the view asks each one for what it logged with a
    ``get_log`` message (not counted), and then also shows which process
    each worker runs in (``view.processes``) and how many messages crossed
    from one process to another (``view.crossed``).
    """

    def __init__(self, *workers, max_rows=15):
        self.workers = list(dict.fromkeys(check_worker(w, "MessagesView") for w in workers))
        if not self.workers:
            raise ValueError("MessagesView needs at least one worker, e.g. MessagesView(bob, alice, james)")
        self.max_rows = max_rows
        self.records = []
        self._here = None  # this notebook's Process, once a worker in another process is shown
        self._marks = [None] * len(self.workers)  # the last record of each log at reset(); None: from the start
        self._summary, self._tables, self._list = ipywidgets.HTML(), ipywidgets.HTML(), ipywidgets.HTML()
        self._refresh_button = ipywidgets.Button(icon="refresh")
        self._reset_button = ipywidgets.Button(icon="step-forward")
        self._refresh_button.on_click(lambda _button: self.refresh())
        self._reset_button.on_click(lambda _button: self.reset())
        buttons = ipywidgets.HBox([self._refresh_button, self._reset_button])
        self.widget = ipywidgets.VBox([self._summary, buttons, self._tables, self._list])
        self._unhook = after_each_cell(self.refresh)
        self.refresh()

    def reset(self):
        """Count only the messages from now on."""
        self._marks = [log[-1] if log else None for log in self._logs()]
        return self.refresh()

    def refresh(self):
        """Read the workers' logs again and redraw."""
        records = []
        for log, mark in zip(self._logs(), self._marks):
            records += [r for r in _since(log, mark) if r.kind != GetLog.KIND]  # the view's own questions
        self.records = sorted(records, key=lambda r: r.time)  # stable: keeps each log's order
        self._draw()
        return self

    def _draw_now(self):
        if self._unhook is not None:  # not closed: count up to now, as after each cell
            self.refresh()

    def _logs(self):
        """Each worker's log; a handle to a worker in another process first asks it for what is new."""
        logs = []
        for worker in self.workers:
            if _in_other_process(worker):
                worker.sync_message_log()
            logs.append(worker.message_log)
        return logs

    @property
    def processes(self):
        """``{worker id: Process}`` for this notebook ("me") and each worker, when one runs in another process.

        A worker that never answered has ``None``. Empty when every worker runs in this process.
        """
        if not any(_in_other_process(w) for w in self.workers):
            return {}
        if self._here is None:
            from ..workers.rpc import this_process

            self._here = this_process()
        where = {local_worker.id: self._here}
        where.update((w.id, w.process if _in_other_process(w) else self._here) for w in self.workers)
        return where

    @property
    def crossed(self):
        """How many of the counted messages went from one process to another (sender's and receiver's known)."""
        where = self.processes
        return sum(1 for r in self.records
                   if where.get(r.sender) and where.get(r.receiver) and where[r.sender] != where[r.receiver])

    def __enter__(self):
        self.reset()
        return self

    def __exit__(self, *exc_info):
        self.refresh()

    @property
    def total(self):
        return Total(len(self.records), sum(size(r) for r in self.records))

    @property
    def by_kind(self):
        """``{kind: Total}``, the most frequent kind first."""
        return _totals((r.kind, r) for r in self.records)

    @property
    def by_worker(self):
        """``{worker id: Total}`` of the messages each worker sent or received."""
        return _totals((end, r) for r in self.records for end in dict.fromkeys((r.sender, r.receiver)))

    def _draw(self):
        total, where = self.total, self.processes
        self._refresh_button.description = _("Refresh")
        self._reset_button.description = _("Count from now")
        note = f"{total.messages} · {format_bytes(total.bytes)}"
        if where:
            note += " · " + _("{n} crossed between processes").format(n=self.crossed)
        self._summary.value = heading(_("Messages"), note)
        count_bytes = [_("Messages"), _("Bytes")]
        kinds = table([_("Type"), *count_bytes],
                      [[k, t.messages, format_bytes(t.bytes)] for k, t in self.by_kind.items()],
                      numeric=(1, 2), code=(0,))
        workers = table([_("Worker"), *count_bytes],
                        [[w, t.messages, format_bytes(t.bytes)] for w, t in self.by_worker.items()], numeric=(1, 2))
        box = "<div style='margin-right:32px'>{}</div>"
        processes = ""
        if where:
            rows = [[w, *_process_columns(p)] for w, p in where.items()]
            headers = [_("Worker"), _("Process id"), _("Rank"), _("Computer")]
            processes = box.format(heading(_("Processes")) + table(headers, rows, numeric=(1, 2)))
        self._tables.value = ("<div style='display:flex;flex-wrap:wrap'>"
                              + box.format(heading(_("By type")) + kinds)
                              + box.format(heading(_("By worker")) + workers) + processes + "</div>")
        shown = self.records[-self.max_rows:]
        rows = [[r.kind, r.sender, r.receiver, r.op, format_bytes(size(r))] for r in shown]
        headers = [_("Type"), _("Sender"), _("Receiver"), _("Operation"), _("Bytes")]
        if where:  # the process ids a message went between, e.g. 4242 → 4243
            headers.insert(3, _("Processes"))
            for row, r in zip(rows, shown):
                row.insert(3, f"{_pid(where.get(r.sender))} → {_pid(where.get(r.receiver))}")
        listing = table(headers, rows, numeric=(len(headers) - 1,), code=(0, len(headers) - 2))
        more = len(self.records) - len(shown)
        note = f"<div style='opacity:.7'>{escape(_('… {n} more').format(n=more))}</div>" if more else ""
        self._list.value = note + listing if rows else ""

    def __repr__(self):
        total = self.total
        lines = [f"MessagesView: {', '.join(w.id for w in self.workers)}",
                 f"{_('Messages')}: {total.messages}, {_('Bytes')}: {total.bytes}"]
        lines.append(f"{_('By type')}:")
        lines += [f"  {k:<8} {t.messages:>6}  {format_bytes(t.bytes):>9}" for k, t in self.by_kind.items()]
        lines.append(f"{_('By worker')}:")
        lines += [f"  {w:<8} {t.messages:>6}  {format_bytes(t.bytes):>9}" for w, t in self.by_worker.items()]
        where = self.processes
        if where:
            labels = (_("Process id"), _("Rank"), _("Computer"))
            lines.append(f"{_('Processes')}:")
            for w, p in where.items():
                columns = zip(labels, _process_columns(p))
                lines.append(f"  {w:<8} " + "  ".join(f"{label} {value}" for label, value in columns))
            lines.append(_("{n} crossed between processes").format(n=self.crossed))
        return "\n".join(lines)


def _in_other_process(worker):
    """Whether ``worker`` is a handle to a worker in another process, whose log must be asked for."""
    return callable(getattr(worker, "sync_message_log", None))


def _process_columns(process):
    """Process id, rank and computer, or "?" for a worker that never answered."""
    if process is None:
        return ["?", "?", "?"]
    return [process.pid, "—" if process.rank is None else process.rank, process.host]


def _pid(process):
    return "?" if process is None else process.pid


def _since(log, mark):
    """The records of ``log`` after ``mark`` (all of them if ``mark`` is None or has left the bounded log)."""
    if mark is None:
        return list(log)
    newer = []
    for record in reversed(log):
        if record is mark:
            return newer[::-1]
        newer.append(record)
    return newer[::-1]


def _totals(pairs):
    totals = {}
    for key, record in pairs:
        totals[key] = totals.get(key, Total()) + Total(1, size(record))
    return dict(sorted(totals.items(), key=lambda item: -item[1].messages))
