"""The person page's "Case file" tab: risk management plan, Clare's Law, orders in detail, victim support, equality.

Read off the GUI thread through :func:`matac_desk.services.subject_file.subject_file`
when the tab is shown (and again when the store changes under it); every
change goes through the services that own it (checked, audited, one
transaction; a refusal is its one line and changes nothing), asked for in a
small form (:func:`.dialogs.ask`).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..intake import equality as eq
from ..meeting import clares_law, orders, plans, support
from ..services import equality, subject_file
from . import dialogs
from .context import show_error
from .models import Column, RowRole, RowsModel
from .widgets import button, sortable_table, text_label

__all__ = ["CaseFileTab", "CASE_FILE_KINDS"]

CASE_FILE_KINDS = ("cohort", "persons", "links", "meetings", "settings")


class CaseFileTab(QWidget):
    """The tab; :meth:`show_person` reads and shows one person's case file."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: str | None = None
        self.file: subject_file.SubjectFile | None = None
        self.editable = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        lay = QVBoxLayout(body)

        self.plan_text = text_label("Risk management plan")
        self.plan_text.setTextFormat(Qt.TextFormat.RichText)
        self.plan_buttons = [button("Set a &pillar…", self.set_pillar, tip="Supervision, monitoring and control, "
                                    "interventions and treatment, victim safety planning, with the owner agency"),
                             button("Risk of &harm…", self.set_rosh, tip="Who is at risk, from what, how soon"),
                             button("Re&view…", self.review, tip="Record today's review and set the next"),
                             button("Earlier &versions…", self.restore_version,
                                    tip="Every version of the plan; write an earlier one again")]
        lay.addWidget(self._box("Risk management plan", self.plan_text, self.plan_buttons))

        self.app_model = RowsModel([
            Column("No.", lambda a: a["id"], numeric=True), Column("Route", lambda a: a["route"]),
            Column("At risk", lambda a: a["at_risk_name"]), Column("Received", lambda a: a["received_on"]),
            Column("Deadline", lambda a: a["deadline"]), Column("State", lambda a: a["state"]),
            Column("Last step", lambda a: a["last_step"],
                   tooltip=lambda a: "\n".join(f"{s['date']} {s['step']} ({s['by']})" for s in a["steps"])),
            Column("Outcome", lambda a: a["outcome"] or ""),
        ], accent=lambda a: "error" if a["state"] == "overdue" else "warning" if a["state"] == "due this week" else None)
        self.app_view = sortable_table("person_clares_law", "Clare's Law applications", self.app_model)
        self.app_buttons = [button("&New application…", self.new_application),
                            button("Add a &step…", self.add_step), button("C&lose…", self.close_application),
                            button("Reopen…", self.reopen_application, tip="Undo a closing made in error")]
        lay.addWidget(self._box("Clare's Law (DVDS) applications", self.app_view, self.app_buttons))

        self.order_model = RowsModel([
            Column("No.", lambda o: o["id"], numeric=True), Column("Order", lambda o: o["type"]),
            Column("Status", lambda o: o["status"]), Column("Ends", lambda o: o["end"] or "open-ended"),
            Column("Tag ends", lambda o: o["em_end"] or ""),
            Column("Requirements", lambda o: "; ".join(f"{r['kind']} {r['type']}" for r in o["requirement_list"]),
                   tooltip=lambda o: "\n".join(f"{r['kind']} {r['type']}: {r['text']}" for r in o["requirement_list"])),
            Column("Breaches", lambda o: len(o["breach_list"]), numeric=True,
                   tooltip=lambda o: "\n".join(f"{b['date']}: {b['note']}" for b in o["breach_list"])),
        ], accent=lambda o: "error" if o["breach_list"] else None)
        self.order_view = sortable_table("person_order_detail", "Orders in detail", self.order_model)
        self.order_buttons = [button("Add a re&quirement…", self.add_requirement),
                              button("Record a &breach…", self.add_breach),
                              button("Remove a breach…", self.remove_breach, tip="A breach recorded in error")]
        lay.addWidget(self._box("Orders: requirements, electronic monitoring, breaches", self.order_view,
                                self.order_buttons))

        self.support_model = RowsModel([
            Column("Victim or partner", lambda v: v["victim_name"], tooltip=lambda v: v["victim_id"]),
            Column("Service", lambda v: v["service"]), Column("Status", lambda v: v["status"]),
            Column("Since", lambda v: v["date"] or ""),
        ], accent=lambda v: "warning" if v["status"] in ("none recorded", "unreachable") else None)
        self.support_view = sortable_table("person_victim_support", "Victim support", self.support_model)
        self.support_buttons = [button("Set &support…", self.set_support)]
        lay.addWidget(self._box("Victim support", self.support_view, self.support_buttons))

        self.equality_text = text_label("Equality monitoring")
        self.equality_buttons = [button("&Equality…", self.set_equality,
                                        tip="Sex, ethnicity (ONS 2021) and disability")]
        lay.addWidget(self._box("Equality monitoring", self.equality_text, self.equality_buttons))
        self.buttons = self.plan_buttons + self.app_buttons + self.order_buttons + self.support_buttons \
            + self.equality_buttons
        self._enable()

    @staticmethod
    def _box(title: str, widget: QWidget, buttons) -> QGroupBox:
        box = QGroupBox(title)
        box.setAccessibleName(title)
        v = QVBoxLayout(box)
        v.addWidget(widget, 1)
        row = QHBoxLayout()
        for b in buttons:
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        if isinstance(widget, QLabel):   # a wrapped label's height-for-width is not asked inside a scroll area
            widget.setMinimumHeight(20 if "Equality" in title else 150)
            widget.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        else:
            widget.setMinimumHeight(110)
        return box

    # ------------------------------------------------------------ showing
    def show_person(self, person_id: str, *, editable: bool) -> None:
        self.person_id = person_id
        self.editable = editable
        self.reload()

    def reload(self) -> None:
        if self.person_id is None:
            return
        pid = self.person_id
        self.ctx.read(subject_file.subject_file, pid, self.ctx.today()).then(
            lambda f: self._show(pid, f), lambda e: show_error(self, e, "Case file"))

    def _show(self, pid: str, f: subject_file.SubjectFile) -> None:
        if pid != self.person_id:
            return
        self.file = f
        p = f.plan
        if p is None:
            self.plan_text.setText("No risk management plan yet: set a pillar to begin one.")
        else:
            state = {"overdue": "<b style='color:#a3141b'>review overdue</b>", "due": "<b>review due</b>",
                     "no review date": "no review date set"}.get(f.plan_state, "")
            lines = [f"Version {p.version}, {escape(p.changed_at[:10])} · reviewed {escape(p['reviewed_on'] or '—')}, "
                     f"next review {escape(p['next_review'] or '—')} {state}"]
            for k in plans.PILLARS:
                owner = f" <i>({escape(p[k + '_owner'])})</i>" if p[k + "_owner"] else ""
                lines.append(f"<b>{plans.PILLAR_LABELS[k]}</b>{owner}: {escape(p[k] or '—')}")
            lines.append("<b>Risk of serious harm</b>: " + " · ".join(
                f"{plans.ROSH_LABELS[k]}: {escape(p[k] or '—')}" for k in plans.ROSH_FIELDS))
            self.plan_text.setText("<br>".join(lines))
        self.app_model.set_rows(f.applications)
        self.order_model.set_rows(f.orders)
        self.support_model.set_rows(f.victim_support)
        e = f.equality
        self.equality_text.setText(f"Sex: {e['sex_label']} · ethnicity: {e['ethnicity_label']} · disability: "
                                   f"{e['disability_label']} · age band: {e['age_band']}")
        self._enable()

    def clear(self) -> None:
        self.person_id = None
        self.file = None
        self.editable = False
        for m in (self.app_model, self.order_model, self.support_model):
            m.clear()
        self.plan_text.setText("")
        self.equality_text.setText("")
        self._enable()

    def _enable(self) -> None:
        on = self.editable and self.file is not None
        for b in self.buttons:
            b.setEnabled(on)
        if on:
            self.plan_buttons[2].setEnabled(self.file.plan is not None)
            self.plan_buttons[3].setEnabled(self.file.plan is not None and self.file.plan.version > 1)
            self.app_buttons[3].setEnabled(self.app_model.rowCount() > 0)
            self.app_buttons[1].setEnabled(self.app_model.rowCount() > 0)
            self.app_buttons[2].setEnabled(self.app_model.rowCount() > 0)
            for b in self.order_buttons:
                b.setEnabled(self.order_model.rowCount() > 0)
            self.support_buttons[0].setEnabled(self.support_model.rowCount() > 0)

    def _selected(self, view, model):
        rows = view.selectionModel().selectedRows()
        if rows:
            return model.data(rows[0], RowRole)
        return model.row(0) if model.rowCount() == 1 else None

    def _write(self, fn, *args, what: str, **kw) -> None:
        self.ctx.change(fn, *args, kinds=("cohort",), what=what, parent=self, done=lambda _r: self.reload(), **kw)

    # ------------------------------------------------------------ actions
    def set_pillar(self) -> None:
        p = self.file.plan if self.file else None
        got = dialogs.ask(self, "Set a pillar of the plan", [
            dialogs.Field("pillar", "&Pillar", kind="choice", choices=list(plans.PILLAR_LABELS.values())),
            dialogs.Field("text", "&Plan", kind="long", required=True),
            dialogs.Field("owner", "&Owner agency", required=True, placeholder="Police, Probation, IDVA service…"),
        ], ok="Save")
        if got:
            key = next(k for k, v in plans.PILLAR_LABELS.items() if v == got["pillar"])
            self._write(plans.set_pillar, self.person_id, key, got["text"], got["owner"], what="Set a pillar")
        del p

    def set_rosh(self) -> None:
        p = self.file.plan if self.file else None
        got = dialogs.ask(self, "Risk of serious harm", [
            dialogs.Field(k, "&" + plans.ROSH_LABELS[k].capitalize(), kind="long", default=(p[k] if p else "") or "")
            for k in plans.ROSH_FIELDS], ok="Save")
        if got:
            self._write(plans.set_rosh, self.person_id, who=got["rosh_who"] or None,
                        nature=got["rosh_nature"] or None, imminence=got["rosh_imminence"] or None,
                        what="Risk of serious harm")

    def review(self) -> None:
        got = dialogs.ask(self, "Review the plan", [
            dialogs.Field("next", "&Next review", kind="date", default=self.ctx.today())], ok="Record the review")
        if got:
            self._write(plans.review, self.person_id, got["next"], what="Review the plan")

    def restore_version(self) -> None:
        pid = self.person_id

        def choose(versions) -> None:
            labels = [f"{h.version}: {h.changed_at[:10]} {h.change} ({h.changed_by})" for h in reversed(versions)]
            got = dialogs.ask(self, "Earlier versions of the plan", [
                dialogs.Field("version", "&Version", kind="choice", choices=labels[1:] or labels),
                dialogs.Field("reason", "&Why", required=True, placeholder="why the later versions were wrong")],
                intro="The version chosen is written again as a new version; nothing earlier is lost.",
                ok="Restore")
            if got:
                self._write(plans.restore, pid, int(got["version"].split(":", 1)[0]), reason=got["reason"],
                            what="Restore a version")
        self.ctx.read(plans.history, pid).then(choose, lambda e: show_error(self, e, "Plan versions"))

    def reopen_application(self) -> None:
        a = self._selected(self.app_view, self.app_model)
        if a is None:
            return
        got = dialogs.ask(self, f"Application {a['id']}: reopen", [
            dialogs.Field("reason", "&Why", required=True, placeholder="why it was closed in error")],
            intro="Its outcome, its decision step and the disclosure record it made are taken back.", ok="Reopen")
        if got:
            self._write(clares_law.reopen, a["id"], reason=got["reason"], what="Reopen the application")

    def remove_breach(self) -> None:
        o = self._selected(self.order_view, self.order_model)
        if o is None or not o["breach_list"]:
            return
        labels = [f"{b['id']}: {b['date']} {b['note'][:60]}" for b in o["breach_list"]]
        got = dialogs.ask(self, f"{o['type']} {o['id']}: remove a breach", [
            dialogs.Field("breach", "&Breach", kind="choice", choices=labels),
            dialogs.Field("reason", "&Why", required=True)], ok="Remove")
        if got:
            self._write(orders.remove_breach, int(got["breach"].split(":", 1)[0]), reason=got["reason"],
                        what="Remove a breach")

    def new_application(self, prefill: dict | None = None) -> None:
        prefill = prefill or {}
        victims = [f"{v['victim_name']} ({v['victim_id']})" for v in (self.file.victim_support if self.file else [])]
        got = dialogs.ask(self, "New Clare's Law application", [
            dialogs.Field("route", "&Route", kind="choice", choices=clares_law.ROUTES,
                          default=prefill.get("route", "right to ask")),
            dialogs.Field("relation", "&Applicant's relation", required=True,
                          default=prefill.get("applicant_relation", ""), placeholder="partner, partner's mother, police…"),
            dialogs.Field("at_risk", "At &risk", kind="choice", editable=True,
                          choices=[""] + victims + ([prefill["at_risk"]] if prefill.get("at_risk") and
                                                    prefill["at_risk"] not in victims else []),
                          default=prefill.get("at_risk", ""), placeholder="a victim or partner, or an id"),
            dialogs.Field("received", "Re&ceived", kind="date", default=self.ctx.today()),
            dialogs.Field("by", "Received &by", required=True),
        ], ok="Open")
        if got:
            text = (got["at_risk"] or "").strip()
            pid = text[text.rfind("(") + 1:-1] if text.endswith(")") else (text or None)
            self._write(clares_law.new_application, self.person_id, got["route"], got["relation"], got["received"],
                        got["by"], at_risk_id=pid, what="New Clare's Law application")

    def add_step(self) -> None:
        a = self._selected(self.app_view, self.app_model)
        if a is None:
            return
        got = dialogs.ask(self, f"Application {a['id']}: add a step", [
            dialogs.Field("step", "&Step", kind="choice", choices=clares_law.STEPS[1:]),
            dialogs.Field("date", "&Date", kind="date", default=self.ctx.today()),
            dialogs.Field("by", "&By", required=True), dialogs.Field("note", "&Note", kind="long")], ok="Add")
        if got:
            self._write(clares_law.add_step, a["id"], got["step"], got["date"], got["by"], note=got["note"] or None,
                        what="Add a step")

    def close_application(self) -> None:
        a = self._selected(self.app_view, self.app_model)
        if a is None:
            return
        got = dialogs.ask(self, f"Application {a['id']}: close", [
            dialogs.Field("outcome", "&Outcome", kind="choice", choices=clares_law.OUTCOMES),
            dialogs.Field("date", "&Date", kind="date", default=self.ctx.today()),
            dialogs.Field("by", "&By", required=True)], ok="Close")
        if got:
            self._write(clares_law.close, a["id"], got["outcome"], got["date"], got["by"], what="Close the application")

    def add_requirement(self) -> None:
        o = self._selected(self.order_view, self.order_model)
        if o is None:
            return
        types = [f"{k}: {t}" for k, ts in orders.REQUIREMENT_TYPES.items() for t in ts]
        got = dialogs.ask(self, f"{o['type']} {o['id']}: add a requirement", [
            dialogs.Field("type", "&Type", kind="choice", choices=types),
            dialogs.Field("text", "&Wording", kind="long", required=True),
            dialogs.Field("until", "&Until", kind="optional date")], ok="Add")
        if got:
            kind, type_ = got["type"].split(": ", 1)
            self._write(orders.add_requirement, o["id"], kind, type_, got["text"], until=got["until"],
                        what="Add a requirement")

    def add_breach(self) -> None:
        o = self._selected(self.order_view, self.order_model)
        if o is None:
            return
        got = dialogs.ask(self, f"{o['type']} {o['id']}: record a breach", [
            dialogs.Field("date", "&Date", kind="date", default=self.ctx.today()),
            dialogs.Field("note", "&What happened", kind="long", required=True)], ok="Record")
        if got:
            self._write(orders.add_breach, o["id"], got["date"], got["note"], what="Record a breach")

    def set_support(self) -> None:
        v = self._selected(self.support_view, self.support_model)
        if v is None:
            return
        got = dialogs.ask(self, f"Support for {v['victim_name']}", [
            dialogs.Field("service", "&Service", kind="choice", editable=True, choices=support.SERVICES,
                          default=v["service"] or "IDVA"),
            dialogs.Field("status", "S&tatus", kind="choice", choices=support.STATUSES),
            dialogs.Field("date", "&Date", kind="date", default=self.ctx.today()),
            dialogs.Field("note", "&Note", kind="long")], ok="Save")
        if got:
            self._write(support.set_status, v["victim_id"], got["service"], got["status"], got["date"],
                        note=got["note"] or None, what="Victim support")

    def set_equality(self) -> None:
        e = self.file.equality if self.file else {}
        opts = {f: ["Not recorded"] + [f"{c} {w}" for c, w in eq.FIELDS[f].items()] for f in eq.FIELDS}

        def current(f):
            return f"{e[f]} {eq.FIELDS[f][e[f]]}" if e.get(f) else "Not recorded"
        got = dialogs.ask(self, "Equality monitoring", [
            dialogs.Field(f, "&" + f.capitalize(), kind="choice", choices=opts[f], default=current(f))
            for f in eq.FIELDS], ok="Save")
        if got:
            values = {f: ("" if v == "Not recorded" else v.split(" ", 1)[0]) for f, v in got.items()}
            self._write(equality.set_fields, self.person_id, what="Equality monitoring", **values)


