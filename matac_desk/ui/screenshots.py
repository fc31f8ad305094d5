"""Screenshots of the main screens, for the README: ``python -m matac_desk.ui.screenshots OUTDIR``.

``--size 1366x768`` draws every screen at that window size (the common
force laptop; default 1280x800, the README's), ``--dark`` with a dark
palette, so that the README's pictures and the check that nothing is cut
come from one script.

Runs the real app offscreen on a demo store made in a temporary folder
(the demo generator's fictitious data, as ``matac-desk --demo`` shows),
imports a second, force-style extract through the import wizard (with
rows to reject and changed dates of birth, so the dashboard has something
to flag), and saves a PNG of each screen with ``QWidget.grab()``; the
Duplicates & links page comes last, as it imports a links CSV (with rows
to reject). User settings are not read or written (QSettings points at
the temporary folder).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as _dt
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["main", "SCREENS", "dark_palette"]

SCREENS = ("start", "unlock", "dashboard", "people", "person", "person-score", "person-partners", "nominations",
           "meetings",
           "actions", "graph", "workload", "outcomes", "packs", "import-mapping", "import-preview", "import-summary",
           "imports", "protection", "protection-backups", "protection-retention", "settings", "settings-scoring",
           "settings-gravity", "settings-toolkit", "settings-thresholds", "records", "records-links",
           "records-shared", "locked")
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


def _links_csv(store, path: Path) -> None:
    """A links CSV of the kind an intelligence unit sends: a new partner, a known family link, two bad rows."""
    perps = [r[0] for r in store.conn.execute(
        "SELECT perpetrator_id FROM involvements GROUP BY perpetrator_id ORDER BY count(*) DESC LIMIT 3")]
    victim = store.scalar("SELECT victim_id FROM involvements WHERE perpetrator_id = ? LIMIT 1", [perps[0]])
    today = _dt.date.today()
    rows = [
        [perps[0], "NM9900001", "girlfriend", (today - _dt.timedelta(days=6)).isoformat(), "intelligence report",
         "Chloe", "Marsh", "1998-04-17"],
        [perps[1], victim, "ex-partner", (today - _dt.timedelta(days=400)).strftime("%d/%m/%Y"), "custody record",
         "", "", ""],
        [perps[2], "NM9900002", "partner", (today + _dt.timedelta(days=3)).isoformat(), "neighbourhood team",
         "Jade", "Kirk", ""],                                                              # in the future
        ["NM9999999", perps[0], "brother", "2024-05-01", "intelligence report", "", "", ""],  # no such person
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["person_a_id", "person_b_id", "relationship", "first_seen", "source", "person_b_forename",
                    "person_b_surname", "person_b_dob"])
        w.writerows(rows)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is WIDTHxHEIGHT, e.g. 1366x768, not {text!r}") from None
    if not (640 <= w <= 7680 and 400 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"{text}: between 640x400 and 7680x4320")
    return w, h


def dark_palette():
    """A dark palette like a dark desktop's (Fusion's roles), for the screenshots and the contrast tests."""
    from PySide6.QtGui import QColor, QPalette
    p = QPalette()
    R = QPalette.ColorRole
    for role, c in ((R.Window, "#2d2d2d"), (R.WindowText, "#e8e8e8"), (R.Base, "#1e1e1e"),
                    (R.AlternateBase, "#262626"), (R.Text, "#e8e8e8"), (R.Button, "#353535"),
                    (R.ButtonText, "#e8e8e8"), (R.Highlight, "#3d6fb4"), (R.HighlightedText, "#ffffff"),
                    (R.ToolTipBase, "#2d2d2d"), (R.ToolTipText, "#e8e8e8"), (R.PlaceholderText, "#9a9a9a"),
                    (R.Link, "#8ab4f8"), (R.LinkVisited, "#c58af9"), (R.Mid, "#505050"), (R.Dark, "#202020"),
                    (R.Light, "#505050"), (R.Midlight, "#404040"), (R.Shadow, "#000000"), (R.BrightText, "#ffffff")):
        p.setColor(role, QColor(c))
    for role, c in ((R.WindowText, "#8a8a8a"), (R.Text, "#8a8a8a"), (R.ButtonText, "#8a8a8a")):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(c))
    return p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", help="folder for the PNG files")
    ap.add_argument("--incidents", type=int, default=2500, help="size of the demo store (default 2,500 incidents)")
    ap.add_argument("--size", type=_size, default=SIZE, metavar="WxH",
                    help=f"window size (default {SIZE[0]}x{SIZE[1]}; 1366x768 is the common force laptop)")
    ap.add_argument("--dark", action="store_true", help="a dark palette (as on a dark desktop)")
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

    from ..services.demo import DemoSpec, fill_store
    from ..storage.store import Store
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
        if args.dark:
            app.setPalette(dark_palette())
        store_path = folder / "northshire.mdesk"
        store = Store.create(store_path, PASSPHRASE)
        fill_store(store, DemoSpec(seed=7, incidents=args.incidents, as_of=_dt.date.today()))
        from ..meeting import force
        force.save(store, dataclasses.replace(force.load(store), name="Northshire Police (demo)",
                                              divisions=("North", "Central", "South")))

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
        window.resize(*args.size)
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
        from ..meeting.cohort import cohort_ids
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
        packs.recipient.setCurrentText("Northshire Housing (MATAC attendee)")
        packs.export(path=str(folder / "pack.pdf"))
        shot(window, "packs")

        window.show_page("imports")
        shot(window, "imports")
        protection = window.show_page("protection")
        protection.audit.verify()
        shot(window, "protection")
        protection.tabs.setCurrentWidget(protection.backups)
        protection.backups.back_up()
        protection.backups.check()
        protection.backups.view.selectRow(0)
        shot(window, "protection-backups")
        protection.tabs.setCurrentWidget(protection.retention)
        retention = protection.retention
        retention.as_of.setDate(retention.as_of.date().addYears(7))
        retention.list_due()
        retention.view.selectRow(0)
        shot(window, "protection-retention")
        from ..analysis import scoring
        first = scoring.ensure_active_config(store).version      # a short history of versions to show
        scoring.set_config_value(store, "serial_window_days", 729, reason="Cleveland matrix: two years")
        scoring.restore_config(store, first, reason="back to three years after the partnership review")
        window.ctx.notify("scores")
        settings_page = window.show_page("settings")
        shot(window, "settings")
        settings_page.show_section(settings_page.scoring)
        settings_page.scoring.select_version(first + 1)
        bar = settings_page.tabs.currentWidget().verticalScrollBar()
        bar.setValue(bar.maximum())                                 # down to the versions
        shot(window, "settings-scoring")
        gravity = settings_page.show_section(settings_page.gravity)
        row = gravity.model.find("Harassment")
        gravity.model.setData(gravity.model.index(row, gravity.model.POINTS), "3")   # shown in bold, not saved
        gravity.view.scrollTo(gravity.model.index(row, 0))
        if gravity.unmapped_model.rowCount():
            gravity.unmapped_view.selectRow(0)
        shot(window, "settings-gravity")
        gravity.discard()
        toolkit = settings_page.show_section(settings_page.toolkit)
        toolkit.select("Drive programme")
        shot(window, "settings-toolkit")
        settings_page.show_section(settings_page.thresholds)
        shot(window, "settings-thresholds")
        settings_page.show_section(settings_page.general)
        records = window.show_page("records")
        if records.pair_model.rowCount():
            records.pair_view.selectRow(0)
        shot(window, "records")
        records.tabs.setCurrentIndex(2)
        links_file = folder / "links.csv"
        _links_csv(store, links_file)
        records.import_links(str(links_file))
        records.a_id.setText(pid)
        records.look_up_persons()
        shot(window, "records-links")
        records.tabs.setCurrentIndex(3)
        if records.shared_model.rowCount():
            records.shared_view.selectRow(0)
        if records.network_model.rowCount():
            records.network_view.selectRow(0)
        shot(window, "records-shared")
        window.lock()
        shot(window, "locked")
        window.close()
        QApplication.processEvents()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
