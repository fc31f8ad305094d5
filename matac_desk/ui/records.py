"""The Duplicates & links page: probable duplicate records, merges, intelligence links, shared victims and networks.

Four tabs over the relationship-graph services, each loaded when it is
shown and the store has changed since:

* **Probable duplicates**: :func:`matac_desk.analysis.duplicates.find_duplicates`
  (the record linker reads every person, so it runs on a connection of its
  own, with progress and stop, leaving the background connection to the
  other pages), listed by probability and filtered by division and score
  band; the selected pair's explanation field by field and the two records'
  key facts side by side. Decisions by keyboard on the list: **S** the same
  (Merge: the record to keep, a reason; :func:`~matac_desk.analysis.duplicates.merge`
  backs the store up first and audits), **N** not the same (a reason; for
  every selected pair at once, one decision:
  :func:`~matac_desk.analysis.duplicates.mark_not_duplicates`), **K** skip (the
  next pair; nothing written). "Undo last 'not the same'" takes the latest
  such decision back (:func:`~matac_desk.analysis.duplicates.undo_decision`);
  merges are undone on the Merges tab. Nothing is merged automatically.
* **Merges**: :func:`~matac_desk.analysis.duplicates.merges` and Undo merge (a
  reason); a merge that a later merge builds on says so, in the page.
  "Merge two records…" merges records the finder did not pair: both typed
  by name, alias, date of birth or id in person fields, checked
  (:func:`~matac_desk.analysis.duplicates.check_merge`) before the dialog closes.
* **Intelligence links**: persons A and B in person fields (:mod:`.personfield`:
  a name only one person has, or an id; a name several have is refused
  with "could be …" under the field), then a form checked by
  :func:`matac_desk.intake.links.add_link`, which applies the CSV import's rules
  and messages (a person B not in the store is added from a forename or
  surname, as a CSV row may); "Import links CSV…" runs
  :func:`~matac_desk.intake.links.import_links` on a connection of its own with
  progress and cancel, lists the rejected rows and saves them as CSV the
  way the Import page does (:func:`.imports.save_batch_rejects`); the
  links entered last, which can be removed with a reason.
* **Shared victims and networks**: :func:`matac_desk.analysis.graph.shared_victims`
  and :func:`matac_desk.analysis.graph.networks` (every incident and family link is
  read: a connection of its own again), with the names of everyone they
  list; a double-click opens the victim, or the graph on the network's
  first perpetrator; any perpetrator of a network can be opened.

Every write goes through :meth:`Context.change` and names what it changed:
a merge or an undo ``persons``, ``links`` and ``scores`` (everyone's
incidents and links read through the merge), a link ``links`` (and
``persons`` when it added person B), a links import ``links``,
``persons`` and ``imports``. A :class:`UserError` is told in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..analysis import duplicates, graph
from ..services import edits
from ..services import imports, people
from ..intake import links
from ..domain import Cancelled, UserError
from ..analysis.duplicates import BANDS, DuplicatePair, MergeRecord, band_of
from ..analysis.graph import Network, SharedVictim
from ..intake.links import LinkError, LinkRow, LinksSummary
from ..storage.store import Store
from . import dialogs
from .context import show_error
from .dialogs import Field
from .imports import _REJECT_COLUMNS as REJECT_COLUMNS
from .imports import save_batch_rejects
from .models import Column, RowsModel
from .personfield import PersonField, could_be
from .tasks import Task
from .widgets import attach_model, button, save_header, say, selected_row, sortable_table, table_view, text_label
from .window import Page

__all__ = ["RecordsPage", "PAIR_COLUMNS", "FACT_COLUMNS", "MERGE_COLUMNS", "LINK_COLUMNS", "SHARED_COLUMNS",
           "NETWORK_COLUMNS", "FACTS", "MergeLine", "SharedLine", "NetworkLine", "key_facts"]

DUPLICATES, MERGES, LINKS, SHARED = range(4)
MERGE_KINDS = ("persons", "links", "scores")
RECENT_LINKS = 200
RELATIONSHIPS = ("partner", "girlfriend", "boyfriend", "wife", "husband", "ex-partner", "son", "daughter",
                 "mother", "father", "brother", "sister", "friend", "associate")
SOURCES = ("intelligence report", "custody record", "neighbourhood team", "IDVA", "children's services record")
LOOKUP_MS = 300


def _when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ")


def _percent(p: float) -> str:
    """A probability as the page shows it: 99.9% at most unless it is certain (it never is)."""
    return f"{min(p, 0.999) * 100:.1f}%"


PAIR_COLUMNS = [
    Column("Probability", lambda p: _percent(p.score), sort=lambda p: p.score, numeric=True,
           tooltip=lambda p: band_of(p.score)),
    Column("Division", lambda p: p.division),
    Column("First record", lambda p: p.a_id),
    Column("Name", lambda p: p.a_name),
    Column("Born", lambda p: p.dob),
    Column("Second record", lambda p: p.b_id),
    Column("Name", lambda p: p.b_name),
    Column("Born", lambda p: p.b_dob or ""),
    Column("Why", lambda p: p.reason, tooltip=lambda p: p.explanation.replace("; ", "\n")),
]
ALL = "All"

# the rows of the side-by-side comparison (key_facts): (fact, first record, second record)
FACTS = ("Id", "Name", "Date of birth", "Perpetrator in", "Victim in", "Last incident", "Records merged into it")
FACT_COLUMNS = [
    Column("", lambda f: f[0]),
    Column("First record", lambda f: f[1], accent=True),    # the values that differ stand out
    Column("Second record", lambda f: f[2], accent=True),
]


@dataclass(frozen=True)
class MergeLine:
    """A merge with the names of the two records (the history shows both)."""
    merge: MergeRecord
    keep_name: str
    merged_name: str


MERGE_COLUMNS = [
    Column("Merge", lambda m: str(m.merge.id), sort=lambda m: m.merge.id, numeric=True),
    Column("When", lambda m: _when(m.merge.merged_at)),
    Column("Kept", lambda m: m.merge.keep_id),
    Column("Name", lambda m: m.keep_name),
    Column("Merged into it", lambda m: m.merge.merged_id),
    Column("Name", lambda m: m.merged_name),
    Column("Records", lambda m: m.merge.records, numeric=True,
           tooltip=lambda m: "The merged record and any records merged into it before, which moved with it"),
    Column("By", lambda m: m.merge.merged_by),
    Column("Why", lambda m: m.merge.reason),
    Column("Undone", lambda m: _when(m.merge.undone_at)),
]

LINK_COLUMNS = [
    Column("Link", lambda r: str(r.id), sort=lambda r: r.id, numeric=True),
    Column("First seen", lambda r: r.first_seen),
    Column("Person A", lambda r: r.person_a_id, tooltip=lambda r: r.person_a_name),
    Column("Name", lambda r: r.person_a_name),
    Column("Relationship", lambda r: r.relationship, tooltip=lambda r: f"counted as {r.relationship_kind}"),
    Column("Person B", lambda r: r.person_b_id, tooltip=lambda r: r.person_b_name),
    Column("Name", lambda r: r.person_b_name),
    Column("Source", lambda r: r.source),
    Column("Grade", lambda r: r.grading or "", tooltip=lambda r: "3×5×2 grade; handling C: withheld from partner packs"),
    Column("Came by", lambda r: r.how),
    Column("By", lambda r: r.entered_by),
]


Named = tuple[tuple[str, str], ...]   # (person id, name) pairs


def _who(persons: Named) -> str:
    return "; ".join(f"{pid} {name}".strip() for pid, name in persons)


@dataclass(frozen=True)
class SharedLine:
    """A victim of more than one perpetrator, with the perpetrators' names."""
    victim: SharedVictim
    perpetrators: Named


