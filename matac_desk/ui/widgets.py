"""Small building blocks shared by the pages: headings, status accents, table views.

Colours come from the system palette (light or dark). The only fixed
colours are the status accents below, chosen to read on both.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, QSettings, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStackedWidget,
    QVBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QSplitter,
    QPushButton,
    QStyle,
    QStyleOptionTab,
    QStylePainter,
    QTabBar,
    QTableView,
    QTabWidget,
    QWidget,
)

__all__ = ["ACCENT", "ACCENT_LIGHT", "ACCENT_DARK", "is_dark", "contrast", "column_menu", "build_column_menu", "stretch_column",
           "remember_splitter", "save_splitter", "EmptyHint", "heading", "button", "text_label", "accent_label", "say", "selected_row", "MessageLabel",
           "table_view", "remember_header", "fit_columns", "attach_model", "save_header", "settings", "sortable_table",
           "SideTabBar", "side_tabs"]

ORG, APP = "MATAC Desk", "MATAC Desk"

# Status accents, one shade for light palettes and one for dark: no single colour reads at 4.5:1 (WCAG AA)
# on both a white and a near-black background, so the shade follows the palette in use when it is asked for.
ACCENT_LIGHT = {"error": "#b3261e", "warning": "#8a5300", "ok": "#1d7036", "info": "#1f5fa6"}
ACCENT_DARK = {"error": "#ff8a80", "warning": "#ffb74d", "ok": "#81c995", "info": "#8ab4f8"}


def is_dark(palette=None) -> bool:
    """The palette (default the application's) has light text on a dark window."""
    from PySide6.QtGui import QGuiApplication, QPalette
    pal = palette if palette is not None else (QGuiApplication.palette() if QGuiApplication.instance() else None)
    if pal is None:
        return False
    return pal.color(QPalette.ColorRole.Window).lightnessF() < 0.5


class _Accents(Mapping):
    """``ACCENT["error"]``: the accent's colour for the palette in use (light or dark)."""

    def _table(self) -> dict[str, str]:
        return ACCENT_DARK if is_dark() else ACCENT_LIGHT

    def __getitem__(self, key: str) -> str:
        return self._table()[key]

    def __iter__(self):
        return iter(ACCENT_LIGHT)

    def __len__(self) -> int:
        return len(ACCENT_LIGHT)


ACCENT = _Accents()


def _luminance(colour) -> float:
    from PySide6.QtGui import QColor
    c = QColor(colour)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a, b) -> float:
    """The WCAG contrast ratio of two colours (1 to 21); text needs 4.5 (AA)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


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
    # narrow enough for a one-letter column (R, F, G, V) holding a number; the header's text sets each floor
    view.horizontalHeader().setMinimumSectionSize(view.fontMetrics().horizontalAdvance("MM") + 8)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)   # the model gives a long text its tooltip
    column_menu(view)
    return view


def column_menu(view: QTableView) -> None:
    """A right click on the header offers every column to show or hide; the choice is remembered with the
    widths (the header's saved state keeps hidden sections). The last shown column cannot be hidden."""
    header = view.horizontalHeader()
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

    def show_menu(pos) -> None:
        menu = build_column_menu(view)
        if menu is not None:
            menu.popup(header.mapToGlobal(pos))

    header.customContextMenuRequested.connect(show_menu)


def build_column_menu(view: QTableView) -> QMenu | None:
    """The header's menu: a checkable entry per column, then "Fit columns to contents"."""
    header = view.horizontalHeader()
    model = view.model()
    if model is None:
        return None
    menu = QMenu(view)
    menu.setAccessibleName("Columns")
    shown = [c for c in range(model.columnCount()) if not header.isSectionHidden(c)]
    for c in range(model.columnCount()):
        title = str(model.headerData(c, Qt.Orientation.Horizontal) or f"Column {c + 1}")
        act = menu.addAction(title)
        act.setCheckable(True)
        act.setChecked(not header.isSectionHidden(c))
        act.setEnabled(not (len(shown) == 1 and c in shown))
        act.toggled.connect(lambda on, col=c: (header.setSectionHidden(col, not on), save_header(view)))
    menu.addSeparator()
    menu.addAction("Fit columns to contents", lambda: (view.setProperty("columnsFixed", False),
                                                       fit_columns(view), save_header(view)))
    return menu


def stretch_column(view: QTableView, column: int) -> None:
    """Give the spare width to ``column`` (the one whose text is long: a description, a reason) rather than
    to the last; the others keep the widths they were fitted to or given."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    view.setProperty("stretchColumn", column)


def remember_splitter(splitter: QSplitter, name: str, sizes: list[int]) -> None:
    """Restore a splitter's sizes from QSettings (else ``sizes``); its panes can be collapsed by dragging."""
    splitter.setObjectName(name)
    splitter.setChildrenCollapsible(True)
    state = settings().value(f"splitters/{name}")
    if state is None or not splitter.restoreState(state):
        splitter.setSizes(sizes)
    splitter.splitterMoved.connect(lambda *_: save_splitter(splitter))


def save_splitter(splitter: QSplitter) -> None:
    settings().setValue(f"splitters/{splitter.objectName()}", splitter.saveState())


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


class _Fitter(QObject):
    """Fits a table's columns again when the table gets its real width (first shown, window resized), until
    the user sizes a column by hand (then the widths are the user's, and remembered)."""

    def __init__(self, view: QTableView):
        super().__init__(view)
        self.view = view
        self.fitting = False
        self.width = 0
        view.viewport().installEventFilter(self)
        view.horizontalHeader().sectionResized.connect(self._by_hand)

    def _by_hand(self, *_args) -> None:
        if not self.fitting and self.view.isVisible() and QApplication.mouseButtons():
            self.view.setProperty("userColumns", True)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Resize and not self.view.property("userColumns"):
            w = self.view.viewport().width()
            if abs(w - self.width) > 40:
                self.width = w
                self.view.setProperty("columnsFixed", False)
                fit_columns(self.view)
        return False


def _shrink_to_fit(view: QTableView, floors: dict[int, int]) -> None:
    """When the columns are wider than the table, take width from the widest ones (never below a floor: the
    header and its sort arrow, or eight characters) so that the table fits; long text is elided and the
    model's tooltip shows it whole. A table whose floors do not fit scrolls sideways."""
    header = view.horizontalHeader()
    room = view.viewport().width()
    if room < 200:
        return
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    stretch = view.property("stretchColumn")
    if stretch is None and header.stretchLastSection() and shown:
        stretch = shown[-1]
    if stretch in shown:
        title = str(view.model().headerData(stretch, Qt.Orientation.Horizontal) or "")
        em = view.fontMetrics().averageCharWidth()
        # the stretched column is the one chosen for long text: it keeps a useful width; the last column
        # stretched by default only its header's
        keep = em * 28 if view.property("stretchColumn") is not None else em * 10
        head = view.fontMetrics().horizontalAdvance(title) + 24
        shown = [c for c in shown if c != stretch]
        # when the other columns at their floors leave less, the stretched one gives way down to its header
        spare = room - sum(max(floors.get(c, 0), header.minimumSectionSize()) for c in shown)
        reserve = max(head, min(keep, spare))
        room -= reserve
        if header.stretchLastSection() and view.property("stretchColumn") is None:
            view.setColumnWidth(stretch, reserve)   # its size before stretching: the floor Qt keeps it at
    widths = {c: view.columnWidth(c) for c in shown}
    for _ in range(len(shown) * 3):
        over = sum(widths.values()) - room
        if over <= 0:
            break
        wide = [c for c in shown if widths[c] > floors.get(c, 0)]
        if not wide:
            break
        c = max(wide, key=lambda k: widths[k] - floors.get(k, 0))
        widths[c] = max(floors.get(c, 0), widths[c] - over)
    for c, w in widths.items():
        if w != view.columnWidth(c):
            view.setColumnWidth(c, w)


def fit_columns(view: QTableView) -> None:
    """Size the columns to what they hold (then to the table's width), unless the user's widths were restored."""
    model = view.model()
    if view.property("columnsFixed") or model is None:
        return
    if model.rowCount() == 0:   # an empty table shows its headers whole; it is fitted again when rows come
        for c in range(model.columnCount()):
            head = view.fontMetrics().horizontalAdvance(str(model.headerData(c, Qt.Orientation.Horizontal) or ""))
            if view.columnWidth(c) < head + 16:
                view.setColumnWidth(c, head + 16)
        return
    fitter = view.findChild(_Fitter)
    if fitter is not None:
        fitter.fitting = True
    try:
        _fit(view, model)
    finally:
        if fitter is not None:
            fitter.fitting = False


def _fit(view: QTableView, model) -> None:
    header = view.horizontalHeader()
    cap = max(180, view.viewport().width() * 2 // 5)
    last = model.columnCount() - 1
    stretch = view.property("stretchColumn")
    arrow = (view.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize) + 8
             if view.isSortingEnabled() and header.isSortIndicatorShown() else 0)
    floors: dict[int, int] = {}
    for c in range(model.columnCount()):
        if c == stretch or (c == last and header.stretchLastSection()):
            continue
        view.resizeColumnToContents(c)
        width = view.columnWidth(c)
        # the header's text and its sort arrow side by side, never one over the other
        head = view.fontMetrics().horizontalAdvance(str(model.headerData(c, Qt.Orientation.Horizontal) or "")) + 16
        width = max(width, head + arrow)
        view.setColumnWidth(c, min(width, cap))
        # a short column (a date, a count, a status) keeps its width; a long text gives way, to a floor
        em = view.fontMetrics().averageCharWidth()
        floors[c] = width if width <= em * 20 else min(width, max(head + arrow, em * 14))
    _shrink_to_fit(view, floors)
    view.setProperty("columnsFixed", True)


def attach_model(view: QTableView, model) -> QTableView:
    """Give a table its model; restore remembered widths (and the columns shown), or hide the columns marked
    ``hidden`` and fit the others to the first rows they show."""
    view.setModel(model)
    stretch = view.property("stretchColumn")
    if stretch is not None:   # chosen before the model gave the header its sections: applied now
        stretch_column(view, stretch)
    if not remember_header(view):
        for c, column in enumerate(getattr(model, "columns", ())):
            if getattr(column, "hidden", False):
                view.horizontalHeader().setSectionHidden(c, True)
        model.modelReset.connect(lambda: fit_columns(view))
        _Fitter(view)
        fit_columns(view)
    else:
        view.setProperty("userColumns", True)
    return view


def sortable_table(name: str, accessible: str, model) -> QTableView:
    """A table over a model that sorts itself (a click on a header sorts the rows in the model)."""
    view = table_view(name, accessible)
    view.setSortingEnabled(True)
    view.horizontalHeader().setSortIndicatorShown(False)   # before fitting: no room kept for an arrow not drawn
    attach_model(view, model)
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


class EmptyHint(QStackedWidget):
    """A table that says what goes in it, with a button to add the first row, while it is empty.

    Shows ``hint`` (and the button, when ``action`` is given) instead of an
    empty grid; the table as soon as its model has a row.
    """

    def __init__(self, view: QAbstractItemView, hint: str, action: str | None = None, slot=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.view = view
        empty = QWidget()
        lay = QVBoxLayout(empty)
        lay.addStretch(1)
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setAccessibleName(f"{view.accessibleName()}: none yet")
        lay.addWidget(self.hint)
        self.button = None
        if action:
            self.button = button(action, slot)
            lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self.addWidget(empty)
        self.addWidget(view)
        model = view.model()
        for sig in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            sig.connect(self._follow)
        self._follow()

    def _follow(self, *_args) -> None:
        self.setCurrentIndex(1 if self.view.model().rowCount() else 0)
