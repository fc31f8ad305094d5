"""The subject's details, edited in place: offender manager, division, MAPPA, MARAC, IOM, risk level and factors.

Each field saves when it is changed (a choice picked, a box ticked, a
division typed and Enter or Tab pressed): one :class:`~matac_desk.services.edits.SubjectEdit`
through the edit history, so Edit > Undo names it ("Undo change MAPPA
level"). A refused change (an overloaded offender manager, a read-only
store) puts the field back and says why; for an overloaded offender
manager the coordinator may confirm the allocation anyway. Only the
signals a user's action sends (``activated``, ``clicked``) save, so the
page can show what the store holds without writing it back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QWidget

from ..domain import Overloaded
from ..services.edits import SubjectEdit
from . import dialogs

__all__ = ["SubjectForm"]

_MAPPA_CATEGORIES = [("none", None), ("1: registered sex offender", 1), ("2: violent or other sexual offender", 2),
                     ("3: other dangerous offender", 3), ("4: terrorism-related", 4)]
_MAPPA_LEVELS = [("none", None), ("1: single agency", 1), ("2: multi-agency meeting", 2), ("3: senior panel", 3)]
_RISK_LEVELS = [("not assessed", None), ("standard", "standard"), ("medium", "medium"), ("high", "high")]
_FLAGS = (("marac", "Referred to &MARAC"), ("iom", "Managed under I&OM"))
_RISKS = (("risk_weapons", "&Weapons"), ("risk_substance_misuse", "Substance &misuse"),
          ("risk_mental_health", "Mental &health"))


def _combo(accessible: str, items: list[tuple[str, Any]]) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(accessible)
    for text, value in items:
        box.addItem(text, value)
    return box


class SubjectForm(QWidget):
    """The editable details of one subject; ``show_subject`` fills it, ``clear`` empties it."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: str | None = None
        self.values: dict[str, Any] = {}      # what the store holds, as the form last showed it
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("About editing")
        form.addRow(self.note)
        self.om = _combo("Offender manager", [])
        self.om.setMinimumContentsLength(22)
        self.om.activated.connect(lambda _i: self._changed("om_id", self.om.currentData()))
        form.addRow("Offender manager:", self.om)
        self.division = QComboBox()
        self.division.setEditable(True)
        self.division.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.division.setAccessibleName("Division")
        self.division.lineEdit().setPlaceholderText("the division that manages him")
        self.division.activated.connect(lambda _i: self._division_entered())
        self.division.lineEdit().editingFinished.connect(self._division_entered)
        form.addRow("Division:", self.division)
        self.mappa_category = _combo("MAPPA category", _MAPPA_CATEGORIES)
        self.mappa_level = _combo("MAPPA level", _MAPPA_LEVELS)
        for key, box in (("mappa_category", self.mappa_category), ("mappa_level", self.mappa_level)):
            box.activated.connect(lambda _i, k=key, b=box: self._changed(k, b.currentData()))
        form.addRow("MAPPA category:", self.mappa_category)
        form.addRow("MAPPA level:", self.mappa_level)
        self.checks: dict[str, QCheckBox] = {}
        flags = QHBoxLayout()
        for key, label in _FLAGS:
            flags.addWidget(self._check(key, label))
        flags.addStretch(1)
        form.addRow("Status:", flags)
        self.risk_level = _combo("Risk level", _RISK_LEVELS)
        self.risk_level.activated.connect(lambda _i: self._changed("risk_level", self.risk_level.currentData()))
        form.addRow("Risk level:", self.risk_level)
        risks = QHBoxLayout()
        for key, label in _RISKS:
            risks.addWidget(self._check(key, label))
        risks.addStretch(1)
        form.addRow("Risk factors:", risks)
        self.updated = QLabel()
        self.updated.setAccessibleName("Last changed")
        self.updated.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self.updated)
        self.edit_widgets: list[QWidget] = [self.om, self.division, self.mappa_category, self.mappa_level,
                                            self.risk_level, *self.checks.values()]
        self.clear()

    def _check(self, key: str, label: str) -> QCheckBox:
        box = QCheckBox(label)
        box.setAccessibleName(label.replace("&", ""))
        box.clicked.connect(lambda checked, k=key: self._changed(k, bool(checked)))
        self.checks[key] = box
        return box

    # ------------------------------------------------------------ showing
    def show_subject(self, person_id: str, details: dict, offender_managers: list[dict], divisions: list[str], *,
                     editable: bool, note: str = "") -> None:
        """Show what the store holds. ``editable`` False (a merged record, a read-only store) shows it only."""
        self.person_id = person_id
        self.values = {k: details.get(k) for k in ("om_id", "division", "mappa_category", "mappa_level", "marac",
                                                   "iom", "risk_level", *self.checks)}
        self.om.clear()
        self.om.addItem("not allocated", None)
        for om in offender_managers:
            if om["active"] or om["id"] == details.get("om_id"):
                self.om.addItem(f"{om['name']} ({om['division'] or 'no division'})"
                                + ("" if om["active"] else ", no longer active"), om["id"])
        self.division.clear()
        known = list(dict.fromkeys([d for d in divisions if d] + ([details["division"]] if details.get("division")
                                                                 else [])))
        self.division.addItems(known)
        self._show_values()
        when = (details.get("updated_at") or "")[:16].replace("T", " ")
        self.updated.setText(f"Last changed {when} (UTC)" if when else "No subject details recorded yet.")
        for w in self.edit_widgets:
            w.setEnabled(editable)
        self.note.setText(note or "Changes are saved as you make them and recorded in the audit log; "
                                  "Ctrl+Z undoes the last one.")

    def _show_values(self) -> None:
        v = self.values
        for box, key in ((self.om, "om_id"), (self.mappa_category, "mappa_category"),
                         (self.mappa_level, "mappa_level"), (self.risk_level, "risk_level")):
            i = box.findData(v.get(key))
            box.setCurrentIndex(i if i >= 0 else 0)
        self.division.setEditText(v.get("division") or "")
        for key, box in self.checks.items():
            box.setChecked(bool(v.get(key)))

    def clear(self) -> None:
        self.person_id = None
        self.values = {}
        self.om.clear()
        self.division.clear()
        for box in (self.mappa_category, self.mappa_level, self.risk_level):
            box.setCurrentIndex(0)
        for box in self.checks.values():
            box.setChecked(False)
        self.updated.setText("")
        for w in self.edit_widgets:
            w.setEnabled(False)

    # ------------------------------------------------------------ saving
    def _division_entered(self) -> None:
        self._changed("division", " ".join(self.division.currentText().split()) or None)

    def _changed(self, key: str, value: Any, *, allow_overloaded: bool = False) -> None:
        if self.person_id is None or self.values.get(key) == value:
            return
        before = self.values.get(key)
        self.values[key] = value
        pid = self.person_id
        edit = SubjectEdit(pid, allow_overloaded=allow_overloaded, as_of=self.ctx.today(), **{key: value})

        def refused(e: BaseException) -> bool:
            if self.person_id == pid:
                self.values[key] = before
                self._show_values()
            if key == "om_id" and isinstance(e, Overloaded) and not allow_overloaded:
                if dialogs.confirm(self, "Allocate an overloaded offender manager?",
                                   f"{e}.\n\nThe standard: no new subjects for an overloaded officer. "
                                   "Allocate anyway?", yes="Allocate anyway"):
                    self._changed(key, value, allow_overloaded=True)
                return True
            return False

        self.ctx.history.submit(edit, parent=self, failed=refused)
