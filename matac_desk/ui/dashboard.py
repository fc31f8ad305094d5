"""The Dashboard page: what the store holds and what needs attention, each linking to where it is dealt with.

Short panels sit in one row at the top (``add_panel`` places one); the
two lists (new partner alerts, data-quality warnings) share the rest of
the page in a splitter, each scrolling on its own (no scroll area holds
the page). What needs attention (:func:`matac_desk.services.attention.attention`): the next meeting
and its countdown, new partner alerts of the cohort since the previous
meeting (double-click opens the graph on the perpetrator), overdue
actions, overloaded offender managers and offences the gravity table does
not map. Below: what the store holds, the last import, data-quality warnings.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..services import attention, dashboard
from ..services.attention import Attention
from .casefiletabs import CaseFilePanel, right_to_know_button
from ..services.dashboard import COUNT_LABELS, Dashboard
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

_PARTNER_COLUMNS = [
    Column("Perpetrator", lambda p: p.perpetrator_name,
           tooltip=lambda p: f"{p.perpetrator_id}; double-click to open the graph"),
    Column("Perpetrator is", lambda p: getattr(p, "role_text", "")),
    Column("New partner", lambda p: p.partner_name, tooltip=lambda p: p.partner_id),
    Column("First linked", lambda p: p.first_linked),
    Column("Through", lambda p: p.source),
    Column("Children", lambda p: len(p.children), numeric=True),
    Column("Victim of others", lambda p: len(p.other_perpetrators), numeric=True,
           tooltip=lambda p: "; ".join(p.other_perpetrators) or "no other perpetrator recorded"),
    Column("Clare's Law", lambda p: p.disclosure or "none recorded", accent=True),   # what needs action
    Column("May also be", lambda p: ", ".join(p.possible_duplicates),
           tooltip=lambda p: "possible duplicate records of her: compare them on the Duplicates & links page"
           if p.possible_duplicates else ""),
]


def _panel(title: str, name: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    box.setObjectName(name)
    box.setAccessibleName(title)
    return box, QVBoxLayout(box)


class DashboardPage(Page):
    key = "dashboard"
    title = "Dashboard"
    listens = frozenset({"persons", "imports", "data_quality", "settings", "meetings", "cohort", "actions", "links",
                         "scores"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self.summary: Dashboard | None = None
        self.attention: Attention | None = None
        self._loading = 0
        # No scroll area around the page (a table scrolling inside a page that scrolls loses the user): the
        # short panels sit in one row at the top, and the two lists share the rest in a splitter, each
        # scrolling on its own; the splitter's sizes are remembered.
        self.body = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Dashboard heading")
        self.body.addWidget(self.heading)
        self.grid = QGridLayout()
        for c in range(4):
            self.grid.setColumnStretch(c, 1)
        self.body.addLayout(self.grid)
        # The three lists share the space below the panels as tabs, each titled with its count: on a 768-pixel
        # screen one list at a time gets the height to show a dozen rows, where three stacked showed two each.
        self.lists = QTabWidget()
        self.lists.setObjectName("dashboard_lists")
        self.lists.setAccessibleName("Dashboard lists")
        self.lists.setDocumentMode(True)
        self.body.addWidget(self.lists, 1)

        left = Qt.AlignmentFlag.AlignLeft
        # Next meeting
        box, lay = _panel("Next meeting", "panel_meeting")
        self.meeting_text = text_label("Next meeting")
        self.meeting_text.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.meeting_text)
        self.meeting_button = button("Open the &meeting", lambda: self.window_.open_meeting(
            self.attention.next_meeting.id if self.attention and self.attention.next_meeting else None))
        lay.addWidget(self.meeting_button, 0, left)
        lay.addStretch(1)
        self.add_panel(box, 0, 0)

        # Overdue actions, overloaded offender managers, unmapped offences
        box, lay = _panel("Follow up", "panel_follow_up")
        self.overdue_text = text_label("Overdue actions")
        self.overdue_text.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.overdue_text)
        self.overdue_button = button("Overdue &actions", lambda: self.window_.show_actions(overdue_only=True))
        lay.addWidget(self.overdue_button, 0, left)
        self.overloaded_text = text_label("Overloaded offender managers")
        self.overloaded_text.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.overloaded_text)
        self.workload_button = button("&Workload", lambda: self.window_.show_page("workload"))
        lay.addWidget(self.workload_button, 0, left)
        self.unmapped_text = text_label("Unmapped offences")
        self.unmapped_text.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.unmapped_text)
        self.gravity_button = button("&Gravity table", lambda: self.window_.show_page("settings").show_unmapped(),
                                     tip="Give the unmapped offences their points in Settings")
        lay.addWidget(self.gravity_button, 0, left)
        lay.addStretch(1)
        self.add_panel(box, 0, 1)

        # New partner alerts
        box, lay = _panel("New partner alerts", "panel_partners")
        self.partners_text = text_label("New partner alerts summary")
        self.partners_text.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.partners_text)
        self.partner_model = RowsModel(_PARTNER_COLUMNS, person_id=lambda p: p.perpetrator_id,
                                       accent=lambda p: None if p.disclosure else "warning")
        self.partner_view = table_view("dashboard_partners", "New partner alerts")
        attach_model(self.partner_view, self.partner_model)
        self.partner_view.setToolTip("Double-click an alert to open the graph on the perpetrator")
        self.partner_view.activated.connect(self._open_partner)
        self.partner_view.doubleClicked.connect(self._open_partner)
        self.partner_view.setMinimumHeight(self.fontMetrics().height() * 5)
        lay.addWidget(self.partner_view, 1)
        lay.addWidget(right_to_know_button(self.window_, self.partner_view, self.partner_model), 0, left)
        self._list_tab(box, "&New partner alerts", self.partner_model)   # the most valuable list: the first tab

        # In the store
        box, lay = _panel("In the store", "panel_counts")
        self.counts_form = QGridLayout()     # two figures a line: the panel stays as short as its neighbours
        self.counts_form.setHorizontalSpacing(10)
        self.counts_form.setVerticalSpacing(2)
        self.count_labels: dict[str, QLabel] = {}
        for n, key in enumerate(("persons", "incidents", "involvements", "links", "referrals", "meetings", "actions",
                                 "audit_log")):
            value = QLabel()
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setAccessibleName(COUNT_LABELS[key])
            self.count_labels[key] = value
            self.counts_form.addWidget(QLabel(COUNT_LABELS[key]), n // 2, (n % 2) * 2)
            self.counts_form.addWidget(value, n // 2, (n % 2) * 2 + 1)
        lay.addLayout(self.counts_form)
        lay.addWidget(button("Find a &person…", lambda: self.window_.find_person()), 0, left)
        lay.addStretch(1)
        self.add_panel(box, 0, 3)

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
        self.add_panel(box, 0, 2)

        # Data-quality warnings
        box, lay = _panel("Data-quality warnings", "panel_quality")
        self.quality = text_label("Data-quality warnings summary")
        lay.addWidget(self.quality)
        self.warning_model = RowsModel(_WARNING_COLUMNS, person_id=lambda w: w.person_id)
        self.warning_view = table_view("dashboard_warnings", "Data-quality warnings")
        attach_model(self.warning_view, self.warning_model)
        self.warning_view.setToolTip("Double-click a warning to open the person and resolve it there")
        self.warning_view.activated.connect(self._open_warning)
        self.warning_view.setMinimumHeight(self.fontMetrics().height() * 4)
        lay.addWidget(self.warning_view, 1)
        self._list_tab(box, "Data-&quality warnings", self.warning_model)
        self.case_file_panel = CaseFilePanel(ctx, window)   # plan reviews, Clare's Law, breaches, orders, support
        self._list_tab(self.case_file_panel, "Case &file reminders", self.case_file_panel.model)

    def _list_tab(self, box: QGroupBox, title: str, model) -> None:
        """A list as a tab titled with its row count ("New partner alerts (39)"); the tab names it, so the box
        inside draws no title of its own."""
        box.setTitle("")
        box.setFlat(True)
        self.lists.addTab(box, title)

        def count() -> None:
            i = self.lists.indexOf(box)
            self.lists.setTabText(i, f"{title} ({model.rowCount():,})")
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(count)

    def add_panel(self, widget: QWidget, row: int, column: int, row_span: int = 1, column_span: int = 1) -> None:
        """Place a panel on the dashboard's top row (four columns; the lists sit below, in a splitter)."""
        self.grid.addWidget(widget, row, column, row_span, column_span)

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        self._loading += 1
        gen = self._loading
        self.ctx.read(dashboard.summary).then(lambda s, g=gen: self._show(g, s),
                                              lambda e: show_error(self, e, "Dashboard"))
        self.ctx.read(attention.attention, self.ctx.today(), cancellable=True).then(
            lambda a, g=gen: self._show_attention(g, a), lambda e: show_error(self, e, "Dashboard"))
        self.case_file_panel.reload()

    def _show_attention(self, gen: int, a: Attention) -> None:
        if gen != self._loading or self.window_.locked:
            return
        self.attention = a
        warn = ACCENT["warning"]
        m = a.next_meeting
        if m is None:
            self.meeting_text.setText("No meeting is scheduled. Schedule the next one on the Meetings page.")
            self.meeting_button.setText("Open the &meetings")
        else:
            d = a.days_to_meeting
            when = "<b>today</b>" if d == 0 else "<b>tomorrow</b>" if d == 1 else f"in <b>{d} days</b>"
            self.meeting_text.setText(f"<span style='font-size:large'>{escape(m.label)}</span><br>{when}"
                                      + (f" · chair {escape(m.chair)}" if m.chair else "")
                                      + (f"<br>Previous: {escape(a.previous_meeting.label)}"
                                         if a.previous_meeting else ""))
            self.meeting_button.setText("Open the &meeting")
        n = len(a.new_partners)
        on_agenda = (f" The agenda of {escape(m.label)} lists the same alerts." if m else "")
        self.partners_text.setText(
            f"<span style='color:{warn}'><b>{n} new partner{'' if n == 1 else 's'}</b></span> of cohort subjects, "
            f"referred or serial perpetrators, since {escape(a.since)} as of {escape(a.today)}.{on_agenda}" if n else
            f"No new partner of a cohort subject, referred or serial perpetrator since {escape(a.since)} as of "
            f"{escape(a.today)}.")
        self.partner_model.set_rows(a.new_partners)
        k = len(a.overdue_actions)
        worst = a.overdue_actions[0] if k else None
        self.overdue_text.setText(
            f"<span style='color:{ACCENT['error']}'><b>{k} overdue action(s)</b></span>; the oldest is "
            f"{worst.days_overdue} days late ({escape(worst.agency)})." if k else "No overdue actions.")
        self.overdue_button.setEnabled(bool(k))
        o = len(a.overloaded)
        self.overloaded_text.setText(
            f"<span style='color:{warn}'><b>{o} offender manager(s) overloaded</b></span>: "
            + escape(", ".join(c.name for c in a.overloaded[:4])) + ("…" if o > 4 else "") + "." if o else
            "No offender manager is over the workload limits.")
        u = len(a.unmapped)
        self.unmapped_text.setText(
            f"<span style='color:{warn}'><b>{u} offence(s)</b></span> not in the gravity table ("
            + escape(", ".join(x.offence for x in a.unmapped[:3])) + ("…" if u > 3 else "") + ")." if u else
            "Every offence held is in the gravity table.")

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

    def _open_partner(self, index) -> None:
        pid = self.partner_model.data(index, IdRole)
        if pid:
            self.window_.open_graph(pid)

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
        self.attention = None
        self.case_file_panel.clear()
        self.partner_model.clear()
        for label in (self.meeting_text, self.partners_text, self.overdue_text, self.overloaded_text,
                      self.unmapped_text):
            label.setText("")

    def save_state(self) -> None:
        save_header(self.warning_view)
        save_header(self.partner_view)

