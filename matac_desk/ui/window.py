"""The main window: a navigation sidebar, one page per entry, menus, and the idle lock.

Adding a screen: write a :class:`Page` subclass (``key`` one of
``NAV_ENTRIES``, ``reload()`` and ``clear()``), and add it to
``PAGE_TYPES``. The sidebar shows the pages that exist, in ``NAV_ENTRIES``
order. Pages talk to each other only through the window (``show_page``,
``open_person``, ``start_import``) and the context's ``changed`` signal.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from .. import __version__
from ..paths import build_info
from .context import CHANGED_ALL, Context
from .lock import IdleWatcher, LockScreen
from .widgets import ACCENT, settings

__all__ = ["Page", "MainWindow", "NAV_ENTRIES", "PAGE_TYPES"]

# Every entry the sidebar may hold, in order. Pages for features not built yet are simply absent.
NAV_ENTRIES = (
    ("dashboard", "Dashboard"),
    ("people", "People"),
    ("nominations", "Nominations && cohort"),
    ("meetings", "Meetings"),
    ("actions", "Actions"),
    ("graph", "Graph"),
    ("records", "Duplicates && links"),
    ("workload", "Workload && outcomes"),
    ("imports", "Import"),
    ("packs", "Packs"),
    ("protection", "Data protection"),
    ("settings", "Settings"),
)


class Page(QWidget):
    """One screen of the window.

    ``listens``: the change kinds (see :mod:`.context`) that make the page
    stale. A stale page reloads when it is shown, or at once if it is
    showing. ``clear()`` drops every piece of data the page shows (the
    window calls it when it locks).
    """

    key = ""
    title = ""
    listens: frozenset[str] = frozenset()

    def __init__(self, ctx: Context, window: "MainWindow"):
        super().__init__()
        self.ctx = ctx
        self.window_ = window
        self.stale = True
        self.setObjectName(f"page_{self.key}")
        self.setAccessibleName(self.title.replace("&&", "&"))
        ctx.changed.connect(self._on_changed)

    def _on_changed(self, kinds: frozenset) -> None:
        if not Context.concerns(kinds, *self.listens):
            return
        self.stale = True
        if self.isVisible() and not self.window_.locked:
            self.refresh()

    def refresh(self) -> None:
        self.stale = False
        self.reload()

    def activated(self) -> None:
        """The page was navigated to."""
        if self.stale:
            self.refresh()

    def reload(self) -> None:  # pragma: no cover - every page implements it
        raise NotImplementedError

    def clear(self) -> None:  # pragma: no cover - every page implements it
        raise NotImplementedError

    def save_state(self) -> None:
        """Remember column widths and the like in QSettings (never data)."""


def _page_types() -> list[type[Page]]:
    from .actionspage import ActionsPage
    from .dashboard import DashboardPage
    from .graphpage import GraphPage
    from .imports import ImportPage
    from .meetingspage import MeetingsPage
    from .nominations import NominationsPage
    from .packs import PacksPage
    from .people import PeoplePage
    from .protection import ProtectionPage
    from .records import RecordsPage
    from .settings import SettingsPage
    from .workloadpage import WorkloadPage
    return [DashboardPage, PeoplePage, NominationsPage, MeetingsPage, ActionsPage, GraphPage, WorkloadPage,
            ImportPage, PacksPage, ProtectionPage, SettingsPage, RecordsPage]


PAGE_TYPES: list[type[Page]] | None = None  # None: the built-in list from _page_types()


class MainWindow(QMainWindow):
    def __init__(self, ctx: Context, page_types: list[type[Page]] | None = None):
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.locked = False
        self._hidden_windows: list[QWidget] = []
        self.setObjectName("mainWindow")
        self.resize(1180, 760)
        self.setMinimumSize(QSize(760, 480))

        types = page_types or PAGE_TYPES or _page_types()
        order = {k: n for n, (k, _) in enumerate(NAV_ENTRIES)}
        unknown = [t.key for t in types if t.key not in order]
        if unknown:
            raise ValueError(f"pages without a navigation entry: {unknown}")
        types = sorted(types, key=lambda t: order[t.key])
        self.pages: dict[str, Page] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName("Navigation")
        self.nav.setFrameShape(QListWidget.Shape.NoFrame)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        labels = dict(NAV_ENTRIES)
        for t in types:
            page = t(ctx, self)
            self.pages[t.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(labels[t.key].replace("&&", "&"))
            item.setData(Qt.ItemDataRole.UserRole, t.key)
            item.setSizeHint(QSize(0, self.fontMetrics().height() + 16))
            self.nav.addItem(item)
        self.nav.setFixedWidth(max(self.nav.sizeHintForColumn(0) + 36, 170))
        self.nav.currentRowChanged.connect(self._nav_changed)

        self.workspace = QWidget()
        self.workspace.setObjectName("workspace")
        row = QHBoxLayout(self.workspace)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(self.workspace)
        self.lock_screen: LockScreen | None = None
        self._parking = QWidget(self)  # holds the workspace, hidden, while the lock screen is shown
        self._parking.hide()

        self._build_menus()
        self.store_note = QLabel()
        self.store_note.setObjectName("storeNote")
        self.store_note.setAccessibleName("Store warnings")
        self.store_note.setStyleSheet(f"color: {ACCENT['warning']}; font-weight: 600")
        self.statusBar().addPermanentWidget(self.store_note)
        self._show_store_status()
        self._set_title()

        self.idle = IdleWatcher(self)
        self.idle.idle.connect(self.lock)

        s = settings()
        geom = s.value("main/geometry")
        if isinstance(geom, QByteArray):
            self.restoreGeometry(geom)
        state = s.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.nav.setCurrentRow(0)

    # ------------------------------------------------------------ chrome
    def _show_store_status(self) -> None:
        """The store's path, and its warnings (network drive safe mode, read-only) where they stay visible."""
        self.statusBar().showMessage(str(self.store.path))
        notes = list(self.store.warnings)
        if self.store.read_only:
            notes.insert(0, "Read-only: another copy has this store open; changes cannot be saved")
        first = notes[0] if notes else ""
        self.store_note.setText(first if len(notes) < 2 else f"{first} (+{len(notes) - 1} more)")
        self.store_note.setToolTip("\n".join(notes))
        self.store_note.setVisible(bool(notes))

    def _set_title(self) -> None:
        self.setWindowTitle("MATAC Desk — locked" if self.locked else f"{self.store.path.name} — MATAC Desk")

    def _action(self, menu: QMenu, text: str, slot, shortcut=None, *, enabled: bool = True,
                tip: str | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.setEnabled(enabled)
        if slot is not None:
            act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.import_action = self._action(file_menu, "&Import extract…", self.start_import, "Ctrl+I",
                                          tip="Import a police record extract (CSV)")
        self.print_action = self._action(file_menu, "&Print…", self.print_pack, QKeySequence.StandardKey.Print,
                                         tip="Print the profile of the person shown, or a pack (Packs page)")
        file_menu.addSeparator()
        self.lock_action = self._action(file_menu, "&Lock", self.lock, "Ctrl+L",
                                        tip="Hide the data until the passphrase is entered again")
        self.quit_action = self._action(file_menu, "&Quit", self.close, "Ctrl+Q")

        edit = bar.addMenu("&Edit")
        history = self.ctx.history
        history.widget = self
        self.undo_action = self._action(edit, "&Undo", history.undo, QKeySequence.StandardKey.Undo, enabled=False)
        self.redo_action = self._action(edit, "&Redo", history.redo, enabled=False)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        history.changed.connect(self._show_history)
        edit.addSeparator()
        self.find_action = self._action(edit, "&Find a person…", self.find_person, QKeySequence.StandardKey.Find)

        go = bar.addMenu("&Go")
        self.go_actions: list[QAction] = []
        for n, (key, page) in enumerate(self.pages.items()):
            label = dict(NAV_ENTRIES)[key]
            act = self._action(go, label, lambda _=False, k=key: self.show_page(k),
                               f"Ctrl+{n + 1}" if n < 9 else None)
            self.go_actions.append(act)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About MATAC Desk", self._about)
        self.data_actions = [self.import_action, self.print_action, self.find_action, *self.go_actions]
        self._show_history()

    def _show_history(self) -> None:
        """Edit > Undo and Redo name the edit they would take back or make again."""
        h = self.ctx.history
        for act, verb, can, text in ((self.undo_action, "Undo", h.can_undo(), h.undo_text()),
                                     (self.redo_action, "Redo", h.can_redo(), h.redo_text())):
            act.setText(f"&{verb} {text}" if can and text else f"&{verb}")
            act.setEnabled(can and not self.locked)
            tip = f"{verb} {text} (the change and its undoing are both audited)" if can else \
                f"Nothing to {verb.lower()}: corrections made on a person page can be undone"
            act.setStatusTip(tip)
            act.setToolTip(tip)

    def _about(self) -> None:
        QMessageBox.about(self, "About MATAC Desk",
                          f"<p><b>MATAC Desk {__version__}</b><br>{build_info().commit_text}</p>"
                          f"<p>Prepare and run MATAC meetings from police "
                          f"domestic-abuse records. The store is encrypted; every view and change is audited.</p>")

    # ------------------------------------------------------------ navigation
    def _nav_changed(self, row: int) -> None:
        item = self.nav.item(row)
        if item is None:
            return
        page = self.pages[item.data(Qt.ItemDataRole.UserRole)]
        self.stack.setCurrentWidget(page)
        if not self.locked:
            page.activated()

    def show_page(self, key: str) -> "Page":
        if self.locked:
            raise RuntimeError("the window is locked")
        page = self.pages[key]
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                if self.nav.currentRow() == row:
                    page.activated()
                else:
                    self.nav.setCurrentRow(row)
                break
        return page

    def current_page(self) -> Page:
        return self.stack.currentWidget()

    def find_person(self) -> None:
        if "people" in self.pages and not self.locked:
            self.show_page("people").focus_search()

    def open_person(self, person_id: str) -> None:
        if "people" in self.pages and not self.locked:
            page = self.pages["people"]
            page.open_person(person_id)    # first: shown stale, the page would read the person it leaves again
            self.show_page("people")

    def print_pack(self) -> None:
        """Ctrl+P prints what is shown: the person's profile on the person page, the pack or profile chosen on
        the Packs page; from anywhere else it opens the Packs page to choose. Every print asks for the recipient."""
        if self.locked:
            return
        person = getattr(self.pages.get("people"), "person", None)
        if person is not None and person.profile is not None and person.isVisible():
            person.print_profile()
            return
        if "packs" not in self.pages:
            return
        page = self.pages["packs"]
        if self.current_page() is page:
            page.print_pdf()
            return
        self.show_page("packs")
        page.recipient.setFocus()

    def open_graph(self, person_id: str) -> None:
        if "graph" in self.pages and not self.locked:
            self.show_page("graph").show_person(person_id)

    def open_meeting(self, meeting_id: int | None = None) -> None:
        """The Meetings page, on a meeting (the next one when None)."""
        if "meetings" in self.pages and not self.locked:
            self.show_page("meetings").open_meeting(meeting_id)

    def show_actions(self, *, overdue_only: bool = False, person_id: str | None = None) -> None:
        if "actions" in self.pages and not self.locked:
            self.show_page("actions").set_filter(overdue_only=overdue_only, person_id=person_id)

    def start_import(self, *_args, path=None):
        """Open the import wizard (Ctrl+I)."""
        if self.locked:
            return None
        from .importwizard import ImportWizard
        wizard = getattr(self, "_wizard", None)
        if wizard is not None and wizard.isVisible():
            wizard.raise_()
            wizard.activateWindow()
            return wizard
        self._wizard = ImportWizard(self.ctx, self, path=path)
        self._wizard.show()
        return self._wizard

    # ------------------------------------------------------------ lock
    def lock(self) -> None:
        """Hide every piece of data until the passphrase is entered again."""
        if self.locked:
            return
        self.locked = True
        self.idle.stop()
        for page in self.pages.values():
            page.clear()
            page.stale = True
        self._hidden_windows = [w for w in QApplication.topLevelWidgets()
                                if w is not self and w.isVisible() and not isinstance(w, QMenu)]
        for w in self._hidden_windows:
            w.hide()
        self.workspace = self.takeCentralWidget()
        self.workspace.setParent(self._parking)  # taken widgets would otherwise become hidden top-level windows
        self.lock_screen = LockScreen(self.store, self.ctx.runner)
        self.lock_screen.unlocked.connect(self._unlocked)
        self.setCentralWidget(self.lock_screen)
        for act in self.data_actions:
            act.setEnabled(False)
        self.lock_action.setEnabled(False)
        self.ctx.close()          # forgets the edits too: Undo starts afresh after unlocking
        self._show_history()
        self.statusBar().clearMessage()  # the path names the store
        self.store_note.hide()
        self._set_title()

    def _unlocked(self) -> None:
        self.locked = False
        screen = self.takeCentralWidget()
        if screen is not None:
            screen.setParent(self._parking)
            screen.deleteLater()
        self.lock_screen = None
        self.setCentralWidget(self.workspace)
        # The layout would show it only on a queued call; the page showing must be visible now, so that it
        # reloads on the signal below instead of staying empty until the user moves away and back.
        self.workspace.show()
        for act in self.data_actions:
            act.setEnabled(True)
        self.lock_action.setEnabled(True)
        self._show_history()
        self._show_store_status()
        self._set_title()
        for w in self._hidden_windows:
            w.show()
        self._hidden_windows = []
        self.idle.restart()
        self.ctx.changed.emit(CHANGED_ALL)

    # ------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent) -> None:
        s = settings()
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        for page in self.pages.values():
            page.save_state()
        self.idle.detach()
        wizard = getattr(self, "_wizard", None)
        if wizard is not None:
            wizard.close()
        self.ctx.runner.wait_idle(15000)
        self.ctx.close()
        super().closeEvent(event)

