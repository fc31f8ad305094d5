"""The People page: search as you type over every person, and the person page.

Typing waits 150 ms for a pause, then asks the store for the matching ids
in the chosen order (off the GUI thread, through the background
connection; a newer query cancels the one running). The table model holds
the ids and fetches the rows it shows, a page at a time.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from ..services import people
from .context import show_error
from .models import IdRole, PeopleModel
from .person import PersonPage
from .tasks import Task
from .widgets import remember_header, save_header, table_view
from .window import Page

__all__ = ["PeoplePage"]

DEBOUNCE_MS = 150


class PeoplePage(Page):
    key = "people"
    title = "People"
    listens = frozenset({"persons", "data_quality", "cohort", "actions", "minutes", "meetings", "links", "audit"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self._generation = 0
        self._task: Task | None = None
        self._sort = ("name", False)
        self._results_stale = False
        self._changes: set[str] = set()     # the kinds changed since the last reload (what the person reloads)
        self.last_query: str | None = None

        self.inner = QStackedWidget()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.inner)

        results = QWidget()
        rl = QVBoxLayout(results)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("peopleSearch")
        self.search.setAccessibleName("Search people")
        self.search.setPlaceholderText("Search by name, alias or id (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._typed)
        self.search.returnPressed.connect(self._open_first)
        bar.addWidget(self.search, 1)
        self.status = QLabel()
        self.status.setAccessibleName("Search status")
        self.status.setMinimumWidth(self.fontMetrics().horizontalAdvance("000,000 persons match · searching…"))
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.status)
        rl.addLayout(bar)

        # a page is about a screenful: each fetch is a few milliseconds on the GUI thread
        self.model = PeopleModel(lambda ids: people.rows_for(self.ctx.store, ids), page_size=64, pages_kept=100,
                                 parent=self)
        self.view = table_view("people_table", "People")
        self.view.setModel(self.model)
        self.view.setToolTip("Double-click or press Enter to open a person")
        remember_header(self.view, {0: "NM0000000000", 1: "Małgorzata Lewandowski-Smith", 2: "0000-00-00",
                                    3: "Perpetrator in", 4: "Victim in"})
        header = self.view.horizontalHeader()
        if not header.isSortIndicatorShown() or header.sortIndicatorSection() >= PeopleModel.LAST_INCIDENT + 1:
            header.setSortIndicator(PeopleModel.NAME, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)  # asks the model, which asks the store: connected below
        section = header.sortIndicatorSection()
        if 0 <= section < len(PeopleModel.SORT_KEYS):
            self._sort = (PeopleModel.SORT_KEYS[section], header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder)
        self.model.sortRequested.connect(self._sort_requested)
        self.view.activated.connect(self._open_index)
        rl.addWidget(self.view, 1)
        self.inner.addWidget(results)
        self.results = results

        self.person = PersonPage(ctx)
        self.person.back_requested.connect(self.show_results)
        self.person.graph_requested.connect(lambda pid: self.window_.open_graph(pid))
        self.person.actions_requested.connect(lambda pid: self.window_.show_actions(person_id=pid))
        self.person.meeting_requested.connect(lambda: self.window_.open_meeting())
        self.person.links_requested.connect(lambda pid: self.window_.add_link_for(pid))
        self.inner.addWidget(self.person)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.run_search)

    # ------------------------------------------------------------ search
    def _typed(self, _text: str) -> None:
        self._debounce.start()

    def _sort_requested(self, key: str, descending: bool) -> None:
        self._sort = (key, descending)
        self.run_search()

    def run_search(self) -> Task:
        """Ask the store for the matching ids; the newest search wins."""
        self._debounce.stop()
        self._results_stale = False
        self._generation += 1
        gen = self._generation
        if self._task is not None and not self._task.is_done:
            self._task.cancel()
        query = self.search.text().strip()
        sort, descending = self._sort
        self.status.setText("Searching…")
        task = self.ctx.read(people.search_ids, query, sort=sort, descending=descending, cancellable=True)
        self._task = task
        task.then(lambda ids, g=gen, q=query: self._results(g, q, ids),
                  lambda e, g=gen: self._failed(g, e))
        return task

    def _results(self, gen: int, query: str, ids: list[str]) -> None:
        if gen != self._generation or self.window_.locked:
            return
        self.last_query = query
        self.model.set_ids(ids)
        n = len(ids)
        if query:
            self.status.setText(f"{n:,} match" + ("" if n == 1 else "es") if n else "No one matches")
        else:
            self.status.setText(f"{n:,} person" + ("" if n == 1 else "s"))
        if n:
            self.view.scrollToTop()

    def _failed(self, gen: int, e: BaseException) -> None:
        if gen != self._generation:
            return
        self.status.setText("")
        show_error(self, e, "Search")

    # ------------------------------------------------------------ persons
    def _open_index(self, index) -> None:
        pid = self.model.data(index, IdRole)
        if pid:
            self.open_person(pid)

    def _open_first(self) -> None:
        if self._debounce.isActive():
            self.run_search()
        if self.model.rowCount() and self.last_query == self.search.text().strip():
            index = self.view.currentIndex()
            self.open_person(self.model.person_id(index.row() if index.isValid() else 0))

    def open_person(self, person_id: str) -> None:
        if self.stale:
            # what a reload would read again (the person left, or the results) is not what is shown next:
            # he is read afresh, and the results are searched again when they are shown
            self.stale = False
            self._changes.clear()
            self._results_stale = True
        self.inner.setCurrentWidget(self.person)
        self.person.show_person(person_id)

    def show_results(self) -> None:
        self.person.clear()
        self.inner.setCurrentWidget(self.results)
        self.view.setFocus()
        if self._results_stale:
            self.run_search()

    def focus_search(self) -> None:
        if self.inner.currentWidget() is not self.results:
            self.show_results()
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------ Page
    def _on_changed(self, kinds: frozenset) -> None:
        self._changes |= kinds
        super()._on_changed(kinds)

    def reload(self) -> None:
        changes, self._changes = frozenset(self._changes), set()
        if self.inner.currentWidget() is self.person and self.person.profile is not None:
            # only the person is shown: read him again; the results wait until they are shown (searching
            # every person again after each correction made on his page would hold the background
            # connection for seconds on a large store)
            self.person.reload(changes)
            self._results_stale = True
            return
        self.run_search()

    def clear(self) -> None:
        self._generation += 1  # results still on their way are dropped
        self._changes.clear()
        if self._task is not None:
            self._task.cancel()
        self._debounce.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.clear()
        self.status.setText("")
        self.person.clear()
        self.inner.setCurrentWidget(self.results)

    def save_state(self) -> None:
        save_header(self.view)
        self.person.save_state()
