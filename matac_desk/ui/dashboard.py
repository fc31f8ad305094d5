"""The Dashboard page: what the store holds and what needs attention, each linking to where it is dealt with.

Panels sit in a grid; ``add_panel`` places one. Later features add theirs
(next meeting and its countdown, new partner alerts, overdue actions,
overloaded offender managers) the same way.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .. import dashboard
from ..dashboard import COUNT_LABELS, Dashboard
from .context import show_error
from .models import Column, IdRole, RowsModel
from .widgets import ACCENT, attach_model, button, save_header, table_view, text_label
from .window import Page

__all__ = ["DashboardPage"]

_WARNING_COLUMNS = [
    Column("Person", lambda w: w.person_name, tooltip=lambda w: f"{w.person_id}; double-click to open"),
    Column("Warning", lambda w: w.kind_label, tooltip=lambda w: w.detail),
    Column("Held before", lambda w: w.old_value),
    Column("Now", lambda w: w.new_value),
    Column("Detected", lambda w: w.detected_at[:10]),
]


def _panel(title: str, name: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    box.setObjectName(name)
    box.setAccessibleName(title)
    return box, QVBoxLayout(box)


class DashboardPage(Page):
    key = "dashboard"
    title = "Dashboard"
    listens = frozenset({"persons", "imports", "data_quality", "settings"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self.summary: Dashboard | None = None
        self._loading = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Dashboard heading")
        self.body.addWidget(self.heading)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.body.addLayout(self.grid, 1)

        # In the store
        box, lay = _panel("In the store", "panel_counts")
        self.counts_form = QFormLayout()
        self.count_labels: dict[str, QLabel] = {}
        for key in ("persons", "incidents", "involvements", "links", "referrals", "meetings", "actions",
                    "audit_log"):
            value = QLabel()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setAccessibleName(COUNT_LABELS[key])
            self.count_labels[key] = value
            self.counts_form.addRow(COUNT_LABELS[key], value)
        lay.addLayout(self.counts_form)
        left = Qt.AlignmentFlag.AlignLeft
        lay.addWidget(button("Find a &person…", lambda: self.window_.find_person()), 0, left)
        lay.addStretch(1)
        self.add_panel(box, 0, 0)

        # Last import and rejected rows
        box, lay = _panel("Imports", "panel_imports")
        self.last_import = text_label("Last import")
        lay.addWidget(self.last_import)
        self.rejects = text_label("Rejected rows awaiting review")
        lay.addWidget(self.rejects)
        self.review_button = button("&Review rejected rows", lambda: self.window_.show_page("imports"))
        lay.addWidget(self.review_button, 0, left)
        lay.addWidget(button("&Import an extract…", lambda: self.window_.start_import()), 0, left)
        lay.addStretch(1)
        self.add_panel(box, 0, 1)

        # Data-quality warnings
        box, lay = _panel("Data-quality warnings", "panel_quality")
        self.quality = text_label("Data-quality warnings summary")
        lay.addWidget(self.quality)
        self.warning_model = RowsModel(_WARNING_COLUMNS, person_id=lambda w: w.person_id)
        self.warning_view = table_view("dashboard_warnings", "Data-quality warnings")
        attach_model(self.warning_view, self.warning_model)
        self.warning_view.setToolTip("Double-click a warning to open the person and resolve it there")
        self.warning_view.activated.connect(self._open_warning)
        self.warning_view.setMinimumHeight(160)
        lay.addWidget(self.warning_view, 1)
        self.add_panel(box, 1, 0, 1, 2)
        self.grid.setRowStretch(1, 1)

    def add_panel(self, widget: QWidget, row: int, column: int, row_span: int = 1, column_span: int = 1) -> None:
        """Place a panel on the dashboard grid (two columns)."""
        self.grid.addWidget(widget, row, column, row_span, column_span)

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        self._loading += 1
        gen = self._loading
        self.ctx.read(dashboard.summary).then(lambda s, g=gen: self._show(g, s),
                                              lambda e: show_error(self, e, "Dashboard"))

    def _show(self, gen: int, s: Dashboard) -> None:
        if gen != self._loading or self.window_.locked:
            return
        self.summary = s
        name = escape(s.force_name) if s.force_name else escape(self.ctx.store.path.name)
        self.heading.setText(f"<h2 style='margin:0'>{name}</h2>")
        for key, label in self.count_labels.items():
            label.setText(f"{s.counts.get(key, 0):,}")
        last = s.last_import
        if last:
            self.last_import.setText(
                f"<b>Last import</b>: {escape(last['file'])}, {escape(last['finished_at'][:16].replace('T', ' '))}"
                f"<br>{last['rows_read']:,} rows read: {last['new']:,} new, {last['updated']:,} updated, "
                f"{last['unchanged']:,} unchanged, {last['rejected']:,} rejected.")
        else:
            self.last_import.setText("No extract imported yet. Import the force's DA records to begin.")
        if s.rejects_awaiting:
            self.rejects.setText(f"<span style='color:{ACCENT['warning']}'><b>{s.rejects_awaiting:,} rejected "
                                 f"row(s)</b></span> in {s.batches_awaiting:,} import(s) await review.")
        else:
            self.rejects.setText("No rejected rows await review.")
        self.review_button.setEnabled(bool(s.rejects_awaiting))
        if s.open_warnings:
            shown = len(s.warnings)
            more = f" The newest {shown:,} are listed." if shown < s.open_warnings else ""
            self.quality.setText(f"<span style='color:{ACCENT['warning']}'><b>{s.open_warnings:,} open "
                                 f"warning(s)</b></span>: records whose details changed between extracts. "
                                 f"Open the person to check and resolve.{more}")
        else:
            self.quality.setText("No open data-quality warnings.")
        self.warning_model.set_rows(s.warnings)

    def _open_warning(self, index) -> None:
        pid = self.warning_model.data(index, IdRole)
        if pid:
            self.window_.open_person(pid)

    def clear(self) -> None:
        self._loading += 1
        self.summary = None
        self.heading.setText("")
        for label in self.count_labels.values():
            label.setText("")
        self.last_import.setText("")
        self.rejects.setText("")
        self.quality.setText("")
        self.warning_model.clear()

    def save_state(self) -> None:
        save_header(self.warning_view)

