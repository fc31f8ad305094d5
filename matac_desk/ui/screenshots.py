"""Screenshots of the main screens, for the README: ``python -m matac_desk.ui.screenshots OUTDIR``.

Runs the real app offscreen on a demo store made in a temporary folder
(the demo generator's fictitious data, as ``matac-desk --demo`` shows),
imports a second, force-style extract through the import wizard (with
rows to reject and changed dates of birth, so the dashboard has something
to flag), and saves a PNG of each screen with ``QWidget.grab()``. User
settings are not read or written (QSettings points at the temporary
folder).
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["main", "SCREENS"]

SCREENS = ("start", "unlock", "dashboard", "people", "person", "person-score", "person-partners", "nominations",
           "meetings",
           "actions", "graph", "workload", "outcomes", "packs", "import-mapping", "import-preview", "import-summary",
           "imports", "settings", "locked")
SIZE = (1280, 800)
PASSPHRASE = "screenshot passphrase"


def _force_extract(store, path: Path) -> None:
    """A force-style extract of rows already held, with a few to reject and two changed dates of birth."""
    rows = store.conn.execute(
        "SELECT v.incident_ref, i.date, v.offence, v.perpetrator_id, p.forename, p.surname, p.dob,"
        " v.victim_id, q.forename, q.surname, v.relationship, i.division"
        " FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
        " JOIN persons p ON p.id = v.perpetrator_id JOIN persons q ON q.id = v.victim_id"
        " ORDER BY i.date DESC LIMIT 60").fetchall()
    header = ["Occurrence No", "Occurrence Date", "Offence Description", "Offender Nominal ID", "Offender Forename",
              "Offender Surname", "Offender DOB", "Victim Nominal ID", "Victim Forename", "Victim Surname",
              "Relationship", "Area"]
    out = []
    for n, r in enumerate(rows):
        r = list(r)
        d = _dt.date.fromisoformat(r[1])
        r[1] = d.strftime("%d/%m/%Y")
        if r[6]:
            dob = _dt.date.fromisoformat(r[6])
            if n in (3, 17):  # a date of birth that differs from the one held
                dob = dob.replace(day=1 if dob.day != 1 else 2)
            r[6] = dob.strftime("%d/%m/%Y")
        out.append(r)
    bad = [list(x) for x in out[:5]]
    bad[0][1] = (_dt.date.today() + _dt.timedelta(days=40)).strftime("%d/%m/%Y")   # in the future
    bad[1][7] = ""                                                                  # no victim
    bad[2][1] = "31/02/2026"                                                        # no such date
    bad[3][7] = bad[3][3]                                                           # same person
    bad[4][2] = ""                                                                  # no offence
    for n, b in enumerate(bad):
        b[0] = f"{b[0]}-X{n}"
        out.insert(7 + n * 9, b)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="folder for the PNG files")
    ap.add_argument("--incidents", type=int, default=2500, help="size of the demo store (default 2,500 incidents)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler

    def quiet(kind, _context, message):  # the offscreen platform cannot resize dialogs to their hints
        if "propagateSizeHints" not in message and kind != QtMsgType.QtDebugMsg:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(quiet)
    from PySide6.QtWidgets import QApplication

    from ..demo import DemoSpec, fill_store
    from ..store import Store
    from .importwizard import ImportWizard
    from .main import application, open_window
    from .start import StartDialog
    from .tasks import ImmediateRunner
    from .unlock import UnlockDialog

    with tempfile.TemporaryDirectory(prefix="matac-shots-") as tmp:
        folder = Path(tmp)
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder / "settings"))
        app = application()
        app.setStyle("Fusion")  # the same look on every machine that makes the screenshots
        store_path = folder / "northshire.mdesk"
        store = Store.create(store_path, PASSPHRASE)
        fill_store(store, DemoSpec(seed=7, incidents=args.incidents, as_of=_dt.date.today()))
        from .. import force
        force.save(store, force.ForceSettings("Northshire Police (demo)", ("North", "Central", "South")))

        def shot(widget, name: str) -> None:
            for _ in range(3):
                app.processEvents()
            widget.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")

        from .start import remember_store
        remember_store(store_path)
        start = StartDialog()
        start.show()
        shot(start, "start")
        start.close()

        unlock = UnlockDialog(store_path, runner=ImmediateRunner())
        unlock.show()
        unlock.passphrase.setText("a wrong guess")
        unlock.try_unlock()
        shot(unlock, "unlock")
        unlock.close()

        window = open_window(store, ImmediateRunner())   # the demo year of meetings ends with one to come
        window.resize(*SIZE)
        window.show()

        extract = folder / "niche-weekly.csv"
        _force_extract(store, extract)
        wizard: ImportWizard = window.start_import(path=str(extract))
        wizard.resize(960, 700)
        wizard.next()
        wizard.mapping_page.profile_name.setText("Niche weekly export")
        shot(wizard, "import-mapping")
        wizard.mapping_page.save_profile()
        wizard.next()
        shot(wizard, "import-preview")
        wizard.next()
        for _ in range(5):
            app.processEvents()
        shot(wizard, "import-summary")
        wizard.accept()

        window.show_page("dashboard")
        shot(window, "dashboard")

        people = window.show_page("people")
        people.search.setText("smith")
        people.run_search()
        shot(window, "people")

        dash = window.pages["dashboard"]
        from ..cohort import cohort_ids
        members = cohort_ids(store)
        alerts = dash.partner_model.rows()
        managed = [a for a in alerts if a.perpetrator_id in members]   # a subject with a new partner: a full page
        pid = (managed or alerts)[0].perpetrator_id if alerts else store.scalar(
            "SELECT perpetrator_id FROM involvements GROUP BY perpetrator_id"
            " ORDER BY count(DISTINCT victim_id) DESC, count(*) DESC LIMIT 1")
        window.open_person(pid)
        shot(window, "person")
        person = people.person
        person.tabs.setCurrentWidget(person.score_tab)
        shot(window, "person-score")
        person.tabs.setCurrentWidget(person.partner_tab)
        shot(window, "person-partners")
        person.tabs.setCurrentIndex(0)
        people.show_results()

        noms = window.show_page("nominations")
        if noms.nom_model.rowCount():
            noms.nom_view.selectRow(0)
        shot(window, "nominations")
        meetings_page = window.show_page("meetings")
        if meetings_page.items.get("review"):
            meetings_page.select_item("review", meetings_page.items["review"][0].person_id)
        shot(window, "meetings")
        acts = window.show_page("actions")
        if acts.model.rowCount():
            acts.view.selectRow(0)
        shot(window, "actions")
        window.open_graph(pid)
        graph_page = window.pages["graph"]
        graph_page.radius.setCurrentIndex(1)
        graph_page.view.fit()
        shot(window, "graph")
        work = window.show_page("workload")
        work.tabs.setCurrentIndex(0)
        shot(window, "workload")
        work.tabs.setCurrentIndex(1)
        shot(window, "outcomes")
        packs = window.show_page("packs")
        packs.version.setCurrentIndex(packs.version.findData("redacted"))
        packs.recipient.setText("Northshire Housing (MATAC attendee)")
        packs.export(path=str(folder / "pack.pdf"))
        shot(window, "packs")

        window.show_page("imports")
        shot(window, "imports")
        window.show_page("settings")
        shot(window, "settings")
        window.lock()
        shot(window, "locked")
        window.close()
        QApplication.processEvents()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
