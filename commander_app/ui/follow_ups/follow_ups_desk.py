"""Follow-ups in the main window: the status bar's count of what needs someone, and the
Follow-ups view, which loads the first time it is opened.

The count is read just after the window's first paint, never before it, and again when
an action is written (here or by another process) and once a minute, as items fall due.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from commander_app.core.model import Kind
from commander_app.store.incident_log import IncidentLog
from commander_app.store.timeline import TimelineRow
from commander_app.ui.shortcuts import by_name
from commander_app.ui.updates.cadence_strip import AMBER, RED

if TYPE_CHECKING:  # loaded on first use
    from commander_app.ui.follow_ups.follow_ups_view import FollowUpsView

COUNT_REFRESH_MS = 60_000
# An item's owner, answer and state are action events; its incident's title an incident one.
FOLLOW_UP_KINDS = frozenset({Kind.ACTION, Kind.INCIDENT})


class FollowUpsDesk(QObject):
    wrote = Signal()  # the view logged an answer or a move
    push_queued = Signal(str)  # the view queued a push: the line to show; send it now
    pull_asked = Signal()  # the view asked to read the trackers back

    def __init__(self, log: IncidentLog, author: str, zone: tzinfo, window: QWidget) -> None:
        super().__init__(window)
        self._log, self._author, self._zone, self._window = log, author, zone, window
        self._view: FollowUpsView | None = None
        self.badge = QPushButton()
        self.badge.setToolTip(f"Follow-ups of every incident ({by_name('follow_ups').keys})")
        self.badge.hide()  # until there is something to say, after the first paint
        self.badge.clicked.connect(self.show_view)
        self._minute = QTimer(self)
        self._minute.setInterval(COUNT_REFRESH_MS)
        self._minute.timeout.connect(self.refresh_count)

    def after_first_paint(self) -> None:
        self.refresh_count()
        self._minute.start()

    def refresh_count(self) -> None:
        from commander_app.core.follow_ups import Standing, attention
        from commander_app.store.follow_ups import counts

        tally = counts(self._log, self._log.clock.now())
        line = attention(tally)
        self.badge.setText(line)
        look = RED if tally.get(Standing.OVERDUE) else AMBER  # overdue needs you; amber waits
        self.badge.setStyleSheet(f"QPushButton {{ {look} }}" if line else "")
        self.badge.setVisible(bool(line))

    def on_arrived(self, rows: Sequence[TimelineRow]) -> None:
        """New events: read again only if they can change an item or its incident."""
        if not any(r.event.kind in FOLLOW_UP_KINDS or r.event.supersedes for r in rows):
            return
        if self._minute.isActive():  # the count is read from the first paint on
            self.refresh_count()
        if self._view is not None and self._view.isVisible():
            self._view.refresh()

    def show_view(self) -> FollowUpsView:
        from commander_app.ui.follow_ups.follow_ups_view import FollowUpsView

        if self._view is None:
            self._view = FollowUpsView(self._log, self._author, self._zone, self._window)
            self._view.wrote.connect(self.wrote)
            self._view.push_queued.connect(self.push_queued)
            self._view.pull_asked.connect(self.pull_asked)
        else:
            self._view.refresh()
        self._view.show()
        self._view.raise_()
        self._view.activateWindow()
        self._view.table.setFocus()
        return self._view

    def show_failed_push(self) -> FollowUpsView | None:
        """The view, on the oldest follow-up whose push to its tracker failed."""
        from commander_app.store.tracker_pushes import first_failed

        push = first_failed(self._log)
        view = self.show_view()
        if push is not None:
            view.show_item(push.action_id, push.incident_id)
        return view

    def on_pulled(self, changed: list[str], problems: list[str]) -> None:
        if self._view is not None:
            self._view.on_pulled(changed, problems)

    def on_attempt(self, row_id: str, _state: str, line: str) -> None:
        """The window's runner tried an update or a push; the view tells its own push's."""
        if self._view is not None:
            self._view.on_attempt(row_id, line)

    @property
    def view(self) -> FollowUpsView | None:
        return self._view

    def stop(self) -> None:
        self._minute.stop()
        if self._view is not None:
            self._view.stop()