@dataclass(frozen=True)
class NetworkLine:
    """A network of perpetrators, with their names and the shared victims'."""
    network: Network
    perpetrators: Named
    victims: Named


SHARED_COLUMNS = [
    Column("Victim", lambda v: v.victim.victim_id),
    Column("Name", lambda v: v.victim.victim_name),
    Column("Perpetrators", lambda v: len(v.perpetrators), numeric=True),
    Column("Incidents", lambda v: v.victim.incidents, numeric=True),
    Column("First", lambda v: v.victim.first),
    Column("Last", lambda v: v.victim.last),
    Column("Who", lambda v: _who(v.perpetrators)),
]

NETWORK_COLUMNS = [
    Column("Perpetrators", lambda n: n.network.size, numeric=True),
    Column("Shared victims", lambda n: len(n.victims), numeric=True),
    Column("Family links", lambda n: n.network.family_links, numeric=True,
           tooltip=lambda n: "Intelligence links or incidents between family members that join the network"),
    Column("Who", lambda n: _who(n.perpetrators)),
    Column("Victims they share", lambda n: _who(n.victims)),
]


def key_facts(pair: DuplicatePair, rows: dict[str, people.PersonRow], groups: dict[str, list[str]]
              ) -> list[tuple[str, str, str]]:
    """The two records side by side: (fact, first record, second record)."""
    a, b = rows.get(pair.a_id), rows.get(pair.b_id)

    def both(get: Callable[[people.PersonRow], object]) -> tuple[str, str]:
        return tuple("" if r is None else _text(get(r)) for r in (a, b))  # type: ignore[return-value]

    merged = tuple(", ".join(groups.get(pid, [pid])[1:]) or "none" for pid in (pair.a_id, pair.b_id))
    values = [(pair.a_id, pair.b_id),
              both(lambda r: r.name),
              both(lambda r: r.dob),
              both(lambda r: f"{r.as_perpetrator:,} incident(s)"),
              both(lambda r: f"{r.as_victim:,} incident(s)"),
              both(lambda r: r.last_incident or "none"),
              merged]
    return [(fact, *v) for fact, v in zip(FACTS, values, strict=True)]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _pair_facts(store: Store, pair: DuplicatePair):
    return people.rows_for(store, [pair.a_id, pair.b_id]), {p: duplicates.group_of(store, p)
                                                            for p in (pair.a_id, pair.b_id)}


def _names(store: Store, ids) -> dict[str, str]:
    return {pid: name for pid, (name, _dob) in graph.names_and_dobs(store.conn, ids).items()}


def _shared_lines(store: Store, as_of) -> tuple[list[SharedLine], list[NetworkLine]]:
    shared, nets = graph.shared_victims(store, as_of), graph.networks(store, as_of)
    names = _names(store, [i for v in shared for i in v.perpetrator_ids]
                   + [i for n in nets for i in (*n.perpetrator_ids, *n.shared_victim_ids)])

    def named(ids) -> Named:
        return tuple((i, names.get(i, "")) for i in ids)

    return ([SharedLine(v, named(v.perpetrator_ids)) for v in shared],
            [NetworkLine(n, named(n.perpetrator_ids), named(n.shared_victim_ids)) for n in nets])


def _named(store: Store, texts: dict[str, str]) -> dict[str, object]:
    """Who each text names (:func:`people.resolve`; an id typed is kept as it is): a person's row, None for an id
    not in the store, or the refusal (a name several have, or nobody)."""
    out: dict[str, object] = {}
    for key, text in texts.items():
        if not text:
            continue
        try:
            pid = people.resolve(store, text, follow_merges=False, new_ok=True)
        except UserError as e:
            out[key] = e
            continue
        out[key] = people.rows_for(store, [pid]).get(pid)
    return out


def _on_own_connection(store: Store, fn: Callable[..., object], *args, **kw):
    """``fn(own, ...)`` on a connection of its own (a long read, or an import holding its transaction)."""
    own = store.reopen()
    try:
        return fn(own, *args, **kw)
    finally:
        own.close()   # and its share of the writer's lock (a restore checks that nothing else holds it)


def _sentence(e: UserError) -> str:
    """A service's one-line message as the page tells it (the CLI's words, a capital first)."""
    text = str(e)
    return text[:1].upper() + text[1:]


