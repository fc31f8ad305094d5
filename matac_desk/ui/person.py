"""The person page: identity, aliases, incidents either way, intelligence links, data-quality warnings.

Opening a person reads it off the GUI thread and writes a ``person.viewed``
audit entry (:func:`matac_desk.people.view_person`). Double-clicking the
other party of an incident or a link opens that person; Back returns.
"""

from __future__ import annotations

import datetime as _dt
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import people
from ..domain import UserError
from ..people import PersonProfile, Warning
from .context import Context, show_error
from .models import Column, IdRole, RowsModel, RowRole
from .widgets import accent_label, attach_model, save_header, table_view

__all__ = ["PersonPage"]

_KIND = {"partner": "partner", "ex-partner": "ex-partner", "family": "family", "other": "other"}


def _incident_columns(other: str) -> list[Column]:
    return [
        Column("Date", lambda r: r.date + (f" {r.time}" if r.time else "")),
        Column("Incident", lambda r: r.ref),
        Column("Offence", lambda r: r.offence),
        Column(other, lambda r: r.other_name, tooltip=lambda r: f"{r.other_name} ({r.other_id}); double-click to open"),
        Column("Relationship", lambda r: f"{r.relationship} ({_KIND[r.relationship_kind]})" if r.relationship
               else _KIND[r.relationship_kind]),
        Column("DASH", lambda r: r.dash_risk),
        Column("Division", lambda r: r.division),
    ]


_LINK_COLUMNS = [
    Column("Person", lambda r: r.other_name, tooltip=lambda r: "Double-click to open"),
    Column("Id", lambda r: r.other_id),
    Column("Relationship", lambda r: r.relationship or _KIND[r.relationship_kind]),
    Column("Kind", lambda r: _KIND[r.relationship_kind]),
    Column("First seen", lambda r: r.first_seen),
    Column("Source", lambda r: r.source),
]

_ALIAS_COLUMNS = [Column("Name", lambda r: r[0]), Column("Source", lambda r: r[1])]

_WARNING_COLUMNS = [
    Column("Warning", lambda w: w.detail),
    Column("Held before", lambda w: w.old_value),
    Column("Now", lambda w: w.new_value),
    Column("Detected", lambda w: w.detected_at[:10]),
    Column("Resolved", lambda w: (w.resolved_at or "")[:10] or "open"),
]


