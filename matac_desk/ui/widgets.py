"""Small building blocks shared by the pages: headings, status accents, table views.

Colours come from the system palette (light or dark). The only fixed
colours are the status accents below, chosen to read on both.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionTab,
    QStylePainter,
    QTabBar,
    QTableView,
    QTabWidget,
    QWidget,
)

__all__ = ["ACCENT", "heading", "button", "text_label", "accent_label", "say", "selected_row", "MessageLabel",
           "table_view", "remember_header", "fit_columns", "attach_model", "save_header", "settings", "sortable_table",
           "SideTabBar", "side_tabs"]

ORG, APP = "MATAC Desk", "MATAC Desk"

# Status accents that stay legible on light and dark backgrounds.
ACCENT = {"error": "#d9534f", "warning": "#d08a00", "ok": "#3c9a5f", "info": "#3d85c6"}


def settings() -> QSettings:
    """Per-user preferences and window state (never personal data)."""
    return QSettings(ORG, APP)


def heading(text: str, level: int = 2, parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(f"<h{level} style='margin:0'>{text}</h{level}>")
    label.setAccessibleName(text)
    return label


def button(text: str, slot, *, accessible: str | None = None, tip: str | None = None,
           parent: QWidget | None = None) -> QPushButton:
    """A push button; its accessible name is its text without the mnemonic and ellipsis unless given."""
    b = QPushButton(text, parent)
    b.setAccessibleName(accessible or text.replace("&", "").rstrip("…"))
    if tip:
        b.setToolTip(tip)
    b.clicked.connect(slot)
    return b


def text_label(accessible: str, parent: QWidget | None = None) -> QLabel:
    """A word-wrapped label for a line of text the page fills in; named for screen readers."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setAccessibleName(accessible)
    return label


def _accent(kind: str | None) -> str:
    """The style sheet of a status accent (``ok``, ``error``, ``warning``, ``info``); none for None."""
    return f"color: {ACCENT[kind]}; font-weight: 600" if kind else ""


def accent_label(text: str = "", kind: str = "error", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setStyleSheet(_accent(kind))
    label.setWordWrap(True)
    return label


def say(label: QLabel, text: str, kind: str | None = None) -> None:
    """Put a message in a label: plain, or in a status accent (``ok``, ``error``, ``warning``, ``info``)."""
    label.setStyleSheet(_accent(kind))
    label.setText(text)


def selected_row(view: QTableView):
    """The row object under a single-selection table's selected row, or None; the model is a ``RowsModel``."""
    rows = view.selectionModel().selectedRows()
    return view.model().row(rows[0].row()) if rows else None


class MessageLabel(QLabel):
    """A section's one line of news: :meth:`say` for what happened, :meth:`refuse` for what was not done.

    A refusal is in the error accent, and its words say what was not done
    (colour is never the only sign); ``refused`` tells which it was.
    """

    def __init__(self, accessible: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName(accessible)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refused = False

    def say(self, text: str) -> None:
        self.refused = False
        say(self, text)

    def refuse(self, text: str) -> None:
        self.refused = True
        say(self, text, "error")

    def clear(self) -> None:
        self.say("")


def table_view(name: str, accessible: str, parent: QWidget | None = None) -> QTableView:
    """A read-only, row-selecting table; ``name`` keys its remembered column widths."""
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.horizontalHeader().setSectionsMovable(True)
    return view


def remember_header(view: QTableView, widths: dict[int, str] | None = None) -> bool:
    """Restore a table's column widths and order from QSettings; True when there was a saved state.

    Without one, ``widths`` gives first-run widths as sample text (``{0: "NM0000000"}``).
    """
    state = settings().value(f"columns/{view.objectName()}")
    if state is not None and view.horizontalHeader().restoreState(state):
        view.setProperty("columnsFixed", True)
        return True
    fm = view.fontMetrics()
    for col, sample in (widths or {}).items():
        view.setColumnWidth(col, fm.horizontalAdvance(sample) + 24)
    if widths:
        view.setProperty("columnsFixed", True)
    return False


def fit_columns(view: QTableView) -> None:
    """Size the columns to what they hold, once, unless the user's widths were restored."""
    model = view.model()
    if view.property("columnsFixed") or model is None or model.rowCount() == 0:
        return
    header = view.horizontalHeader()
    cap = max(180, view.viewport().width() * 2 // 5)
    last = model.columnCount() - 1
    for c in range(model.columnCount()):
        if c == last and header.stretchLastSection():
            break
        view.resizeColumnToContents(c)
        if view.columnWidth(c) > cap:
            view.setColumnWidth(c, cap)
    view.setProperty("columnsFixed", True)


def attach_model(view: QTableView, model) -> QTableView:
    """Give a table its model; restore remembered widths, or fit them to the first rows it shows."""
    view.setModel(model)
    if not remember_header(view):
        model.modelReset.connect(lambda: fit_columns(view))
        fit_columns(view)
    return view


def sortable_table(name: str, accessible: str, model) -> QTableView:
    """A table over a model that sorts itself (a click on a header sorts the rows in the model)."""
    view = table_view(name, accessible)
    attach_model(view, model)
    view.setSortingEnabled(True)
    view.horizontalHeader().setSortIndicatorShown(False)
    return view


def save_header(view: QTableView) -> None:
    settings().setValue(f"columns/{view.objectName()}", view.horizontalHeader().saveState())


class SideTabBar(QTabBar):
    """A tab bar for the left side of a ``QTabWidget`` whose labels read across, not up.

    For a record with many sections (the person page has fourteen): stacked
    down the side they all stay in view with their full names and counts,
    where a row of tabs across the top would scroll.
    """

    def tabSizeHint(self, index: int) -> QSize:
        fm = self.fontMetrics()
        text = self.tabText(index).replace("&&", "\0").replace("&", "").replace("\0", "&")
        return QSize(fm.horizontalAdvance(text) + 28, fm.height() + 14)

    def minimumTabSizeHint(self, index: int) -> QSize:
        return self.tabSizeHint(index)

    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionTab()
        for i in range(self.count()):
            self.initStyleOption(opt, i)
            painter.drawControl(QStyle.ControlElement.CE_TabBarTabShape, opt)
            opt.shape = QTabBar.Shape.RoundedNorth      # the label drawn as on a tab across the top
            painter.drawControl(QStyle.ControlElement.CE_TabBarTabLabel, opt)


def side_tabs(accessible: str) -> QTabWidget:
    """A ``QTabWidget`` with its tabs down the left, labels reading across (:class:`SideTabBar`)."""
    tabs = QTabWidget()
    tabs.setTabBar(SideTabBar())
    tabs.setTabPosition(QTabWidget.TabPosition.West)
    tabs.setAccessibleName(accessible)
    return tabs
