"""The main window: a navigation sidebar, one page per entry, menus, and the idle lock.

Adding a screen: write a :class:`Page` subclass (``key`` one of
``NAV_ENTRIES``, ``reload()`` and ``clear()``), and add it to
``PAGE_TYPES``. The sidebar shows the pages that exist, in ``NAV_ENTRIES``
order. Pages talk to each other only through the window (``show_page``,
``open_person``, ``start_import``) and the context's ``changed`` signal.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
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
from .context import CHANGED_ALL, Context, show_error
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

    def can_leave(self, doing: str = "moving on") -> bool:
        """Asked before the user moves away from the page, quits or locks: a page holding unsaved text asks
        Save, Discard or Cancel and returns False on Cancel. ``doing`` names the move for the question."""
        return True


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
        self.next_start: tuple[str, str | None] | None = None   # what to open after this window closes
        self._nav_row = 0
        self.setMinimumSize(QSize(720, 460))
        self._fit_to_screen(QSize(1280, 800))

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

        self.undo_link = QLabel()
        self.undo_link.setObjectName("undoLink")
        self.undo_link.setAccessibleName("Undo the last step")
        self.undo_link.setTextFormat(Qt.TextFormat.RichText)
        self.undo_link.linkActivated.connect(lambda _l: (self.undo_link.hide(), self.ctx.history.undo()))
        self.undo_link.hide()
        self.statusBar().addWidget(self.undo_link)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self.undo_link.hide)

        s = settings()
        geom = s.value("main/geometry")
        if isinstance(geom, QByteArray):
            self.restoreGeometry(geom)
            self._fit_to_screen(self.size())     # a window kept from a larger screen still fits this one
        state = s.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.nav.setCurrentRow(0)

    def _fit_to_screen(self, wanted: QSize) -> None:
        """The window fits the screen's available area (task bar excluded), status bar included."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            self.resize(wanted)
            return
        avail = screen.availableGeometry()
        frame = 40   # title bar and borders, which the window manager adds outside our geometry
        w = min(wanted.width(), avail.width() - 16)
        h = min(wanted.height(), avail.height() - frame)
        self.resize(max(w, self.minimumWidth()), max(h, self.minimumHeight()))
        geo = self.frameGeometry()
        if not avail.contains(geo):
            geo.moveCenter(avail.center())
            self.move(max(geo.left(), avail.left()), max(geo.top(), avail.top()))

    def offer_undo(self, said: str, ms: int = 8000) -> None:
        """A few seconds of "Adopted Jack Davies. Undo" in the status bar after a consequential step."""
        h = self.ctx.history
        if not h.can_undo():
            return
        self.undo_link.setText(f"{escape(said)} <a href='undo'>Undo {escape(h.undo_text())}</a>")
        self.undo_link.show()
        self._undo_timer.start(ms)

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
        self.new_store_action = self._action(file_menu, "&New store…", lambda: self.switch_store("create"),
                                             QKeySequence.StandardKey.New, tip="Create a new, empty, encrypted store")
        self.open_store_action = self._action(file_menu, "&Open store…", lambda: self.switch_store("open"),
                                              QKeySequence.StandardKey.Open, tip="Open another store file")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.close_store_action = self._action(file_menu, "&Close store", lambda: self.switch_store("start"),
                                               QKeySequence.StandardKey.Close,
                                               tip="Close this store and go back to the start screen")
        file_menu.addSeparator()
        self.import_action = self._action(file_menu, "&Import extract…", self.start_import, "Ctrl+I",
                                          tip="Import a police record extract (CSV)")
        self.print_action = self._action(file_menu, "&Print…", self.print_pack, QKeySequence.StandardKey.Print,
                                         tip="Print the profile of the person shown, or a pack (Packs page)")
        self.backup_action = self._action(file_menu, "&Back up now", self.backup_now,
                                          tip="Make an encrypted backup of the store now")
        file_menu.addSeparator()
        self.settings_action = self._action(file_menu, "S&ettings…", lambda: self.show_page("settings"),
                                            "Ctrl+,", enabled="settings" in self.pages,
                                            tip="The force's names, scoring, thresholds and preferences")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.lock_action = self._action(file_menu, "&Lock", self.lock_now, "Ctrl+L",
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
        self._action(help_menu, "&User guide", self.open_guide, QKeySequence.StandardKey.HelpContents,
                     tip="The user guide: every screen, step by step")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        help_menu.addSeparator()
        self._action(help_menu, "&About MATAC Desk", self._about)
        self.data_actions = [self.import_action, self.print_action, self.find_action, self.backup_action,
                             self.settings_action, *self.go_actions]
        self._show_history()

    def _show_history(self) -> None:
        """Edit > Undo and Redo name the edit they would take back or make again."""
        h = self.ctx.history
        for act, verb, can, text in ((self.undo_action, "Undo", h.can_undo(), h.undo_text()),
                                     (self.redo_action, "Redo", h.can_redo(), h.redo_text())):
            act.setText(f"&{verb} {text}" if can and text else f"&{verb}")
            act.setEnabled(can and not self.locked)
            tip = f"{verb} {text} (the change and its undoing are both audited)" if can else \
                f"Nothing to {verb.lower()}: decisions, held meetings, actions, tactics, attendees, minutes and " \
                "corrections on a person page can be undone"
            act.setStatusTip(tip)
            act.setToolTip(tip)

    def _about(self) -> None:
        QMessageBox.about(self, "About MATAC Desk",
                          f"<p><b>MATAC Desk {__version__}</b><br>{build_info().commit_text}</p>"
                          f"<p>Prepare and run MATAC meetings from police "
                          f"domestic-abuse records. The store is encrypted; every view and change is audited.</p>")

    # ------------------------------------------------------------ files and help
    def _fill_recent(self) -> None:
        from .start import recent_stores
        self.recent_menu.clear()
        paths = [p for p in recent_stores() if Path(p) != Path(self.store.path)]
        for p in paths:
            act = self.recent_menu.addAction(Path(p).name, lambda p=p: self.switch_store("recent", p))
            act.setToolTip(p)
            act.setStatusTip(p)
        if not paths:
            self.recent_menu.addAction("No other recent stores").setEnabled(False)

    def switch_store(self, kind: str, path: str | None = None) -> None:
        """Close this store (asking about unsaved text first) and open another, create one, or show the start."""
        if self.close():
            self.next_start = (kind, path)

    def backup_now(self) -> None:
        if self.locked:
            return
        from ..storage import backups
        self.statusBar().showMessage("Making a backup…")

        def done(path) -> None:
            self.statusBar().showMessage(f"Backup made: {Path(path).name}", 10000)

        self.ctx.read(backups.backup, "manual").then(
            done, lambda e: (self.statusBar().clearMessage(), show_error(self, e, "Back up now")))

    def guide_path(self) -> Path | None:
        """The user guide: docs/guide.md beside the package (a source checkout) or its installed copy."""
        from ..paths import resource
        here = Path(__file__).resolve().parents[2] / "docs" / "guide.md"
        for p in (here, Path(resource("docs", "guide.md"))):
            if p.exists():
                return p
        return None

    def open_guide(self) -> None:
        path = self.guide_path()
        if path is None:
            QMessageBox.information(self, "User guide", "The user guide is not installed with this copy; it is "
                                    "docs/guide.md in the MATAC Desk source.")
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every menu command with a shortcut, in menu order: (command, keys)."""
        rows = []
        for menu in self.menuBar().findChildren(QMenu):
            for act in menu.actions():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())
                if keys and act.text():
                    rows.append((act.text().replace("&&", "\0").replace("&", "").replace("\0", "&"), keys))
        return list(dict.fromkeys(rows))

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td>{escape(t)}</td><td>&nbsp;&nbsp;<b>{escape(k)}</b></td></tr>"
                       for t, k in self.shortcut_rows())
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          "<table>" + rows + "</table><p>In tables: arrows move, Enter opens, a right click on a "
                          "header shows or hides columns.</p>", QMessageBox.StandardButton.Close, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        self._shortcuts_box = box
        box.open()

    # ------------------------------------------------------------ navigation
    def _nav_changed(self, row: int) -> None:
        item = self.nav.item(row)
        if item is None:
            return
        leaving = self.stack.currentWidget()
        if (row != self._nav_row and isinstance(leaving, Page) and not self.locked
                and not leaving.can_leave("going to another page")):
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(self._nav_row)
            self.nav.blockSignals(False)
            return
        self._nav_row = row
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

    def add_link_for(self, person_id: str) -> None:
        """Duplicates & links, on the links tab, with the person filled in as person A."""
        if "records" in self.pages and not self.locked:
            page = self.show_page("records")
            page.tabs.setCurrentIndex(2)
            page.a_id.setText(person_id)
            page.b_id.setFocus()

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
    def lock_now(self) -> None:
        """Ctrl+L: ask about unsaved text first (the idle lock cannot ask; the page keeps it for after)."""
        if not self.locked and not self._pages_can_leave("locking"):
            return
        self.lock()

    def _pages_can_leave(self, doing: str) -> bool:
        """Every page with unsaved text asks (the one shown first); False when the user chose to stay."""
        current = self.current_page()
        pages = [current] + [p for p in self.pages.values() if p is not current]
        return all(p.can_leave(doing) for p in pages if isinstance(p, Page))

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
        if not self.locked and not self._pages_can_leave("closing"):
            event.ignore()
            return
        self.undo_link.hide()
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