class PersonPage(QWidget):
    """Shows one person; ``back_requested`` when there is nothing to go back to but the results."""

    back_requested = Signal()

    def __init__(self, ctx: Context, open_person_in_window=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.profile: PersonProfile | None = None
        self.history: list[str] = []
        self._pending: str | None = None
        self.today = _dt.date.today

        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        # The style's arrow icon, not a "←" glyph: finding a font for it cost 0.3 s on first show.
        self.back = QPushButton(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "&Back")
        self.back.setAccessibleName("Back")
        self.back.setToolTip("Back to the previous person or the search results (Alt+Left)")
        self.back.clicked.connect(self.go_back)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Back), self, activated=self.go_back)
        top.addWidget(self.back)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setAccessibleName("Person")
        top.addWidget(self.title, 1)
        lay.addLayout(top)

        self.identity = QLabel()
        self.identity.setWordWrap(True)
        self.identity.setTextFormat(Qt.TextFormat.RichText)
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.identity.setAccessibleName("Identity")
        lay.addWidget(self.identity)
        self.merged = accent_label("", "warning")
        self.merged.setTextFormat(Qt.TextFormat.RichText)
        self.merged.linkActivated.connect(self.show_person)
        self.merged.hide()
        lay.addWidget(self.merged)
        self.warning_line = accent_label("", "warning")
        self.warning_line.hide()
        lay.addWidget(self.warning_line)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Person details")
        self.perp_model = RowsModel(_incident_columns("Victim"), person_id=lambda r: r.other_id)
        self.victim_model = RowsModel(_incident_columns("Perpetrator"), person_id=lambda r: r.other_id)
        self.alias_model = RowsModel(_ALIAS_COLUMNS)
        self.link_model = RowsModel(_LINK_COLUMNS, person_id=lambda r: r.other_id)
        self.warning_model = RowsModel(_WARNING_COLUMNS)
        self.perp_view = self._table("person_perpetrator", "Incidents as perpetrator", self.perp_model)
        self.victim_view = self._table("person_victim", "Incidents as victim", self.victim_model)
        self.link_view = self._table("person_links", "Intelligence links", self.link_model)
        self.alias_view = self._table("person_aliases", "Aliases", self.alias_model)
        self.warning_view = self._table("person_warnings", "Data-quality warnings", self.warning_model)
        warn_box = QWidget()
        wl = QVBoxLayout(warn_box)
        wl.setContentsMargins(0, 0, 0, 0)
        wl.addWidget(self.warning_view)
        row = QHBoxLayout()
        row.addStretch(1)
        self.resolve_button = QPushButton("Mark &resolved")
        self.resolve_button.setAccessibleName("Mark the selected warning resolved")
        self.resolve_button.setToolTip("The warning was checked and dealt with")
        self.resolve_button.clicked.connect(self.resolve_selected)
        row.addWidget(self.resolve_button)
        wl.addLayout(row)
        self.tab_widgets = [self.perp_view, self.victim_view, self.link_view, self.alias_view, warn_box]
        for w in self.tab_widgets:
            self.tabs.addTab(w, "")
        lay.addWidget(self.tabs, 1)
        self._set_tab_titles()

    def _table(self, name: str, accessible: str, model: RowsModel) -> QTableView:
        view = table_view(name, accessible)
        attach_model(view, model)
        view.setSortingEnabled(True)
        view.horizontalHeader().setSortIndicatorShown(False)
        view.activated.connect(lambda index, v=view: self._open_other(v, index))
        view.doubleClicked.connect(lambda index, v=view: self._open_other(v, index))
        return view

    def _set_tab_titles(self) -> None:
        p = self.profile
        counts = (len(p.as_perpetrator), len(p.as_victim), len(p.links), len(p.aliases), len(p.open_warnings)) \
            if p else (0, 0, 0, 0, 0)
        titles = ("As &perpetrator ({})", "As &victim ({})", "Intelligence &links ({})", "&Aliases ({})",
                  "Data &quality ({} open)")
        for i, (t, n) in enumerate(zip(titles, counts)):
            self.tabs.setTabText(i, t.format(n))

    # ------------------------------------------------------------ showing
    def show_person(self, person_id: str, *, push: bool = True) -> None:
        """Open a person (audited) off the GUI thread."""
        if push and self.profile is not None and self.profile.id != person_id:
            self.history.append(self.profile.id)
        self._pending = person_id
        self.title.setText("<h2 style='margin:0'>Opening…</h2>")
        self.ctx.read(people.view_person, person_id).then(
            lambda prof, pid=person_id: self._show(pid, prof),
            lambda e, pid=person_id: self._failed(pid, e))

    def reload(self) -> None:
        """The store changed under an open person: read it again (the same view, not audited again)."""
        if self.profile is None:
            return
        pid = self.profile.id
        self._pending = pid
        self.ctx.read(people.load_profile, pid).then(
            lambda prof, p=pid: self._show(p, prof), lambda e, p=pid: self._failed(p, e))

    def _failed(self, person_id: str, e: BaseException) -> None:
        if self._pending != person_id:
            return
        self._pending = None
        self.title.setText("")
        show_error(self, e, "Open person")
        if self.profile is None:
            self.back_requested.emit()
        else:
            self._show(self.profile.id, self.profile)

    def _show(self, person_id: str, prof: PersonProfile) -> None:
        if self._pending != person_id:
            return
        self._pending = None
        self.profile = prof
        self.title.setText(f"<h2 style='margin:0'>{escape(prof.name)}</h2>")
        age = prof.age(self.today())
        born = f"born {prof.dob}" + (f" (age {age})" if age is not None else "") if prof.dob else \
            "date of birth not recorded"
        victims = len({line.other_id for line in prof.as_perpetrator})
        facts = [f"<b>Id</b> {escape(prof.id)}", escape(born),
                 f"perpetrator in {len({x.ref for x in prof.as_perpetrator}):,} incident(s) against "
                 f"{victims:,} victim(s)",
                 f"victim in {len({x.ref for x in prof.as_victim}):,} incident(s)",
                 f"first recorded {escape(prof.created_at[:10])}"]
        if prof.merged_from:
            facts.append("also held as " + ", ".join(escape(m) for m in prof.merged_from))
        self.identity.setText(" · ".join(facts))
        if prof.merged_into:
            self.merged.setText(f"This record was merged into <a href='{escape(prof.merged_into)}'>"
                                f"{escape(prof.merged_into)}</a>; open that record for the full picture.")
            self.merged.show()
        else:
            self.merged.hide()
        open_w = prof.open_warnings
        if open_w:
            self.warning_line.setText(f"{len(open_w)} open data-quality warning(s): "
                                      + "; ".join(w.detail for w in open_w[:3]))
            self.warning_line.show()
        else:
            self.warning_line.hide()
        self.perp_model.set_rows(prof.as_perpetrator)
        self.victim_model.set_rows(prof.as_victim)
        self.link_model.set_rows(prof.links)
        self.alias_model.set_rows(prof.aliases)
        self.warning_model.set_rows(prof.warnings)
        self.resolve_button.setEnabled(bool(open_w))
        self._set_tab_titles()
        if self.tabs.currentIndex() == 0 and not prof.as_perpetrator and prof.as_victim:
            self.tabs.setCurrentIndex(1)

    def _open_other(self, view: QTableView, index) -> None:
        pid = view.model().data(index, IdRole)
        if pid:
            self.show_person(pid)

    def go_back(self) -> None:
        if self.history:
            self.show_person(self.history.pop(), push=False)
        else:
            self.back_requested.emit()

    def resolve_selected(self) -> None:
        rows = self.warning_view.selectionModel().selectedRows()
        open_w = self.profile.open_warnings if self.profile else []
        warning: Warning | None = None
        if rows:
            warning = self.warning_model.data(rows[0], RowRole)
        elif len(open_w) == 1:
            warning = open_w[0]
        if warning is None or warning.resolved_at:
            show_error(self, UserError("select an open warning first"), "Mark resolved")
            return
        self.ctx.read(people.resolve_warning, warning.id).then(
            lambda _r: self.ctx.notify("data_quality"), lambda e: show_error(self, e, "Mark resolved"))

    def clear(self) -> None:
        self.profile = None
        self._pending = None
        self.history.clear()
        self.title.setText("")
        self.identity.setText("")
        self.merged.hide()
        self.warning_line.hide()
        for m in (self.perp_model, self.victim_model, self.link_model, self.alias_model, self.warning_model):
            m.clear()
        self._set_tab_titles()

    def save_state(self) -> None:
        for v in (self.perp_view, self.victim_view, self.link_view, self.alias_view, self.warning_view):
            save_header(v)