def _buttons(*widgets, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch(1)
    for w in widgets:
        row.addWidget(w)
    return row


class RecordsPage(Page):
    key = "records"
    title = "Duplicates && links"
    listens = frozenset({"persons", "links"})

    def __init__(self, ctx, window):
        super().__init__(ctx, window)
        self._gen = [0, 0, 0, 0]
        self._facts_gen = 0
        self._stale_tabs: set[int] = set(range(4))
        self._scan: Task | None = None
        self._import: Task | None = None
        self.import_summary: LinksSummary | None = None
        self.pair_rows: tuple[DuplicatePair, dict[str, people.PersonRow]] | None = None
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Duplicates and links")
        self.tabs.addTab(self._duplicates_tab(), "Probable &duplicates")
        self.tabs.addTab(self._merges_tab(), "&Merges")
        self.tabs.addTab(self._links_tab(), "Intelligence &links")
        self.tabs.addTab(self._shared_tab(), "Shared &victims && networks")
        self.tabs.currentChanged.connect(self._tab_changed)
        lay.addWidget(self.tabs)
        if ctx.store.read_only:
            for b in (self.merge_button, self.not_same_button, self.undo_button, self.add_button,
                      self.import_button, self.remove_button, self.undo_decision_button, self.merge_named_button):
                b.setToolTip("Read-only: another copy has this store open; changes cannot be saved")
                b.setEnabled(False)
        self._pair_selected()
        self._merge_selected()
        self._link_selected()
        self._shared_selected()
        self._network_selected()

    # ------------------------------------------------------------ building
    @staticmethod
    def _summary_tab(accessible: str) -> tuple[QWidget, QVBoxLayout, QHBoxLayout, QLabel]:
        """A tab that opens with a line saying what it lists, in a bar of its controls."""
        tab = QWidget()
        tl = QVBoxLayout(tab)
        bar = QHBoxLayout()
        summary = text_label(accessible)
        bar.addWidget(summary, 1)
        tl.addLayout(bar)
        return tab, tl, bar, summary

    def _duplicates_tab(self) -> QWidget:
        tab, tl, bar, self.pair_summary = self._summary_tab("Probable duplicates summary")
        self.scan_progress = QProgressBar()
        self.scan_progress.setAccessibleName("Comparing records")
        self.scan_progress.setMaximumWidth(220)
        self.scan_progress.hide()
        bar.addWidget(self.scan_progress)
        self.stop_button = button("S&top", self.stop_scan, accessible="Stop comparing records")
        self.stop_button.hide()
        bar.addWidget(self.stop_button)
        self.rescan_button = button("Look &again", lambda: self._load(DUPLICATES),
                                    accessible="Look for probable duplicates again",
                                    tip="Compare every record again")
        bar.addWidget(self.rescan_button)
        filters = QHBoxLayout()
        self.division_filter = self._filter_combo(filters, "Di&vision:", "Division filter")
        self.band_filter = self._filter_combo(filters, "Pro&bability:", "Probability band filter")
        self.band_filter.addItems([label for label, _low in BANDS])
        filters.addStretch(1)
        tl.addLayout(filters)
        self._all_pairs: list[DuplicatePair] = []

        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("records_duplicates_split")
        self.pair_model = RowsModel(PAIR_COLUMNS)
        self.pair_view = sortable_table("records_duplicate_pairs", "Probable duplicates", self.pair_model)
        self.pair_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.pair_view.setToolTip("S: the same person (merge)  N: not the same (every pair selected)  K: skip")
        self.pair_view.selectionModel().selectionChanged.connect(lambda *_: self._pair_selected())
        self.pair_view.selectionModel().currentRowChanged.connect(lambda *_: self._pair_selected())
        for key, slot in (("S", self.merge_selected), ("N", self.not_same), ("K", self.skip)):
            sc = QShortcut(QKeySequence(key), self.pair_view)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(slot)
        split.addWidget(self.pair_view)
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        self.pair_why = text_label("Why the pair is listed")
        sl.addWidget(self.pair_why)
        self.fact_model = RowsModel(FACT_COLUMNS, accent=lambda f: "warning" if f[0] != "Id" and f[1] != f[2]
                                    else None)
        self.fact_view = table_view("records_facts", "The two records side by side")
        attach_model(self.fact_view, self.fact_model)
        self.fact_view.setToolTip("What differs is in the warning colour")
        self.fact_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fact_view.setFixedHeight(self.fact_view.horizontalHeader().sizeHint().height()
                                      + len(FACTS) * self.fact_view.verticalHeader().defaultSectionSize() + 4)
        sl.addWidget(self.fact_view)
        self.open_a_button = button("&Open first", lambda: self._open_pair(0), accessible="Open the first record")
        self.open_b_button = button("Open &second", lambda: self._open_pair(1), accessible="Open the second record")
        sl.addLayout(_buttons(self.open_a_button, self.open_b_button))
        self.skip_button = button("S&kip", self.skip, accessible="Skip to the next pair",
                                  tip="Decide later: the next pair (K); nothing is written")
        self.not_same_button = button("&Not the same person…", self.not_same,
                                      tip="Record that these are two people, so the pair is not listed again (N); "
                                          "with several pairs selected, all of them at once")
        self.merge_button = button("Me&rge…", self.merge_selected, accessible="Merge the two records",
                                   tip="The same person (S): choose the record to keep; the other's incidents and "
                                       "links follow it")
        sl.addLayout(_buttons(self.skip_button, self.not_same_button, self.merge_button))
        self.undo_decision_button = button("&Undo last \u2018not the same\u2019…", self.undo_last_decision,
                                           accessible="Undo the last not the same decision",
                                           tip="The pairs of the latest \u2018not the same person\u2019 decision "
                                               "may be listed again; merges are undone on the Merges tab")
        sl.addLayout(_buttons(self.undo_decision_button))
        self.dup_message = text_label("Duplicates message")
        sl.addWidget(self.dup_message)
        sl.addStretch(1)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        tl.addWidget(split, 1)
        return tab

    def _filter_combo(self, row: QHBoxLayout, label: str, accessible: str) -> QComboBox:
        lab = QLabel(label)
        combo = QComboBox()
        combo.setAccessibleName(accessible)
        combo.addItem(ALL)
        combo.setMinimumContentsLength(14)
        lab.setBuddy(combo)
        row.addWidget(lab)
        row.addWidget(combo)
        combo.currentIndexChanged.connect(lambda _i: self._apply_filters())
        return combo

    def _apply_filters(self) -> None:
        """The pairs shown: those of the division and probability band chosen."""
        division, band = self.division_filter.currentText(), self.band_filter.currentText()
        keep = self.selected_pair()
        rows = [p for p in self._all_pairs
                if (division == ALL or division in p.division.split(" / "))
                and (band == ALL or band_of(p.score) == band)]
        self.pair_model.set_rows(rows)
        self._keep_sorted(self.pair_view, self.pair_model)
        n, total = len(rows), len(self._all_pairs)
        shown = f"{n:,} of {total:,}" if n != total else f"{n:,}"
        self.pair_summary.setText(
            f"{shown} probable duplicate pair(s), most probable first. Never merged automatically: compare the two "
            f"records, then decide (S the same, N not the same, K skip)." if total else
            "No probable duplicates: no two records are likely enough to be one person.")
        target = next((i for i, p in enumerate(self.pair_model.rows())
                       if keep and (p.a_id, p.b_id) == (keep.a_id, keep.b_id)), 0)
        if n:
            self.pair_view.selectRow(target)
        self._pair_selected()

    def _merges_tab(self) -> QWidget:
        tab, tl, bar, self.merge_summary = self._summary_tab("Merges summary")
        self.show_undone = QCheckBox("Show u&ndone merges too")
        self.show_undone.setAccessibleName("Show undone merges too")
        self.show_undone.toggled.connect(lambda _b: self._load(MERGES))
        bar.addWidget(self.show_undone)
        self.merge_model = RowsModel(MERGE_COLUMNS, accent=lambda m: "info" if m.merge.undone_at else None)
        self.merge_view = sortable_table("records_merges", "Merge history", self.merge_model)
        self.merge_view.selectionModel().selectionChanged.connect(lambda *_: self._merge_selected())
        tl.addWidget(self.merge_view, 1)
        self.open_kept_button = button("Open &kept record", lambda: self._open_merge("keep"))
        self.open_merged_button = button("Open merged &record", lambda: self._open_merge("merged"))
        self.undo_button = button("&Undo merge…", self.undo_selected,
                                  tip="The two records stand apart again exactly as before the merge")
        self.merge_named_button = button("Merge &two records…", self.merge_named,
                                         tip="Merge records the duplicate finder did not pair: type each by name, "
                                             "alias, date of birth or id")
        tl.addLayout(_buttons(self.open_kept_button, self.open_merged_button, self.undo_button,
                              self.merge_named_button))
        self.merge_message = text_label("Merges message")
        tl.addWidget(self.merge_message)
        return tab

    def _links_tab(self) -> QWidget:
        tab = QWidget()
        tl = QVBoxLayout(tab)
        top = QHBoxLayout()

        box = QGroupBox("Enter a link by hand")
        box.setAccessibleName("Enter a link by hand")
        form = QFormLayout(box)
        self.link_edits: dict[str, QWidget] = {}
        self._lookup_timer = QTimer(self)
        self._lookup_timer.setSingleShot(True)
        self._lookup_timer.setInterval(LOOKUP_MS)
        self._lookup_timer.timeout.connect(self.look_up_persons)
        self.a_id = self._person_edit(form, "person_a_id", "Person &A:", "Person A")
        self.a_name = self.a_id.note          # who the text names, or why it names nobody
        form.addRow("", self.a_name)
        self.b_id = self._person_edit(form, "person_b_id", "Person &B:", "Person B",
                                      "name, alias, date of birth or id; a new person's id")
        self.b_name = self.b_id.note
        form.addRow("", self.b_name)
        for edit in (self.a_id, self.b_id):
            edit.textChanged.connect(lambda _t: self._lookup_timer.start())
        new_b = QHBoxLayout()
        self.b_forename = self._link_edit(None, "person_b_forename", "", "Person B forename", "forename")
        self.b_surname = self._link_edit(None, "person_b_surname", "", "Person B surname", "surname")
        self.b_dob = self._link_edit(None, "person_b_dob", "", "Person B date of birth", "date of birth")
        for w in (self.b_forename, self.b_surname, self.b_dob):
            w.setToolTip("Only for a person B not in the store yet: a forename or surname adds them")
            new_b.addWidget(w)
        form.addRow("New person B:", new_b)
        self.relationship = self._link_combo(form, "relationship", "&Relationship:", "Relationship",
                                             RELATIONSHIPS, "person B as person A would say: girlfriend, son…")
        self.first_seen = self._link_edit(form, "first_seen", "Firs&t seen:", "First seen",
                                          "YYYY-MM-DD or DD/MM/YYYY")
        self.source = self._link_combo(form, "source", "S&ource:", "Source", SOURCES,
                                       "where the link comes from")
        self.grading = self._link_edit(form, "grading", "&Grade:", "Grade", "3×5×2, e.g. 1B P (optional)")
        self.add_button = button("Add li&nk", self.add_link, tip="Checked as a row of a links CSV would be")
        form.addRow(_buttons(self.add_button))
        self.link_message = text_label("Link message")
        form.addRow(self.link_message)
        top.addWidget(box, 3)

        ibox = QGroupBox("Import a links CSV")
        ibox.setAccessibleName("Import a links CSV")
        il = QVBoxLayout(ibox)
        about = text_label("About the links CSV")
        about.setText("Columns <i>person_a_id, person_b_id, relationship, first_seen, source</i> and, for a person "
                      "not in the store, <i>person_b_forename, person_b_surname, person_b_dob</i>. One change: "
                      "a cancelled import leaves the store as it was, and the same file again changes nothing.")
        about.setTextFormat(Qt.TextFormat.RichText)
        il.addWidget(about)
        self.import_progress = QProgressBar()
        self.import_progress.setAccessibleName("Links import progress")
        self.import_progress.setRange(0, 1000)
        self.import_progress.hide()
        self.cancel_import_button = button("&Cancel import", self.cancel_import, accessible="Cancel the links import")
        self.cancel_import_button.hide()
        self.import_button = button("&Import links CSV…", lambda: self.import_links())
        row = QHBoxLayout()
        row.addWidget(self.import_progress, 1)
        row.addWidget(self.cancel_import_button)
        row.addStretch(0)
        row.addWidget(self.import_button)
        il.addLayout(row)
        self.import_message = text_label("Links import summary")
        self.import_message.setTextFormat(Qt.TextFormat.RichText)
        il.addWidget(self.import_message)
        self.reject_model = RowsModel(REJECT_COLUMNS)
        self.reject_view = table_view("records_link_rejects", "Rejected rows of the links import")
        attach_model(self.reject_view, self.reject_model)
        il.addWidget(self.reject_view, 10)
        self.save_rejects_button = button("&Save rejected rows as CSV…", lambda: self.save_rejects(),
                                          accessible="Save the rejected rows of the links import as CSV")
        il.addLayout(_buttons(self.save_rejects_button))
        il.addStretch(1)
        top.addWidget(ibox, 4)
        tl.addLayout(top, 3)

        self.recent_title = text_label("Links entered last")
        tl.addWidget(self.recent_title)
        self.link_model = RowsModel(LINK_COLUMNS, person_id=lambda r: r.person_a_id)
        self.link_view = sortable_table("records_links", "Intelligence links entered last", self.link_model)
        self.link_view.selectionModel().selectionChanged.connect(lambda *_: self._link_selected())
        self.link_view.doubleClicked.connect(lambda i: self.window_.open_person(
            self.link_model.row(i.row()).person_a_id))
        tl.addWidget(self.link_view, 2)
        self.open_link_a_button = button("Open person A", lambda: self._open_link("a"))
        self.open_link_b_button = button("Open person B", lambda: self._open_link("b"))
        self.remove_button = button("Remove lin&k…", self.remove_selected_link,
                                    tip="Delete a link entered in error; the audit log keeps why")
        tl.addLayout(_buttons(self.open_link_a_button, self.open_link_b_button, self.remove_button))
        self._show_import(None)
        return tab

    def _link_edit(self, form: QFormLayout | None, column: str, label: str, accessible: str,
                   placeholder: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        edit.setToolTip(f"{column} in a links CSV")
        edit.returnPressed.connect(self.add_link)
        self.link_edits[column] = edit
        if form is not None:
            form.addRow(label, edit)
        return edit

    def _person_edit(self, form: QFormLayout, column: str, label: str, accessible: str,
                     placeholder: str | None = None) -> PersonField:
        edit = PersonField(self.ctx, accessible)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        edit.setToolTip(f"{column} in a links CSV: type a name, an alias, a date of birth or an id, and pick from "
                        "the suggestions")
        edit.returnPressed.connect(self.add_link)
        self.link_edits[column] = edit
        form.addRow(label, edit)
        return edit

    def _link_combo(self, form: QFormLayout, column: str, label: str, accessible: str, choices,
                    placeholder: str) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)
        combo.addItems(list(choices))
        combo.setCurrentText("")
        combo.setAccessibleName(accessible)
        combo.lineEdit().setAccessibleName(accessible)
        combo.lineEdit().setPlaceholderText(placeholder)
        combo.setToolTip(f"{column} in a links CSV: {placeholder}")
        self.link_edits[column] = combo
        form.addRow(label, combo)
        return combo

    def _shared_tab(self) -> QWidget:
        tab = QWidget()
        tl = QVBoxLayout(tab)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("records_shared_split")
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        self.shared_title = text_label("Shared victims summary")
        ul.addWidget(self.shared_title)
        self.shared_model = RowsModel(SHARED_COLUMNS, person_id=lambda v: v.victim.victim_id)
        self.shared_view = sortable_table("records_shared_victims", "Victims of more than one perpetrator",
                                          self.shared_model)
        self.shared_view.setToolTip("Double-click to open the victim")
        self.shared_view.selectionModel().selectionChanged.connect(lambda *_: self._shared_selected())
        self.shared_view.doubleClicked.connect(lambda i: self._open_victim(row=self.shared_model.row(i.row())))
        ul.addWidget(self.shared_view, 1)
        self.open_victim_button = button("Open the v&ictim", self._open_victim)
        self.victim_graph_button = button("Graph &of the victim", lambda: self._open_victim(graph=True),
                                          tip="The victim and every perpetrator who abused her")
        ul.addLayout(_buttons(self.open_victim_button, self.victim_graph_button))
        split.addWidget(upper)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.network_title = text_label("Networks summary")
        ll.addWidget(self.network_title)
        self.network_model = RowsModel(NETWORK_COLUMNS)
        self.network_view = sortable_table("records_networks", "Networks of perpetrators", self.network_model)
        self.network_view.setToolTip("Double-click to open the graph on the network's first perpetrator")
        self.network_view.selectionModel().selectionChanged.connect(lambda *_: self._network_selected())
        self.network_view.doubleClicked.connect(lambda i: self.window_.open_graph(
            self.network_model.row(i.row()).network.perpetrator_ids[0]))
        ll.addWidget(self.network_view, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        member_label = QLabel("&Perpetrator:")
        row.addWidget(member_label)
        self.member = QComboBox()
        self.member.setAccessibleName("Perpetrator of the network")
        self.member.setMinimumContentsLength(24)
        member_label.setBuddy(self.member)
        row.addWidget(self.member)
        self.open_member_button = button("Open perso&n", self._open_member, accessible="Open the perpetrator")
        self.member_graph_button = button("G&raph", lambda: self._open_member(graph=True),
                                          accessible="Graph of the perpetrator")
        row.addWidget(self.open_member_button)
        row.addWidget(self.member_graph_button)
        ll.addLayout(row)
        split.addWidget(lower)
        tl.addWidget(split, 1)
        return tab

    # ------------------------------------------------------------ loading
    def reload(self) -> None:
        self._stale_tabs = set(range(4))
        self._load(self.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        if index in self._stale_tabs and not self.window_.locked and not self.stale:
            self._load(index)

    def _next(self, tab: int) -> int:
        self._gen[tab] += 1
        return self._gen[tab]

    def _load(self, tab: int) -> None:
        self._stale_tabs.discard(tab)
        gen = self._next(tab)
        if tab == DUPLICATES:
            self._scan_duplicates(gen)
        elif tab == MERGES:
            include = self.show_undone.isChecked()

            def load_merges(store):
                rows = duplicates.merges(store, include_undone=include)
                names = _names(store, [x for m in rows for x in (m.keep_id, m.merged_id)])
                return [MergeLine(m, names.get(m.keep_id, ""), names.get(m.merged_id, "")) for m in rows]

            self.ctx.read(load_merges).then(lambda rows, g=gen: self._show_merges(g, rows),
                                            lambda e: show_error(self, e, "Merges"))
        elif tab == LINKS:
            self.ctx.read(links.recent_links, RECENT_LINKS).then(lambda rows, g=gen: self._show_links(g, rows),
                                                                 lambda e: show_error(self, e, "Links"))
        else:
            store, as_of = self.ctx.store, self.ctx.today()
            self.shared_title.setText("Finding the victims of more than one perpetrator…")
            self.network_title.setText("Finding the networks of perpetrators…")
            # every incident and family link is read: on a connection of its own, as the duplicates are
            self.ctx.run(lambda _p, _c: _on_own_connection(store, _shared_lines, as_of)).then(
                lambda r, g=gen: self._show_shared(g, *r), lambda e: show_error(self, e, "Shared victims and networks"))

    def _current(self, tab: int, gen: int) -> bool:
        return gen == self._gen[tab] and not self.window_.locked

    @staticmethod
    def _keep_sorted(view: QTableView, model: RowsModel) -> None:
        header = view.horizontalHeader()
        if header.isSortIndicatorShown():
            model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    # ------------------------------------------------------------ probable duplicates
    def _scan_duplicates(self, gen: int) -> None:
        if self._scan is not None and not self._scan.is_done:
            self._scan.cancel()
        store = self.ctx.store

        def work(progress, cancelled):
            return _on_own_connection(store, duplicates.find_duplicates, progress=progress, cancelled=cancelled)

        self.pair_summary.setText("Comparing the records…")
        self.scan_progress.setRange(0, 0)
        self.scan_progress.show()
        self.stop_button.show()
        self.rescan_button.setEnabled(False)
        self._scan = task = self.ctx.run(work)
        task.then(lambda pairs, g=gen: self._show_pairs(g, pairs), lambda e, g=gen: self._scan_failed(g, e),
                  self._scan_progressed)

    def _scan_progressed(self, done: int, total: int, _message: str) -> None:
        if total:
            self.scan_progress.setRange(0, 1000)
            self.scan_progress.setValue(int(1000 * done / total))

    def _scan_finished(self) -> None:
        self.scan_progress.hide()
        self.stop_button.hide()
        self.rescan_button.setEnabled(True)

    def stop_scan(self) -> None:
        if self._scan is not None:
            self._scan.cancel()

    def _show_pairs(self, gen: int, pairs: list[DuplicatePair]) -> None:
        if not self._current(DUPLICATES, gen):
            return
        self._scan_finished()
        self._all_pairs = list(pairs)
        division = self.division_filter.currentText()
        divisions = sorted({d for p in pairs for d in p.division.split(" / ") if d})
        self.division_filter.blockSignals(True)
        self.division_filter.clear()
        self.division_filter.addItems([ALL, *divisions])
        self.division_filter.setCurrentText(division if division in divisions else ALL)
        self.division_filter.blockSignals(False)
        self._apply_filters()

    def _scan_failed(self, gen: int, e: BaseException) -> None:
        if gen != self._gen[DUPLICATES]:
            return
        self._scan_finished()
        if isinstance(e, Cancelled):
            self.pair_summary.setText("Stopped before every record was compared; the list is not shown. "
                                      "Look again to compare them all.")
            self.pair_model.clear()
        elif isinstance(e, UserError):
            say(self.pair_summary, _sentence(e), "error")
        else:
            self.pair_summary.setText("")
            show_error(self, e, "Probable duplicates")

    def selected_pairs(self) -> list[DuplicatePair]:
        """Every selected pair, in the order shown."""
        return [self.pair_model.row(i.row()) for i in sorted(self.pair_view.selectionModel().selectedRows(),
                                                             key=lambda i: i.row())]

    def selected_pair(self) -> DuplicatePair | None:
        """The pair under the cursor (the current row, when it is selected), else the first selected."""
        current = self.pair_view.currentIndex()
        sel = self.pair_view.selectionModel()
        if current.isValid() and sel.isRowSelected(current.row(), current.parent()):
            return self.pair_model.row(current.row())
        return selected_row(self.pair_view)

    def _pair_selected(self) -> None:
        p = self.selected_pair()
        many = len(self.selected_pairs())
        writable = p is not None and not self.ctx.store.read_only
        self.merge_button.setEnabled(writable and many == 1)
        self.not_same_button.setEnabled(writable)
        self.not_same_button.setText(f"&Not the same: {many} pairs…" if many > 1 else "&Not the same person…")
        self.skip_button.setEnabled(p is not None)
        for b in (self.open_a_button, self.open_b_button):
            b.setEnabled(p is not None)
        self._facts_gen += 1
        self.pair_rows = None
        self.pair_why.setText("" if p is None else self._explanation_html(p))
        if p is None:
            self.fact_model.clear()
            return
        gen = self._facts_gen
        self.ctx.read(_pair_facts, p).then(lambda r, g=gen, pair=p: self._show_facts(g, pair, *r),
                                           lambda e: show_error(self, e, "The two records"))

    @staticmethod
    def _explanation_html(p: DuplicatePair) -> str:
        """The pair's probability and every field's part in it, one line each, its weight in front."""
        lines = "".join(f"<tr><td align='right'>{e.weight:+.1f}</td><td>&nbsp;{escape(e.text)}</td></tr>"
                        for e in p.evidence)
        return (f"<b>Probability {_percent(p.score)}</b> ({escape(band_of(p.score))}): {escape(p.reason)}."
                + (f"<table>{lines}</table>" if lines else ""))

    def skip(self) -> None:
        """Leave the pair undecided and go to the next one (nothing is written)."""
        rows = self.pair_model.rowCount()
        if not rows:
            return
        current = self.pair_view.currentIndex().row()
        nxt = min(max(current, 0) + 1, rows - 1)
        self.pair_view.selectRow(nxt)
        self.pair_view.setFocus()

    def undo_last_decision(self) -> None:
        if self.ctx.store.read_only:
            return
        self.ctx.read(duplicates.decisions).then(self._ask_undo_decision,
                                                 lambda e: show_error(self, e, "Undo a decision"))

    def _ask_undo_decision(self, decisions: list) -> None:
        if not decisions:
            say(self.dup_message, "No \u2018not the same person\u2019 decision stands to undo.", "info")
            return
        d = decisions[0]
        answer = dialogs.ask(self, "Undo a decision", [
            Field("reason", "&Why", "long", placeholder="e.g. marked by mistake"),
        ], intro=f"Decision {d.id} ({_when(d.decided_at)}, {d.decided_by}): {d.pairs:,} pair(s) marked not the "
                 f"same person, because \u201c{d.reason}\u201d. Undone, they may be listed again; the undo goes "
                 f"in the audit log.", ok="Undo decision")
        if answer is None:
            return
        self.ctx.change(duplicates.undo_decision, d.id, answer.get("reason", ""), kinds=("persons",),
                        what="Undo a decision", parent=self, failed=self._failed_in(self.dup_message, "Undo"),
                        done=lambda n, i=d.id: say(self.dup_message, f"Undid decision {i}: {n:,} pair(s) may be "
                                                                      f"listed again.", "ok"))

    def _show_facts(self, gen: int, pair: DuplicatePair, rows, groups) -> None:
        if gen != self._facts_gen or self.window_.locked:
            return
        self.pair_rows = (pair, rows)
        self.fact_model.set_rows(key_facts(pair, rows, groups))

    def _open_pair(self, which: int) -> None:
        p = self.selected_pair()
        if p is not None:
            self.window_.open_person((p.a_id, p.b_id)[which])

    def merge_selected(self) -> None:
        p = self.selected_pair()
        if p is None or self.ctx.store.read_only:
            return
        if len(self.selected_pairs()) > 1:
            say(self.dup_message, "Merge one pair at a time: select a single pair.", "warning")
            return
        # suggest keeping the record with more incidents (the first on a tie)
        rows = self.pair_rows if self.pair_rows is not None and self.pair_rows[0] == p else (p, {})
        incidents = {pid: r.as_perpetrator + r.as_victim for pid, r in rows[1].items()}
        first = p.b_id if incidents.get(p.b_id, 0) > incidents.get(p.a_id, 0) else p.a_id
        suggested = (f" Suggested: keep {first}, which has more incidents ({incidents[first]:,} against "
                     f"{incidents[p.a_id if first == p.b_id else p.b_id]:,})." if len(incidents) == 2
                     and len(set(incidents.values())) == 2 else "")
        labels = {pid: f"{pid} {name}" for pid, name in ((p.a_id, p.a_name), (p.b_id, p.b_name))}

        def refused(v) -> None:   # checked before the dialog closes: a refusal keeps the text, and no backup
            keep_ = p.a_id if v["keep"] == labels[p.a_id] else p.b_id
            self.ctx.background.call(duplicates.check_merge, keep_, p.b_id if keep_ == p.a_id else p.a_id,
                                     v["reason"])

        answer = dialogs.ask(self, "Merge two records", [
            Field("keep", "&Keep", "choice", choices=[labels[p.a_id], labels[p.b_id]], default=labels[first]),
            Field("reason", "&Why they are one person", "long", required=True,
                  placeholder="e.g. same date of birth and address, surname typo"),
        ], intro="The other record is merged into the one kept: its incidents and links follow it, nothing is "
                 "rewritten, and the merge can be undone on the Merges tab. The store is backed up first; the "
                 "merge and its reason go in the audit log." + suggested, ok="Merge", check=refused)
        if answer is None:
            return
        keep = p.a_id if answer["keep"] == labels[p.a_id] else p.b_id
        other = p.b_id if keep == p.a_id else p.a_id
        self.merge_button.setEnabled(False)
        self._merge(keep, other, answer["reason"], self.dup_message)

    def _merge(self, keep: str, other: str, reason: str, message: QLabel) -> None:
        """Merge ``other`` into ``keep`` as an edit (Edit > Undo takes it back, as the Merges tab does)."""
        say(message, f"Merging {other} into {keep} (backing the store up first)…")
        edit = edits.Merge(keep, other, reason)
        failed = self._failed_in(message, "Merge")
        self.ctx.history.submit(edit, parent=self, failed=lambda e: failed(e) or True,
                                done=lambda _c, k=keep, o=other: say(
                                    message, f"Merged {o} into {k} (merge {edit.number}). Undo it with "
                                    "Edit > Undo or on the Merges tab.", "ok"))

    def merge_named(self) -> None:
        """Merge two records the finder did not pair, each typed by name, alias, date of birth or id."""
        if self.ctx.store.read_only:
            return

        def refused(v) -> None:   # checked before the dialog closes: a refusal keeps the text, and no backup
            self.ctx.background.call(duplicates.check_merge, v["keep"], v["other"], v["reason"])

        answer = dialogs.ask(self, "Merge two records", [
            Field("keep", "&Keep", "person", required=True, placeholder="the record kept: name, alias, date of birth "
                                                                        "or id"),
            Field("other", "&Merge into it", "person", required=True,
                  placeholder="the record merged into it: name, alias, date of birth or id"),
            Field("reason", "&Why they are one person", "long", required=True,
                  placeholder="e.g. same date of birth and address, surname typo"),
        ], intro="The second record is merged into the first: its incidents and links follow it, nothing is "
                 "rewritten, and the merge can be undone here. The store is backed up first; the merge and its "
                 "reason go in the audit log.", ok="Merge", check=refused, ctx=self.ctx)
        if answer is None:
            return
        self.merge_named_button.setEnabled(False)
        self._merge(answer["keep"], answer["other"], answer["reason"], self.merge_message)

    def not_same(self) -> None:
        pairs = self.selected_pairs()
        if not pairs or self.ctx.store.read_only:
            return
        p = pairs[0]
        who = (f"{p.a_id} {p.a_name} and {p.b_id} {p.b_name}" if len(pairs) == 1 else
               f"The {len(pairs)} selected pairs")
        answer = dialogs.ask(self, "Not the same person", [
            Field("reason", "&Why they are different people", "long", required=True,
                  placeholder="e.g. different mothers' names, different addresses at the same time"),
        ], intro=f"{who} will not be listed as probable duplicates again (one decision, which Undo last "
                 f"\u2018not the same\u2019 takes back). The decision and its reason go in the audit log.", ok="Record")
        if answer is None:
            return
        ids = [(q.a_id, q.b_id) for q in pairs]
        done = (f"Recorded that {p.a_id} and {p.b_id} are different people." if len(pairs) == 1 else
                f"Recorded that the {len(pairs)} pairs are different people.")
        self.ctx.change(duplicates.mark_not_duplicates, ids, answer["reason"], kinds=("persons",),
                        what="Not the same person", parent=self, failed=self._failed_in(self.dup_message,
                                                                                        "Not the same person"),
                        done=lambda n, d=done: say(self.dup_message, f"{d} (Decision {n}.)", "ok"))

    def _failed_in(self, label: QLabel, what: str) -> Callable[[BaseException], None]:
        """A failed write: a UserError told in the page, anything else by its type only."""
        def failed(e: BaseException) -> None:
            if isinstance(e, UserError):
                say(label, _sentence(e), "error")
            else:
                say(label, "")
                show_error(self, e, what)
            self._pair_selected()
            self._merge_selected()
        return failed

    # ------------------------------------------------------------ merges
    def _show_merges(self, gen: int, rows: list[MergeLine]) -> None:
        if not self._current(MERGES, gen):
            return
        keep = self.selected_merge()
        self.merge_model.set_rows(rows)
        self._keep_sorted(self.merge_view, self.merge_model)
        standing = sum(1 for m in rows if not m.merge.undone_at)
        self.merge_summary.setText(
            f"{standing:,} merge(s) standing, newest first. A merge that a later merge builds on is undone after "
            f"that one." if rows else "No merges" + (" yet." if self.show_undone.isChecked() else " standing."))
        target = next((i for i, m in enumerate(self.merge_model.rows()) if keep and m.merge.id == keep.merge.id), 0)
        if rows:
            self.merge_view.selectRow(target)
        self._merge_selected()

    def selected_merge(self) -> MergeLine | None:
        return selected_row(self.merge_view)

    def _merge_selected(self) -> None:
        m = self.selected_merge()
        self.undo_button.setEnabled(m is not None and not m.merge.undone_at and not self.ctx.store.read_only)
        self.merge_named_button.setEnabled(not self.ctx.store.read_only)
        self.open_kept_button.setEnabled(m is not None)
        self.open_merged_button.setEnabled(m is not None)

    def _open_merge(self, which: str) -> None:
        m = self.selected_merge()
        if m is not None:
            self.window_.open_person(m.merge.keep_id if which == "keep" else m.merge.merged_id)

    def undo_selected(self) -> None:
        m = self.selected_merge()
        if m is None or m.merge.undone_at:
            return
        answer = dialogs.ask(self, "Undo a merge", [
            Field("reason", "&Why", "long", required=True, placeholder="e.g. different people after all"),
        ], intro=f"{m.merge.merged_id} {m.merged_name} stands apart from {m.merge.keep_id} {m.keep_name} again, "
                 f"exactly as before merge {m.merge.id}. The store is backed up first; the undo and its reason go "
                 f"in the audit log.", ok="Undo merge")
        if answer is None:
            return
        self.undo_button.setEnabled(False)
        say(self.merge_message, f"Undoing merge {m.merge.id}…")
        self.ctx.change(duplicates.unmerge, m.merge.merged_id, answer["reason"], kinds=MERGE_KINDS,
                        what="Undo merge", parent=self, failed=self._failed_in(self.merge_message, "Undo merge"),
                        done=lambda n, mm=m: say(self.merge_message, f"Undid merge {n}: {mm.merge.merged_id} stands "
                                                                      f"on its own again.", "ok"))

    # ------------------------------------------------------------ intelligence links
    def look_up_persons(self) -> None:
        """Name the persons typed (or say they are not in the store, or whom an ambiguous name could be)."""
        self._lookup_timer.stop()
        texts = self._person_texts()
        if not any(texts.values()):
            self._show_lookup(texts, {})
            return
        self.ctx.read(_named, texts).then(lambda found, t=texts: self._show_lookup(t, found),
                                          lambda e: show_error(self, e, "Look up a person"))

    def _person_texts(self) -> dict[str, str]:
        """What identifies persons A and B: the id picked, else the text typed."""
        return {k: f.person_id() or f.text().strip() for k, f in (("a", self.a_id), ("b", self.b_id))}

    def _show_lookup(self, texts: dict[str, str], found: dict[str, object]) -> None:
        if self.window_.locked or texts != self._person_texts():
            return
        for key, label in (("a", self.a_name), ("b", self.b_name)):
            r = found.get(key)
            if not texts[key]:
                say(label, "")
            elif isinstance(r, people.Ambiguous):
                say(label, could_be(r), "warning")
            elif isinstance(r, UserError):
                say(label, _sentence(r), "warning")
            elif r is None:
                say(label, "Not in the store" + (": give a forename or surname below to add them" if key == "b"
                                                  else ""), "warning")
            else:
                merged = f" (merged into {r.merged_into})" if r.merged_into else ""
                say(label, f"{r.name} ({r.id}), born {r.dob or 'date not recorded'}{merged}")

    def link_values(self) -> dict[str, str]:
        """The form's fields by links CSV column."""
        return {c: (w.currentText() if isinstance(w, QComboBox) else w.text()).strip()
                for c, w in self.link_edits.items()}

    def add_link(self) -> None:
        if self.ctx.store.read_only:
            return
        v = self.link_values()
        say(self.link_message, "")
        for column, field in (("person_a_id", self.a_id), ("person_b_id", self.b_id)):
            if not v[column]:
                continue          # the link's own check names it
            try:   # a name resolved to its id (an id typed is kept as it is, and a new person B's too)
                v[column] = field.resolve(follow_merges=False, new_ok=True)
            except UserError as e:
                who = "person A" if column == "person_a_id" else "person B"
                say(self.link_message, f"The link cannot be added: {who} could be any of several persons (see "
                                       "under the field); pick one, or type the id." if isinstance(e, people.Ambiguous)
                    else f"The link cannot be added: {who}: {e}", "error")
                field.setFocus()
                return
        new_person = bool(v["person_b_forename"] or v["person_b_surname"] or v["person_b_dob"])
        self.ctx.change(links.add_link, v["person_a_id"], v["person_b_id"], v["relationship"], v["first_seen"],
                        v["source"], today=self.ctx.today(), person_b_forename=v["person_b_forename"] or None,
                        person_b_surname=v["person_b_surname"] or None, person_b_dob=v["person_b_dob"] or None,
                        grading=v.get("grading") or None, kinds=("links", "persons") if new_person else ("links",), what="Add a link", parent=self,
                        done=lambda link_id, vv=v: self._link_added(link_id, vv), failed=self._link_failed)

    def _link_added(self, link_id: int, v: dict[str, str]) -> None:
        say(self.link_message, f"Link {link_id} recorded: {v['person_b_id']} is {v['person_a_id']}'s "
                                f"{v['relationship']} from {v['first_seen']}.", "ok")
        for column in ("person_b_id", "person_b_forename", "person_b_surname", "person_b_dob"):
            self.link_edits[column].clear()   # person A often has several links to enter
        self.b_id.setFocus()

    def _link_failed(self, e: BaseException) -> None:
        if not isinstance(e, UserError):
            say(self.link_message, "")
            show_error(self, e, "Add a link")
            return
        say(self.link_message, _sentence(e), "error")
        w = self.link_edits.get(e.column) if isinstance(e, LinkError) else None
        if w is not None:
            w.setFocus()

    def import_links(self, path: str | None = None) -> Task | None:
        """Ask for a links CSV (unless ``path`` is given) and import it with progress and cancel."""
        if self.ctx.store.read_only or (self._import is not None and not self._import.is_done):
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import links CSV", "",
                                                  "CSV files (*.csv *.txt);;All files (*)")
            if not path:
                return None
        store, today, p = self.ctx.store, self.ctx.today(), Path(path)

        def work(progress, cancelled):
            return _on_own_connection(store, links.import_links, p, today=today, progress=progress,
                                      cancelled=cancelled)

        self.import_summary = None
        self._show_import(None)
        self.import_progress.setValue(0)
        self.import_progress.show()
        self.cancel_import_button.show()
        self.import_button.setEnabled(False)
        self.import_message.setText(f"Importing {p.name}…")
        self._import = task = self.ctx.run(work)
        task.then(self._imported, self._import_failed, self._import_progressed)
        return task

    def _import_progressed(self, done: int, total: int, message: str) -> None:
        if total:
            self.import_progress.setValue(int(1000 * done / total))
        if message:
            self.import_message.setText(message)

    def _import_finished(self) -> None:
        self.import_progress.hide()
        self.cancel_import_button.hide()
        self.import_button.setEnabled(not self.ctx.store.read_only)

    def cancel_import(self) -> None:
        if self._import is not None and not self._import.is_done:
            self.import_message.setText("Cancelling…")
            self._import.cancel()

    def _imported(self, s: LinksSummary) -> None:
        self._import_finished()
        if not self.window_.locked:
            self.import_summary = s
            self._show_import(s)
        self.ctx.notify("links", "persons", "imports")

    def _import_failed(self, e: BaseException) -> None:
        self._import_finished()
        if isinstance(e, Cancelled):
            say(self.import_message, "The import was cancelled; nothing was changed.")
        elif isinstance(e, UserError):
            say(self.import_message, f"Cannot import: {e}", "error")
        else:
            say(self.import_message, "")
            show_error(self, e, "Import links")

    def _show_import(self, s: LinksSummary | None) -> None:
        has = s is not None and bool(s.rejected)
        self.reject_view.setVisible(has)
        self.save_rejects_button.setVisible(has)
        self.reject_model.clear()
        if s is None:
            return
        if has:   # as the Import page lists them: the rows kept for review
            self.ctx.read(imports.rejected_rows, s.batch_id).then(
                lambda rows, b=s.batch_id: self._show_rejects(b, rows), lambda e: show_error(self, e, "Rejected rows"))
        reasons = "".join(f"<br>{n:,} × {reason}" for reason, n in s.rejected_by_reason.most_common(5))
        say(self.import_message,
             f"<b>{s.file_name}</b> (import {s.batch_id}): {s.rows_read:,} rows read, <b>{s.new:,}</b> new, "
             f"{s.updated:,} updated, {s.unchanged:,} unchanged, <b>{s.rejected:,}</b> rejected; "
             f"{s.persons_new:,} new person(s).{reasons}"
             + ("<br>The rejected rows are kept for review on the Import page." if s.rejected else ""))

    def _show_rejects(self, batch_id: int, rows: list) -> None:
        if self.import_summary is not None and self.import_summary.batch_id == batch_id and not self.window_.locked:
            self.reject_model.set_rows(rows)

    def save_rejects(self, path: str | None = None) -> None:
        s = self.import_summary
        if s is not None and s.batch_id is not None:
            save_batch_rejects(self, self.ctx, s.batch_id, s.file_name, path, lambda n, p: self.window_.statusBar(
            ).showMessage(f"Saved {n:,} rejected row(s) to {p}", 8000))

    def _show_links(self, gen: int, rows: list[LinkRow]) -> None:
        if not self._current(LINKS, gen):
            return
        self.link_model.set_rows(rows)
        self._keep_sorted(self.link_view, self.link_model)
        self.recent_title.setText(f"<b>The {len(rows):,} link(s) entered last</b>" if rows else
                                  "No intelligence links yet.")
        self._link_selected()

    def selected_link(self) -> LinkRow | None:
        return selected_row(self.link_view)

    def _link_selected(self) -> None:
        r = self.selected_link()
        for b in (self.open_link_a_button, self.open_link_b_button):
            b.setEnabled(r is not None)
        self.remove_button.setEnabled(r is not None and not self.ctx.store.read_only)

    def _open_link(self, side: str) -> None:
        r = self.selected_link()
        if r is not None:
            self.window_.open_person(r.person_a_id if side == "a" else r.person_b_id)

    def remove_selected_link(self) -> None:
        r = self.selected_link()
        if r is None:
            return
        answer = dialogs.ask(self, "Remove a link", [
            Field("reason", "&Why", "long", required=True, placeholder="e.g. entered against the wrong person"),
        ], intro=f"Link {r.id}: {r.person_b_id} {r.person_b_name} is {r.person_a_id} {r.person_a_name}'s "
                 f"{r.relationship or r.relationship_kind}. The audit log keeps why it was removed.", ok="Remove")
        if answer is None:
            return
        self.ctx.change(links.remove_link, r.id, answer["reason"], kinds=("links",), what="Remove a link",
                        parent=self, failed=self._link_failed,
                        done=lambda _r, i=r.id: say(self.link_message, f"Link {i} removed.", "ok"))

    # ------------------------------------------------------------ shared victims and networks
    def _show_shared(self, gen: int, shared: list[SharedLine], nets: list[NetworkLine]) -> None:
        if not self._current(SHARED, gen):
            return
        self.shared_model.set_rows(shared)
        self.network_model.set_rows(nets)
        self._keep_sorted(self.shared_view, self.shared_model)
        self._keep_sorted(self.network_view, self.network_model)
        self.shared_title.setText(f"<b>{len(shared):,} victim(s) of more than one perpetrator</b>, most "
                                  f"perpetrators first" if shared else "No victim is linked to more than one "
                                                                      "perpetrator.")
        self.network_title.setText(f"<b>{len(nets):,} network(s) of perpetrators</b> joined by shared victims or "
                                   f"family, largest first" if nets else "No networks of perpetrators.")
        self._shared_selected()
        self._network_selected()

    def _shared_selected(self) -> None:
        v = selected_row(self.shared_view)
        self.open_victim_button.setEnabled(v is not None)
        self.victim_graph_button.setEnabled(v is not None)

    def _open_victim(self, graph: bool = False, row: SharedLine | None = None) -> None:
        v = row or selected_row(self.shared_view)
        if v is not None:
            (self.window_.open_graph if graph else self.window_.open_person)(v.victim.victim_id)

    def _network_selected(self) -> None:
        n = selected_row(self.network_view)
        self.member.clear()
        for pid, name in (n.perpetrators if n is not None else ()):
            self.member.addItem(f"{pid} {name}".strip(), pid)
        for w in (self.member, self.open_member_button, self.member_graph_button):
            w.setEnabled(n is not None)

    def _open_member(self, graph: bool = False) -> None:
        pid = self.member.currentData()
        if pid:
            (self.window_.open_graph if graph else self.window_.open_person)(pid)

    # ------------------------------------------------------------ Page
    def clear(self) -> None:
        self._gen = [g + 1 for g in self._gen]
        self._facts_gen += 1
        self.stop_scan()
        self._scan_finished()
        self._lookup_timer.stop()
        for model in (self.pair_model, self.fact_model, self.merge_model, self.link_model, self.reject_model,
                      self.shared_model, self.network_model):
            model.clear()
        self.member.clear()
        self.import_summary = None
        self._show_import(None)
        for w in self.link_edits.values():
            if isinstance(w, QComboBox):
                w.setCurrentText("")
            else:
                w.clear()
        self._all_pairs = []
        for label in (self.pair_summary, self.pair_why, self.dup_message, self.merge_summary, self.merge_message,
                      self.a_name, self.b_name, self.link_message, self.import_message, self.recent_title,
                      self.shared_title, self.network_title):
            say(label, "")
        self._stale_tabs = set(range(4))

    def save_state(self) -> None:
        for view in (self.pair_view, self.fact_view, self.merge_view, self.reject_view, self.link_view,
                     self.shared_view, self.network_view):
            save_header(view)
