"""Table models: a small one for lists held in memory, and the lazy People model.

No SQL here. :class:`RowsModel` shows rows it is given (``set_rows``) and
sorts them itself (they are small). :class:`PeopleModel` holds only the
ordered person ids that a search returned; it asks a fetch function (a
service call) for the rows of the page being looked at, and keeps a few
pages. Sorting it asks the store to sort (``sortRequested``): a
``QSortFilterProxyModel`` over hundreds of thousands of rows calls
``data()`` tens of millions of times.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ..services.people import PersonRow
from .widgets import ACCENT

__all__ = ["Column", "RowsModel", "PeopleModel", "RowRole", "SortRole", "IdRole"]

RowRole = Qt.ItemDataRole.UserRole + 1      # the row object itself
SortRole = Qt.ItemDataRole.UserRole + 2     # the raw value, for sorting
IdRole = Qt.ItemDataRole.UserRole + 3       # a person id, where the row has one

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """A column: its header, how to get its value from a row, and optionally a tooltip."""
    title: str
    value: Callable[[Any], Any]
    tooltip: Callable[[Any], str | None] | None = None
    numeric: bool = False
    sort: Callable[[Any], Any] | None = None   # the value to sort by, when the shown one does not sort well
    accent: bool = False   # the row's accent colours this column (when no column says so, the first)
    hidden: bool = False   # hidden until shown from the header's menu (codes and raw detail kept for the few)


class RowsModel(QAbstractTableModel):
    """Rows held in memory (a few thousand at most), shown through :class:`Column` specs."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Any] = (), parent=None,
                 person_id: Callable[[Any], str | None] | None = None,
                 accent: Callable[[Any], str | None] | None = None):
        super().__init__(parent)
        self.columns = list(columns)
        self._rows = list(rows)
        self._person_id = person_id
        self._accent = accent  # row -> a key of widgets.ACCENT (its text colour), or None

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row(self, i: int) -> Any:
        return self._rows[i]

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(col.value(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col.tooltip:
                return col.tooltip(row)
            text = _text(col.value(row))
            return text if len(text) > 30 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if col.numeric else _LEFT)
        if role == Qt.ItemDataRole.ForegroundRole and self._accent is not None and self._accented(index.column()):
            kind = self._accent(row)
            return QColor(ACCENT[kind]) if kind else None
        if role == Qt.ItemDataRole.FontRole and self._accent is not None and self._accented(index.column()):
            if self._accent(row) in ("error", "warning"):    # what needs action reads bold too, not by colour alone
                from PySide6.QtGui import QFont
                f = QFont()
                f.setBold(True)
                return f
        if role == RowRole:
            return row
        if role == SortRole:
            return (col.sort or col.value)(row)
        if role == IdRole:
            return self._person_id(row) if self._person_id else None
        return None

    def _accented(self, column: int) -> bool:
        """Only one column carries a row's accent (what needs action stands out; the table stays calm)."""
        marked = [i for i, c in enumerate(self.columns) if c.accent]
        return column in marked if marked else column == 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.tr(self.columns[section].title)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(_RIGHT if self.columns[section].numeric else _LEFT)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not (0 <= column < len(self.columns)):
            return
        get = self.columns[column].sort or self.columns[column].value

        def key(r):
            v = get(r)
            return v.casefold() if isinstance(v, str) else v

        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_rows = [self._rows[i.row()] for i in old]
        blank = [r for r in self._rows if get(r) is None]          # empty cells last either way
        filled = sorted((r for r in self._rows if get(r) is not None), key=key,
                        reverse=(order == Qt.SortOrder.DescendingOrder))
        self._rows = filled + blank
        pos = {id(r): n for n, r in enumerate(self._rows)}
        self.changePersistentIndexList(old, [self.index(pos[id(r)], i.column()) for r, i in zip(old_rows, old)])
        self.layoutChanged.emit()


class PeopleModel(QAbstractTableModel):
    """The People table over a list of person ids; rows are fetched a page at a time, as they are shown."""

    ID, NAME, DOB, AS_PERPETRATOR, AS_VICTIM, LAST_INCIDENT = range(6)
    HEADERS = ("Id", "Name", "Date of birth", "Perpetrator in", "Victim in", "Last incident")
    SORT_KEYS = ("id", "name", "dob", "as_perpetrator", "as_victim", "last_incident")
    TOOLTIPS = (None, None, None, "Incidents where this person is recorded as the perpetrator",
                "Incidents where this person is recorded as the victim", "Date of the latest incident either way")

    sortRequested = Signal(str, bool)   # sort key, descending: the page asks the store

    def __init__(self, fetch_rows: Callable[[list[str]], dict[str, PersonRow]], *, page_size: int = 200,
                 pages_kept: int = 40, parent=None):
        super().__init__(parent)
        self._fetch = fetch_rows
        self.page_size = page_size
        self.pages_kept = pages_kept
        self._ids: list[str] = []
        self._pages: OrderedDict[int, dict[str, PersonRow]] = OrderedDict()
        self.fetches = 0

    # ---- content
    def set_ids(self, ids: list[str]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def clear(self) -> None:
        self.set_ids([])

    def invalidate_rows(self) -> None:
        """Rows changed in the store but not which ids match: refetch what is shown."""
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.HEADERS) - 1))

    def person_id(self, row: int) -> str:
        return self._ids[row]

    def ids(self) -> list[str]:
        return self._ids

    def _row(self, i: int) -> PersonRow | None:
        page = i // self.page_size
        rows = self._pages.get(page)
        if rows is None:
            ids = self._ids[page * self.page_size:(page + 1) * self.page_size]
            rows = self._fetch(ids)
            self.fetches += 1
            self._pages[page] = rows
            while len(self._pages) > self.pages_kept:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        return rows.get(self._ids[i])

    # ---- Qt
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        if role == IdRole:
            return self._ids[index.row()]
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.TextAlignmentRole,
                        Qt.ItemDataRole.ToolTipRole, RowRole, SortRole):
            return None
        c = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if c in (self.AS_PERPETRATOR, self.AS_VICTIM) else _LEFT)
        r = self._row(index.row())
        if r is None:  # deleted from the store since the search
            return "(removed)" if role == Qt.ItemDataRole.DisplayRole and c == self.NAME else None
        if role == RowRole:
            return r
        value = (r.id, r.name, r.dob, r.as_perpetrator, r.as_victim, r.last_incident)[c]
        if role == SortRole:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            if c == self.NAME and r.merged_into:
                return f"This record was merged into {r.merged_into}"
            return None
        if c == self.NAME and r.merged_into:
            return f"{r.name} (merged)"
        return _text(value)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(self.HEADERS)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.HEADERS[section])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TOOLTIPS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if section in (self.AS_PERPETRATOR, self.AS_VICTIM) else _LEFT)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.SORT_KEYS):
            self.sortRequested.emit(self.SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)
