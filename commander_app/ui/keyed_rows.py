"""Bring a list model's rows up to date in place: rows removed, inserted, moved and
changed, each announced to the views, so their selection and current index follow
their item instead of being lost to a reset."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QModelIndex

T = TypeVar("T")


def update_rows(
    model: QAbstractItemModel,
    rows: list[T],
    fresh: Sequence[T],
    key: Callable[[T], Hashable],
    first_row: int = 0,
) -> None:
    """Make `rows` (the model's own list, shown from row `first_row` on) equal `fresh`,
    matching items by `key`. Each change is made between the model's begin/end calls."""
    if not rows and fresh:  # the first load: one insertion, not one per row
        model.beginInsertRows(QModelIndex(), first_row, first_row + len(fresh) - 1)
        rows.extend(fresh)
        model.endInsertRows()
        return
    kept = {key(item) for item in fresh}
    for n in reversed(range(len(rows))):
        if key(rows[n]) not in kept:
            model.beginRemoveRows(QModelIndex(), first_row + n, first_row + n)
            del rows[n]
            model.endRemoveRows()
    _arrange(model, rows, fresh, key, first_row)
    # A list model's columnCount is private to Python: it has the one column.
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    for n, item in enumerate(fresh):
        if rows[n] != item:
            rows[n] = item
            changed = model.index(first_row + n, 0)
            last = model.index(first_row + n, max(columns - 1, 0))
            model.dataChanged.emit(changed, last)


def _arrange(
    model: QAbstractItemModel,
    rows: list[T],
    fresh: Sequence[T],
    key: Callable[[T], Hashable],
    first_row: int,
) -> None:
    """Insert the new items and move the ones whose place changed, leaving the longest
    run already in order where it is (the fewest moves). Walking from the end, every
    other item goes just before its successor in `fresh`."""
    target = {key(item): n for n, item in enumerate(fresh)}
    staying = _longest_ordered_run([target[key(item)] for item in rows])
    where = {key(item): n for n, item in enumerate(rows)}
    for n in reversed(range(len(fresh))):
        if n in staying:
            continue
        item = fresh[n]
        before = where[key(fresh[n + 1])] if n + 1 < len(fresh) else len(rows)
        row = where.get(key(item), -1)
        top = QModelIndex()
        if row < 0:
            model.beginInsertRows(top, first_row + before, first_row + before)
            rows.insert(before, item)
            model.endInsertRows()
        elif before not in (row, row + 1):
            # Qt counts the destination before the move: moving down, the row lands at
            # before - 1.
            model.beginMoveRows(top, first_row + row, first_row + row, top, first_row + before)
            moved = rows.pop(row)
            rows.insert(before - 1 if before > row else before, moved)
            model.endMoveRows()
        else:
            continue
        where = {key(entry): i for i, entry in enumerate(rows)}


def _longest_ordered_run(positions: Sequence[int]) -> set[int]:
    """The values of a longest increasing subsequence of distinct `positions`."""
    tails: list[int] = []  # tails[k]: where the best run of length k + 1 ends
    tail_values: list[int] = []
    previous = [-1] * len(positions)
    for i, value in enumerate(positions):
        k = bisect.bisect_left(tail_values, value)
        previous[i] = tails[k - 1] if k > 0 else -1
        if k == len(tails):
            tails.append(i)
            tail_values.append(value)
        else:
            tails[k] = i
            tail_values[k] = value
    run: set[int] = set()
    i = tails[-1] if tails else -1
    while i >= 0:
        run.add(positions[i])
        i = previous[i]
    return run