def reminder_rows(r) -> list[dict]:
    """The reminders (:func:`matac_desk.meeting.reminders.reminders`) as one list for a table, most urgent first."""
    out = []
    for p in r.plan_reviews:
        out.append({"kind": "Plan review", "person_id": p["person_id"], "subject": p["name"],
                    "what": p["state"], "when": p["next_review"] or "", "urgent": p["state"] == "overdue"})
    for a in r.clares_law:
        out.append({"kind": "Clare's Law", "person_id": a["subject_id"], "subject": a["subject_name"],
                    "what": f"{a['route']}: {a['state']} (last step {a['last_step']})", "when": a["deadline"],
                    "urgent": a["state"] == "overdue"})
    for b in r.breaches:
        out.append({"kind": "Breach", "person_id": b["person_id"], "subject": b["name"],
                    "what": f"{b['type']} ({b['order_id']})", "when": b["date"], "urgent": True})
    for o in r.expiring_orders:
        out.append({"kind": "Order ending", "person_id": o["person_id"], "subject": o["name"],
                    "what": f"{o['type']} ({o['id']}): {o['what']}", "when": o["ends"], "urgent": False})
    for v in r.victims_without_support:
        out.append({"kind": "Victim support", "person_id": v["subject_id"], "subject": v["subject_name"],
                    "what": f"{v['victim_name']}: {v['status']}", "when": v["date"] or "", "urgent": False})
    out.sort(key=lambda x: not x["urgent"])     # overdue reviews and applications, and breaches, first
    return out


class CaseFilePanel(QGroupBox):
    """The Dashboard's Case file panel: plan reviews, Clare's Law deadlines, breaches, orders ending, victim support."""

    def __init__(self, ctx, window, parent: QWidget | None = None):
        super().__init__("Case file", parent)
        self.setObjectName("panel_case_file")
        self.setAccessibleName("Case file")
        self.ctx = ctx
        self.window_ = window
        self._gen = 0
        lay = QVBoxLayout(self)
        self.summary = text_label("Case file summary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.summary)
        from .models import IdRole
        self._id_role = IdRole
        self.model = RowsModel([Column("Kind", lambda x: x["kind"]), Column("Subject", lambda x: x["subject"]),
                                Column("What", lambda x: x["what"]), Column("When", lambda x: x["when"])],
                               person_id=lambda x: x["person_id"], accent=lambda x: "error" if x["urgent"] else None)
        self.view = sortable_table("dashboard_case_file", "Case file reminders", self.model)
        self.view.setToolTip("Double-click a line to open the subject")
        self.view.doubleClicked.connect(self._open)
        self.view.activated.connect(self._open)
        self.view.setMinimumHeight(150)
        lay.addWidget(self.view, 1)

    def reload(self) -> None:
        from ..meeting import reminders
        self._gen += 1
        gen = self._gen
        self.ctx.read(reminders.reminders, self.ctx.today()).then(lambda r, g=gen: self._show(g, r),
                                                                  lambda e: show_error(self, e, "Dashboard"))

    def _show(self, gen: int, r) -> None:
        if gen != self._gen or getattr(self.window_, "locked", False):
            return
        rows = reminder_rows(r)
        n_overdue = sum(1 for p in r.plan_reviews if p["state"] == "overdue")
        n_cl = sum(1 for a in r.clares_law if a["state"] == "overdue")
        self.summary.setText(
            f"<b>{n_overdue}</b> plan review(s) overdue, <b>{len(r.plan_reviews) - n_overdue}</b> due or missing · "
            f"Clare's Law: <b>{n_cl}</b> overdue, <b>{len(r.clares_law) - n_cl}</b> due this week · "
            f"<b>{len(r.breaches)}</b> breach(es) since {escape(r.since or 'the start')} · "
            f"<b>{len(r.expiring_orders)}</b> order(s) or tag(s) ending within 28 days · "
            f"<b>{len(r.victims_without_support)}</b> victim(s) without support" if rows else
            "Nothing in the case file needs attention.")
        self.model.set_rows(rows)

    def clear(self) -> None:
        self._gen += 1
        self.summary.setText("")
        self.model.clear()

    def _open(self, index) -> None:
        pid = self.model.data(index, self._id_role)
        if pid:
            self.window_.open_person(pid)


def start_right_to_know(window, alert) -> None:
    """From a new partner alert: open the perpetrator's Case file and a right-to-know application for her, pre-filled."""
    if alert is None:
        return
    window.open_person(alert.perpetrator_id)
    person = window.pages["people"].person
    tab = person.case_file_tab
    person.tabs.setCurrentWidget(tab)
    if tab.person_id != alert.perpetrator_id:      # the person could not be opened: its error was shown
        return
    tab.new_application({"route": "right to know", "applicant_relation": "police (new partner alert)",
                         "at_risk": f"{alert.partner_name} ({alert.partner_id})"})


def right_to_know_button(window, view, model):
    """The button under a table of new partner alerts that starts a right-to-know application for the one selected."""
    def go():
        rows = view.selectionModel().selectedRows()
        alert = model.row(rows[0].row()) if rows else (model.row(0) if model.rowCount() == 1 else None)
        start_right_to_know(window, alert)
    return button("Start a right-to-&know application…", go,
                  tip="Open the perpetrator's case file with a Clare's Law right-to-know application for the "
                      "selected new partner, filled in")
