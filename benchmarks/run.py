"""MATAC Desk benchmarks: each figure printed beside the baseline it is measured against, in the same run.

    python benchmarks/run.py                 # all benchmarks at full size
    python benchmarks/run.py import --rows 200000
    python benchmarks/run.py --list

Each benchmark runs its measured part in a fresh subprocess, so peak memory
(``ru_maxrss``) is that part's own. Data is generated with the demo
generator (fictitious) into a temporary folder and deleted afterwards.
Timings are wall-clock seconds on whatever machine runs this; compare the
ratio to the baseline, not the absolute numbers, across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PASS = "benchmark passphrase"
BENCHMARKS: dict[str, "callable"] = {}


def benchmark(name):
    def deco(fn):
        BENCHMARKS[name] = fn
        return fn
    return deco


def _child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line; peak memory is added."""
    wrapper = (
        "import json, resource, sys, time\n"
        f"sys.path.insert(0, {str(HERE.parent)!r})\n"
        + code +
        "\nres = main(*sys.argv[1:])\n"
        "res['peak_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(res))\n"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"benchmark child {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(label: str, value: str, baseline: str, verdict: str = "") -> None:
    print(f"  {label:<44} {value:>16}   {baseline:<34} {verdict}")


def _extract(folder: Path, rows: int) -> Path:
    from matac_desk.services.demo import DemoSpec, write_csv
    import datetime as dt
    csv_path = folder / f"extract-{rows}.csv"
    if not csv_path.exists():
        t = time.perf_counter()
        n = write_csv(csv_path, DemoSpec(seed=11, incidents=rows, as_of=dt.date(2026, 11, 1)), max_rows=rows)
        print(f"  (generated {n:,}-row extract, {csv_path.stat().st_size / 2**20:.0f} MiB,"
              f" in {time.perf_counter() - t:.1f} s)")
    return csv_path


_IMPORT_CHILD = """
def main(csv_path, store_path):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.intake.importer import import_extract
    st = Store.create(store_path, %r)
    t = time.perf_counter()
    s = import_extract(st, csv_path, today=dt.date(2026, 11, 1), backup=False)
    el = time.perf_counter() - t
    st.close()
    return {"seconds": el, "rows": s.rows_read, "new": s.new, "rejected": s.rejected, "lines": s.lines_read,
            "reconciled": s.reconciled, "encoding": s.encoding}
""" % PASS

_RAW_CHILD = """
def main(csv_path, store_path):
    import datetime as dt, csv
    from matac_desk.storage.store import Store
    from matac_desk.intake.importer import iter_checked_rows, resolve_columns, IMPORT_CACHE_KIB
    from matac_desk.storage.schema import migrations
    rows = []
    with open(csv_path, encoding="utf-8", newline="") as fh:
        headers = next(csv.reader(fh))
        cols = resolve_columns(headers, None, "x")
        for _, g, _r in iter_checked_rows(fh, headers, cols, today=dt.date(2026, 11, 1)):
            if g:
                rows.append((g[0], g[6], g[10], g[3], g[4], g[5], g[14], g[15], g[18], 1, 1))
    st = Store.create(store_path, %r)
    st.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    ddl = st.scalar("SELECT sql FROM sqlite_master WHERE name = 'involvements'")
    ddl = ddl.replace("REFERENCES incidents(ref)", "").replace("REFERENCES persons(id)", "").replace(
        "REFERENCES import_batches(id)", "")
    st.conn.execute(ddl.replace("CREATE TABLE involvements", "CREATE TABLE raw_involvements", 1))
    for idx in ("perpetrator_id", "victim_id"):
        st.conn.execute(f"CREATE INDEX raw_{idx} ON raw_involvements({idx})")
    t = time.perf_counter()
    st.conn.execute("BEGIN")
    st.conn.executemany("INSERT INTO raw_involvements (incident_ref, perpetrator_id, victim_id, offence,"
                        " offence_key, offence_code, relationship, relationship_kind, dash_risk, first_batch_id,"
                        " last_batch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    st.conn.execute("COMMIT")
    el = time.perf_counter() - t
    st.close()
    return {"seconds": el, "rows": len(rows)}
""" % PASS


@benchmark("import")
def bench_import(folder: Path, rows: int) -> bool:
    """Import of an N-row extract, all validation on, vs a raw executemany of the parsed rows."""
    print(f"import: {rows:,}-row extract into an empty encrypted store")
    csv_path = _extract(folder, rows)
    # Ours and the raw baseline alternate, three times each, each run in a fresh process into a new store,
    # and the best of each counts (as in the scoring and graph benchmarks): a busy machine disturbs both alike.
    runs: dict[str, list[dict]] = {"ours": [], "raw": []}
    for _ in range(3):
        for name, code in (("ours", _IMPORT_CHILD), ("raw", _RAW_CHILD)):
            target = folder / f"{name}.mdesk"
            for f in folder.glob(f"{name}.mdesk*"):
                if f.is_file():
                    f.unlink()
            runs[name].append(_child(code, str(csv_path), str(target)))
    ours = min(runs["ours"], key=lambda r: r["seconds"])
    raw = min(runs["raw"], key=lambda r: r["seconds"])
    rate = ours["rows"] / ours["seconds"]
    raw_rate = raw["rows"] / raw["seconds"]
    share = rate / raw_rate
    ok_rate = share >= 0.35
    ok_mem = max(r["peak_mib"] for r in runs["ours"]) < 1024
    _row("import rows/s (validate, upsert, persons)", f"{rate:,.0f}",
         f"raw executemany {raw_rate:,.0f}/s", f"{share:.1%} of raw (target >= 35%) "
         + ("OK" if ok_rate else "BELOW TARGET"))
    _row("import seconds", f"{ours['seconds']:.1f}", f"raw {raw['seconds']:.1f}")
    # the integrity checks are on: every physical line accounted for, the encoding decided from every byte
    ok_lines = all(r["reconciled"] and r["lines"] == r["rows"] + 1 for r in runs["ours"])
    _row("import lines read (header + rows)", f"{ours['lines']:,}", f"{ours['encoding']}, reconciled",
         "OK" if ok_lines else "NOT RECONCILED")
    _row("import peak memory MiB", f"{max(r['peak_mib'] for r in runs['ours']):,.0f}", "target < 1024",
         "OK" if ok_mem else "OVER")
    print("  all runs (s): import " + ", ".join(f"{r['seconds']:.1f}" for r in runs["ours"])
          + "; raw " + ", ".join(f"{r['seconds']:.1f}" for r in runs["raw"]))
    return ok_rate and ok_mem and ok_lines


_GRAPH_SETUP = """
def main(store_path, incidents, perpetrators):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.services.demo import DemoSpec, fill_store
    st = Store.create(store_path, %r)
    t = time.perf_counter()
    fill_store(st, DemoSpec(seed=11, incidents=int(incidents), perpetrators=int(perpetrators),
                            as_of=dt.date(2026, 11, 1)))
    el = time.perf_counter() - t
    info = st.info()["counts"]
    st.close()
    return {"seconds": el, "persons": info["persons"], "incidents": info["incidents"],
            "involvements": info["involvements"], "links": info["links"]}
""" % PASS

_GRAPH_CHILD = """
def main(store_path):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.analysis.graph import build_graph, new_partners
    st = Store.open(store_path, %r)
    t = time.perf_counter()
    G = build_graph(st)
    built = time.perf_counter() - t
    t = time.perf_counter()
    found = new_partners(st, dt.date(2026, 10, 4), dt.date(2026, 11, 1), "all", graph=G)
    partners = time.perf_counter() - t
    st.close()
    return {"build": built, "partners": partners, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
            "new_partners": len(found)}
""" % PASS

_GRAPH_BASELINE = """
def main(store_path, which):
    import networkx as nx
    from matac_desk.storage.store import Store
    from matac_desk.analysis.graph import _Edges, _edge_rows, KINDS
    st = Store.open(store_path, %r)
    if which == "store":
        # the store's own edge list: one edge per involvement and per link, with a small attribute dict
        edges = [(a, b, {"kind": k, "date": d, "ref": r}) for a, b, k, d, r in st.conn.execute(
            "SELECT i.perpetrator_id, i.victim_id, i.relationship_kind, n.date, i.incident_ref"
            " FROM involvements i JOIN incidents n ON n.ref = i.incident_ref"
            " UNION ALL SELECT person_a_id, person_b_id, relationship_kind, first_seen, source FROM links")]
    else:
        # the pairs our graph is built from, after SQL and Python have folded them
        agg = _Edges({})
        agg.add(_edge_rows(st.conn, None, None))
        edges = [(u, v, {"kind": KINDS[r], "first": f, "last": la, "since": s, "incidents": n})
                 for (u, v), (f, la, s, n, r) in agg.agg.items()]
        del agg
    st.close()
    t = time.perf_counter()
    G = nx.Graph()
    G.add_edges_from(edges)
    el = time.perf_counter() - t
    return {"seconds": el, "edges_in": len(edges), "edges": G.number_of_edges()}
""" % PASS


@benchmark("graph")
def bench_graph(folder: Path, rows: int) -> bool:
    """Whole-store graph and all new partners (N incidents, ~0.3 N persons) vs networkx add_edges_from.

    The baseline is ``nx.Graph().add_edges_from`` of the store's edge list (one
    edge per involvement and per intelligence link, each with a small dict),
    timed alone on a list already in memory; ours includes reading and
    folding those edges from the encrypted store. Ours and the baseline run
    alternately three times, each in a fresh process, and the best of each
    counts. For reference the networkx part of our own build (add_edges_from
    of the folded pairs) is shown too.
    """
    perpetrators = max(1, rows * 85 // 1000)
    store_path = folder / f"graph-{rows}.mdesk"
    if not store_path.exists():
        setup = _child(_GRAPH_SETUP, str(store_path), str(rows), str(perpetrators))
        print(f"  (demo store: {setup['persons']:,} persons, {setup['incidents']:,} incidents, "
              f"{setup['involvements']:,} involvements, {setup['links']:,} links, made in {setup['seconds']:.0f} s)")
    # Each run in a fresh process; ours and the baseline alternate, three times each, and the best of
    # each counts (as in the scoring benchmark), so a busy machine or a cold file cache disturbs
    # both alike.
    runs: dict[str, list[dict]] = {"ours": [], "base": []}
    for _ in range(3):
        runs["ours"].append(_child(_GRAPH_CHILD, str(store_path)))
        runs["base"].append(_child(_GRAPH_BASELINE, str(store_path), "store"))
    ours = min(runs["ours"], key=lambda r: r["build"] + r["partners"])
    base = min(runs["base"], key=lambda r: r["seconds"])
    folded = _child(_GRAPH_BASELINE, str(store_path), "folded")
    total = ours["build"] + ours["partners"]
    ratio = total / base["seconds"]
    ok_time = ratio <= 3.0
    ok_mem = ours["peak_mib"] < 2048
    print(f"graph: {ours['nodes']:,} nodes, {ours['edges']:,} edges, {ours['new_partners']:,} new partners "
          f"(scope all, 28 days); the store holds {base['edges_in']:,} edges (involvements and links)")
    _row("build whole-store graph, seconds (best of 3)", f"{ours['build']:.2f}",
         f"add_edges_from(store edges) {base['seconds']:.2f}")
    _row("find all new partners, seconds", f"{ours['partners']:.2f}", "")
    _row("build + new partners, seconds", f"{total:.2f}", f"add_edges_from(store edges) {base['seconds']:.2f}",
         f"{ratio:.1f}x (target <= 3x) " + ("OK" if ok_time else "OVER"))
    _row("  for reference: networkx part of the build", f"{folded['seconds']:.2f}",
         f"add_edges_from({folded['edges_in']:,} folded pairs)", f"build is {ours['build'] / folded['seconds']:.1f}x")
    _row("peak memory MiB", f"{ours['peak_mib']:,.0f}", f"add_edges_from child {base['peak_mib']:,.0f}",
         "target < 2048 " + ("OK" if ok_mem else "OVER"))
    print("  all runs (s): build + partners " + ", ".join(f"{r['build']:.2f} + {r['partners']:.2f}"
                                                       for r in runs["ours"])
          + "; add_edges_from " + ", ".join(f"{r['seconds']:.2f}" for r in runs["base"]))
    return ok_time and ok_mem
_GUI_CHILD = """
def main(store_path):
    import os, statistics
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t_start = time.perf_counter()
    from PySide6.QtCore import QEvent, QObject, QTimer, QSettings
    from PySide6.QtWidgets import QApplication
    from matac_desk.storage.store import Store
    from matac_desk.ui.main import application, open_window
    from matac_desk.ui.tasks import TaskRunner
    import tempfile
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, tempfile.mkdtemp())
    app = application()
    t_app = time.perf_counter()
    store = Store.open(store_path, %r)
    t_unlocked = time.perf_counter()

    # baselines, measured here on the same store
    t = time.perf_counter(); n_persons = store.scalar("SELECT count(*) FROM persons"); count_s = time.perf_counter() - t
    fts = []
    for q in ('"smith"', '"siobh"', '"nm00012"'):
        t = time.perf_counter()
        store.conn.execute("SELECT rowid FROM people_search WHERE people_search MATCH ?", [q]).fetchall()
        fts.append(time.perf_counter() - t)

    # the GUI thread's longest stall: a 5 ms heartbeat that should never wait long
    gaps = []
    last = [time.perf_counter()]
    def beat():
        now = time.perf_counter(); gaps.append(now - last[0]); last[0] = now
    heart = QTimer(); heart.setInterval(5); heart.timeout.connect(beat)

    painted = []
    class FirstPaint(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False
    t_window = time.perf_counter()
    window = open_window(store, TaskRunner())
    window.resize(1280, 800)
    spy = FirstPaint(); window.installEventFilter(spy)
    window.show()
    while not painted:
        app.processEvents()
    t_paint = painted[0]
    # the person to open, chosen before the heartbeat starts: this GROUP BY over every involvement runs
    # here on the GUI thread (0.1-0.4 s on a million rows) and is not the client's work
    pid = store.scalar("SELECT perpetrator_id FROM involvements GROUP BY perpetrator_id"
                       " ORDER BY count(*) DESC LIMIT 1")
    heart.start(); last[0] = time.perf_counter()

    def wait(cond, timeout=60):
        end = time.perf_counter() + timeout
        while not cond():
            app.processEvents()
            if time.perf_counter() > end:
                raise RuntimeError("timed out")

    page = window.show_page("people")
    t = time.perf_counter()
    wait(lambda: page.last_query == "" and page.model.rowCount() > 0)
    page.model.data(page.model.index(0, 1))
    all_s = time.perf_counter() - t
    queries = ["smi", "smith", "siobh", "jo smith", "lukasz nowak", "nm00012", "ó bri", "zz", "s"]
    latencies = {}
    for rep in range(3):
        for q in queries:
            page.search.setText(q)
            t = time.perf_counter()
            page.run_search()
            wait(lambda: page.last_query == q)
            if page.model.rowCount():
                page.model.data(page.model.index(0, 1))  # the first page of rows fetched and shown
            app.processEvents()
            latencies.setdefault(q, []).append(time.perf_counter() - t)
    search_gaps = sorted(gaps); gaps.clear(); last[0] = time.perf_counter()

    opens, first_open_gaps = [], []
    for rep in range(3):
        t = time.perf_counter()
        window.open_person(pid)
        wait(lambda: page.person.profile is not None and page.person.profile.id == pid and page.person._pending is None)
        app.processEvents()
        opens.append(time.perf_counter() - t)
        page.show_results()
        app.processEvents()
        if rep == 0:
            first_open_gaps = sorted(gaps)
    open_gaps = sorted(gaps)
    heart.stop()
    window.close()
    store.close()
    flat = [x for v in latencies.values() for x in v]
    typed = [x for q, v in latencies.items() if len(q) >= 3 for x in v]
    return {"persons": n_persons, "count_s": count_s, "fts_median_s": statistics.median(fts),
            "import_qt_s": t_app - t_start, "unlock_s": t_unlocked - t_app, "first_paint_s": t_paint - t_window,
            "start_to_paint_s": t_paint - t_start - (t_unlocked - t_app),
            "all_persons_s": all_s,
            "search_median_s": statistics.median(flat), "search_worst_s": max(flat),
            "typed_median_s": statistics.median(typed), "typed_worst_s": max(typed),
            "per_query": {q: max(v) for q, v in latencies.items()},
            "open_median_s": statistics.median(opens), "open_worst_s": max(opens),
            "stall_search_s": search_gaps[-1] - 0.005, "stall_open_s": open_gaps[-1] - 0.005,
            "stall_first_open_s": first_open_gaps[-1] - 0.005,
            "stall_search_p99_s": search_gaps[int(len(search_gaps) * 0.99)] - 0.005,
            "stall_open_p99_s": open_gaps[int(len(open_gaps) * 0.99)] - 0.005, "cpus": os.cpu_count(),
            "load": os.getloadavg()[0]}
""" % PASS


@benchmark("gui")
def bench_gui(folder: Path, rows: int) -> bool:
    """Desktop client on a large store: start-up to first paint, search latency, opening a person, GUI stalls."""
    store_dir = folder / "gui"          # outside the *.mdesk files cleared between benchmarks: reused with --keep
    store_dir.mkdir(exist_ok=True)
    store_path = store_dir / f"gui-{rows}.mdesk"
    if not store_path.exists():
        csv_path = _extract(folder, rows)
        built = _child(_IMPORT_CHILD, str(csv_path), str(store_path))
        print(f"  (built the store through the importer: {built['rows']:,} rows in {built['seconds']:.0f} s)")
    r = _child(_GUI_CHILD, str(store_path))
    ms = lambda s: f"{s * 1000:,.0f} ms"  # noqa: E731
    budget = 0.100
    print(f"gui: {r['persons']:,} persons, offscreen, real thread pool ({r['cpus']} CPUs, load {r['load']:.1f})")
    _row("start-up to first paint (excl. unlock)", ms(r["start_to_paint_s"]),
         f"of which window build+paint {ms(r['first_paint_s'])}")
    _row("unlock (key derivation, checks)", ms(r["unlock_s"]), "SQLCipher PBKDF2, by design")
    _row("list every person, sorted by name", ms(r["all_persons_s"]), f"count(*) {ms(r['count_s'])}",
         "off the GUI thread")
    _row("search, typed queries (3+ chars) median", ms(r["typed_median_s"]),
         f"raw FTS MATCH {ms(r['fts_median_s'])}", "OK" if r["typed_median_s"] <= budget else "OVER 100 ms")
    _row("search, typed queries (3+ chars) worst", ms(r["typed_worst_s"]), "budget 100 ms",
         "OK" if r["typed_worst_s"] <= budget else "OVER 100 ms")
    _row("search, all queries incl. 1-2 chars, worst", ms(r["search_worst_s"]), "prefix scan, off the GUI thread")
    for q, v in r["per_query"].items():
        _row(f"    {q!r} worst of 3", ms(v), "")
    _row("open the busiest person (audited) median", ms(r["open_median_s"]), "budget 100 ms",
         "OK" if r["open_median_s"] <= budget else "OVER 100 ms")
    _row("longest GUI-thread stall while searching", ms(r["stall_search_s"]), "budget 100 ms",
         "OK" if r["stall_search_s"] <= budget else "OVER 100 ms")
    _row("longest GUI-thread stall while opening", ms(r["stall_open_s"]), "budget 100 ms",
         "OK" if r["stall_open_s"] <= budget else "OVER 100 ms")
    _row("    of which the first open of the session", ms(r["stall_first_open_s"]), "budget 100 ms",
         "OK" if r["stall_first_open_s"] <= budget else "OVER 100 ms")
    _row("GUI-thread stall, 99th percentile", f"{ms(r['stall_search_p99_s'])} / {ms(r['stall_open_p99_s'])}",
         "searching / opening (5 ms heartbeat)")
    return r["stall_search_s"] <= budget and r["stall_open_s"] <= budget and r["typed_median_s"] <= budget
_SECURITY_BUILD = """
def main(csv_path, store_path):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.intake.importer import import_extract
    st = Store.create(store_path, %r)
    s = import_extract(st, csv_path, today=dt.date(2026, 11, 1), backup=False)
    st.close()
    return {"rows": s.rows_read}
""" % PASS

_CHECKS_CHILD = """
def main(store_path, what):
    import shutil
    from pathlib import Path
    from matac_desk.storage import anchors, audit, retention
    from matac_desk.storage.store import Store
    if what == "migration":
        # migration 0009 on this store as it was before it: the salt column, the settings and its record taken out
        copy = store_path + ".pre0009"
        shutil.copyfile(store_path, copy)
        st = Store.open(copy, %(p)r, migrate=False)
        c = st.conn
        c.execute("ALTER TABLE persons DROP COLUMN audit_salt")
        c.execute("DELETE FROM settings WHERE key IN ('store_id', 'anchor_key')")
        c.execute("DELETE FROM _sqlite_migrations WHERE name >= '0009'")
        st.close()
        t = time.perf_counter()
        st = Store.open(copy, %(p)r)
        el = time.perf_counter() - t
        n = st.scalar("SELECT count(*) FROM persons")
        st.close()
        return {"seconds": el, "n": n}
    if what.startswith("memsec"):
        import sqlcipher3
        c = sqlcipher3.connect(store_path)
        c.execute("PRAGMA cipher_memory_security = " + ("ON" if what.endswith("on") else "OFF"))
        c.execute("PRAGMA key = '%(p)s'")
        t = time.perf_counter()
        c.execute("SELECT count(*), sum(length(offence)), count(DISTINCT victim_id) FROM involvements").fetchone()
        c.execute("PRAGMA integrity_check").fetchone()
        el = time.perf_counter() - t
        c.close()
        return {"seconds": el}
    if what == "commits-bare":  # on a copy: entries committed without anchors are (rightly) reported as not anchored
        import os, tempfile
        os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # a copy shares the store's id: not its anchor file
        shutil.copyfile(store_path, store_path + ".bare")
        store_path = store_path + ".bare"
        anchors.record_pending = lambda *a, **k: None
    st = Store.open(store_path, %(p)r, read_only=what in ("verify", "chain", "pages", "triggers"))
    if what == "commits" or what == "commits-bare":
        t = time.perf_counter()
        for i in range(500):
            with st.transaction():
                st.audit("bench.entry", entity="thing", entity_id=str(i))
        el = time.perf_counter() - t
    else:
        t = time.perf_counter()
        if what == "chain":
            assert audit.verify(st.conn) == []
        elif what == "verify":
            report = anchors.verify_log(st)
            assert report.ok, report.lines()
        elif what == "triggers":
            assert anchors.trigger_problems(st.conn) == []
        elif what == "pages":
            assert anchors.quick_page_check(st.conn) == "ok"
        elif what == "mentions":
            pid = st.scalar("SELECT victim_id FROM involvements GROUP BY victim_id ORDER BY count(*) DESC LIMIT 1")
            retention.find_mentions(st, pid)
        el = time.perf_counter() - t
    out = {"seconds": el, "entries": st.scalar("SELECT count(*) FROM audit_log"),
           "mib": Path(store_path).stat().st_size / 2**20}
    st.close()
    return out
""" % {"p": PASS}


def _security_checks(store: Path) -> bool:
    """The cost of each check added for issue 16 on the same store (the anchors, the page check, mentions...)."""
    def run(what):
        return _child(_CHECKS_CHILD, str(store), what)
    run("commits")                                     # a log of a few thousand entries to walk
    bare, anchored = run("commits-bare"), run("commits")
    per = (anchored["seconds"] - bare["seconds"]) / 500 * 1000
    _row("anchor written before each commit ms", f"{per:+.2f}", f"commit {bare['seconds'] / 500 * 1000:.2f} ms",
         "per write transaction that adds audit entries")
    chain, full = run("chain"), run("verify")
    _row(f"audit --verify s ({full['entries']:,} entries)", f"{full['seconds']:.3f}",
         f"chain alone {chain['seconds']:.3f}", "anchors, triggers, emptiness added")
    trig = run("triggers")
    _row("append-only trigger check s", f"{trig['seconds']:.4f}", "")
    pages = run("pages")
    rate = pages["mib"] / pages["seconds"]
    _row(f"page check s ({pages['mib']:,.0f} MiB)", f"{pages['seconds']:.2f}", f"{rate:,.0f} MiB/s",
         "info runs it up to 256 MiB, audit --verify to 2 GiB")
    mentions = run("mentions")
    _row("mentions of the busiest victim s", f"{mentions['seconds']:.2f}", "listed before an erasure")
    mig = run("migration")
    _row(f"migration 0009 s ({mig['n']:,} persons)", f"{mig['seconds']:.2f}", "once per store")
    off, on = run("memsec-off"), run("memsec-on")
    _row("cipher_memory_security ON s", f"{on['seconds']:.2f}", f"OFF {off['seconds']:.2f}",
         f"{(on['seconds'] / off['seconds'] - 1) * 100:+.0f}% on a full read")
    return True


_SECURITY_CHILD = """
def main(store_path, what):
    import shutil
    from pathlib import Path
    from matac_desk.storage.store import Store
    from matac_desk.storage import backups, retention
    st = Store.open(store_path, %r)
    t = time.perf_counter()
    if what == "backup":
        path = backups.backup(st, "manual")
    elif what == "copy":
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(store_path, store_path + ".copy")
    elif what == "check":
        report = backups.check(st)
        assert report.ok, report.problems()
    elif what == "integrity":
        assert st.scalar("PRAGMA integrity_check") == "ok"
    elif what == "erase":
        pid = st.scalar("SELECT perpetrator_id FROM involvements GROUP BY perpetrator_id ORDER BY count(*) DESC LIMIT 1")
        retention.erase_person(st, pid, "benchmark")
    elif what == "vacuum":
        st.conn.execute("VACUUM")
    el = time.perf_counter() - t
    st.close()
    return {"seconds": el, "mib": Path(store_path).stat().st_size / 2**20}
""" % PASS


@benchmark("security")
def bench_security(folder: Path, rows: int) -> bool:
    """Backup, check and erasure on a store of an N-row extract, each beside the plain SQLite operation."""
    print(f"security: backup, check and erase on a store holding a {rows:,}-row extract")
    csv_path = _extract(folder, rows)
    store = folder / "security.mdesk"
    _child(_SECURITY_BUILD, str(csv_path), str(store))
    if os.environ.get("MATAC_BENCH_SECURITY_NEW_ONLY"):  # only the checks of issue 16 (the rest takes long)
        return _security_checks(store)
    res = {w: _child(_SECURITY_CHILD, str(store), w)
           for w in ("copy", "backup", "integrity", "check", "vacuum", "erase")}
    mib = res["backup"]["mib"]
    # The online backup decrypts and re-encrypts every page (a backup has its own salt), so it cannot
    # match a raw copy; the target is a throughput that keeps the pre-import backup of a
    # 1,000,000-row store under ten seconds.
    rate = mib / res["backup"]["seconds"]
    ok_backup = rate >= 50
    ok_erase = res["erase"]["seconds"] <= 3 * res["vacuum"]["seconds"] + 5  # the text scan reads every table
    _row(f"online encrypted backup s ({mib:,.0f} MiB)", f"{res['backup']['seconds']:.2f}",
         f"file copy {res['copy']['seconds']:.2f}", f"{rate:,.0f} MiB/s (target >= 50) "
         + ("OK" if ok_backup else "SLOW"))
    _row("check s (integrity, cipher, FKs, audit chain)", f"{res['check']['seconds']:.2f}",
         f"integrity_check alone {res['integrity']['seconds']:.2f}")
    _row("erase one person s (incl. VACUUM)", f"{res['erase']['seconds']:.2f}",
         f"VACUUM alone {res['vacuum']['seconds']:.2f}", "OK" if ok_erase else "SLOW")
    _row("erase peak memory MiB", f"{res['erase']['peak_mib']:,.0f}", "target < 1024",
         "OK" if res["erase"]["peak_mib"] < 1024 else "OVER")
    ok_new = _security_checks(store)
    return ok_backup and ok_erase and res["erase"]["peak_mib"] < 1024 and ok_new
_SCORE_CHILD = """
BASELINE = (
    "SELECT v.perpetrator_id, count(DISTINCT v.incident_ref), max(i.date), count(DISTINCT v.victim_id)"
    " FROM involvements v JOIN incidents i ON i.ref = v.incident_ref GROUP BY v.perpetrator_id")

def main(store_path, which):
    from matac_desk.storage.store import Store
    from matac_desk.analysis import scoring
    st = Store.open(store_path, %r, migrate=False)
    wall, cpu = time.perf_counter(), time.process_time()
    if which == "baseline":
        rows = st.conn.execute(BASELINE).fetchall()
        n, serial = len(rows), None
    else:
        # score_all: the default rules (both people 16+, code then wording, G the highest offence);
        # sum: the same with G summed over each incident's highest, which adds one pass.
        cfg = scoring.ScoringConfig(gravity_mode="sum") if which == "sum" else None
        ranked = scoring.score_all(st, "2026-11-01", cfg)
        n, serial = len(ranked), sum(s.serial for s in ranked)
    res = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "rows": n, "serial": serial}
    st.close()
    return res
""" % PASS


@benchmark("scoring")
def bench_scoring(folder: Path, rows: int) -> bool:
    """score_all over an N-row extract vs a plain GROUP BY (count, latest date, distinct victims)."""
    print(f"scoring: RFGV score and rank every perpetrator of a {rows:,}-row extract, as of 2026-11-01")
    csv_path = _extract(folder, rows)
    store_path = folder / "scoring.mdesk"
    built = _child(_IMPORT_CHILD, str(csv_path), str(store_path))
    print(f"  (imported {built['rows']:,} rows in {built['seconds']:.1f} s)")
    # Each run in a fresh process (cold page cache, its own memory); the two alternate, three
    # times each, and the best of each counts, so a busy machine disturbs both alike.
    runs: dict[str, list[dict]] = {"baseline": [], "score_all": [], "sum": []}
    for _ in range(3):
        for which in runs:
            runs[which].append(_child(_SCORE_CHILD, str(store_path), which))
    summed = min(runs["sum"], key=lambda r: r["seconds"])
    base = min(runs["baseline"], key=lambda r: r["seconds"])
    ours = min(runs["score_all"], key=lambda r: r["seconds"])
    base_cpu = min(r["cpu"] for r in runs["baseline"])
    ours_cpu = min(r["cpu"] for r in runs["score_all"])
    ratio = ours["seconds"] / base["seconds"]
    ok = ratio <= 2.0
    _row("score_all seconds (best of 3)", f"{ours['seconds']:.2f}", f"GROUP BY {base['seconds']:.2f} s",
         f"{ratio:.2f}x (target <= 2x) " + ("OK" if ok else "OVER TARGET"))
    _row("score_all CPU seconds (best of 3)", f"{ours_cpu:.2f}", f"GROUP BY {base_cpu:.2f} s",
         f"{ours_cpu / base_cpu:.2f}x")
    _row("gravity_mode=sum seconds (best of 3)", f"{summed['seconds']:.2f}", f"GROUP BY {base['seconds']:.2f} s",
         f"{summed['seconds'] / base['seconds']:.2f}x (no target: not the default)")
    _row("perpetrators scored / serial", f"{ours['rows']:,} / {ours['serial']:,}",
         f"GROUP BY rows {base['rows']:,}")
    _row("score_all peak memory MiB", f"{ours['peak_mib']:,.0f}", f"GROUP BY {base['peak_mib']:,.0f}")
    print("  all runs (s): score_all " + ", ".join(f"{r['seconds']:.2f}" for r in runs["score_all"])
          + "; GROUP BY " + ", ".join(f"{r['seconds']:.2f}" for r in runs["baseline"]))
    return ok


_PACK_BUILD_CHILD = """
def main(store_path):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.services.demo import DemoSpec, fill_store
    from matac_desk import actions, cohort, meetings, nominations, scoring
    today = dt.date(2026, 11, 1)
    st = Store.create(store_path, %r)
    fill_store(st, DemoSpec(seed=11, incidents=8000, as_of=today))
    nxt = meetings.next_meeting(st, today)
    # an extra meeting a week before brings the cohort to 50, through the real services
    day = dt.date.fromisoformat(nxt.date) - dt.timedelta(days=7)
    mid = meetings.schedule_meeting(st, day, chair="DCI Rachel Hart")
    have = len(cohort.cohort(st, day))
    toolkit = [t["name"] for t in cohort.toolkit(st)]
    for s in scoring.score_all(st, day):
        if have >= 50:
            break
        if cohort.in_cohort(st, s.perpetrator_id, day):
            continue
        meetings.record_decision(st, mid, s.perpetrator_id, "adopt")
        cohort.agree_tactic(st, s.perpetrator_id, toolkit[have %% len(toolkit)], meeting_id=mid, on=day)
        actions.add_action(st, s.perpetrator_id, ("Police", "Probation", "Housing")[have %% 3],
                           "Review and report back", due=day + dt.timedelta(days=3), meeting_id=mid)
        meetings.add_minutes(st, mid, s.perpetrator_id, "Adopted; tactics agreed with partners.")
        have += 1
    meetings.mark_held(st, mid, today=day)
    n = len(cohort.cohort(st, nxt.date))
    st.close()
    return {"subjects": n, "meeting_id": nxt.id}
""" % PASS

_PACK_CHILD = """
def main(store_path, meeting_id, out):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.pack import export_pack
    st = Store.open(store_path, %r)
    wall, cpu = time.perf_counter(), time.process_time()
    e = export_pack(st, out, int(meeting_id), recipient="Benchmark", today=dt.date(2026, 11, 1))
    res = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "pages": e.pages,
           "bytes": e.size}
    st.close()
    return res
""" % PASS

_TABLES_CHILD = """
def main(pages, out, kind):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle
    pages = int(pages)
    style = getSampleStyleSheet()["BodyText"]
    wall, cpu = time.perf_counter(), time.process_time()
    story = []
    for p in range(pages):
        rows = [["Date", "Incident", "Offence", "Victim", "Where", "Status"]]
        for r in range(30):
            cells = [f"2026-0{1 + r % 9}-1{r % 9}", f"CE-2026-{p:04d}{r:03d}", "Assault occasioning ABH",
                     "Jane Example", f"{r} High Street, Midtown", "scored"]
            rows.append([Paragraph(c, style) for c in cells] if kind == "paragraphs" else cells)
        t = Table(rows, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.3, "grey"), ("FONTSIZE", (0, 0), (-1, -1), 8)]))
        story += [t, PageBreak()]
    doc = SimpleDocTemplate(out, pagesize=A4)
    doc.build(story[:-1])
    res = {"seconds": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    from pypdf import PdfReader
    res["pages"] = len(PdfReader(out).pages)
    return res
"""


@benchmark("pack")
def bench_pack(folder: Path, rows: int) -> bool:
    """the meeting pack of a 50-subject cohort vs reportlab drawing as many pages of plain tables."""
    print("pack: the meeting pack of a 50-subject cohort (8,000-incident demo, a year of meetings), as of 2026-11-01")
    store_path = folder / "pack.mdesk"
    t = time.perf_counter()
    built = _child(_PACK_BUILD_CHILD, str(store_path))
    print(f"  (built the store with {built['subjects']} subjects through the services in "
          f"{time.perf_counter() - t:.1f} s)")
    runs = {"pack": [], "plain": [], "paragraphs": []}
    for _ in range(2):
        runs["pack"].append(_child(_PACK_CHILD, str(store_path), str(built["meeting_id"]), str(folder / "pack.pdf")))
        pages = runs["pack"][-1]["pages"]
        for kind in ("plain", "paragraphs"):
            runs[kind].append(_child(_TABLES_CHILD, str(pages), str(folder / f"{kind}.pdf"), kind))
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    ours, plain, paras = best["pack"], best["plain"], best["paragraphs"]
    ok = ours["seconds"] < 10 and built["subjects"] >= 50
    _row("pack seconds (best of 2)", f"{ours['seconds']:.2f}",
         f"plain tables {plain['seconds']:.2f} s", "target < 10 s " + ("OK" if ok else "OVER TARGET"))
    _row("pack pages / pages per second", f"{ours['pages']} / {ours['pages'] / ours['seconds']:.0f}",
         f"plain {plain['pages'] / plain['seconds']:.0f}/s, Paragraph cells {paras['pages'] / paras['seconds']:.0f}/s")
    _row("pack CPU seconds", f"{ours['cpu']:.2f}", f"plain {plain['cpu']:.2f}, Paragraph cells {paras['cpu']:.2f}")
    _row("pack size MiB / peak memory MiB", f"{ours['bytes'] / 2**20:.1f} / {ours['peak_mib']:.0f}",
         f"plain peak {plain['peak_mib']:.0f} MiB")
    print("  all runs (s): pack " + ", ".join(f"{r['seconds']:.2f}" for r in runs["pack"])
          + "; plain " + ", ".join(f"{r['seconds']:.2f}" for r in runs["plain"])
          + "; Paragraph cells " + ", ".join(f"{r['seconds']:.2f}" for r in runs["paragraphs"]))
    return ok


_DUP_CHILD = """
def main(store_path, mode, extra=""):
    import os
    from matac_desk.domain import Cancelled
    from matac_desk.storage.store import Store
    from matac_desk.analysis import duplicates, linkage
    st = Store.open(store_path, %r)
    persons = st.scalar("SELECT count(*) FROM persons")
    calls = []
    progress = lambda done, total, msg: calls.append(time.perf_counter())
    t, c = time.perf_counter(), time.process_time()
    out = {"persons": persons, "load": os.getloadavg()[0]}
    if mode == "whole":
        pairs = duplicates.find_duplicates(st, progress=progress)
        out.update(pairs=len(pairs), certain=sum(p.score >= 0.99 for p in pairs))
    elif mode == "incremental":
        batch = int(extra)
        ids = duplicates.changed_in_batch(st, batch)
        t, c = time.perf_counter(), time.process_time()
        pairs = duplicates.find_duplicates(st, ids, progress=progress)
        out.update(pairs=len(pairs), changed=len(ids))
    elif mode == "cancel":
        after = float(extra)
        try:
            duplicates.find_duplicates(st, progress=progress, cancelled=lambda: time.perf_counter() - t > after)
            out["stopped_after"] = None
        except Cancelled:
            out["stopped_after"] = time.perf_counter() - t - after
    else:   # the baseline: the same records and blocking, exact comparisons only (no model, no explanation)
        recs = duplicates.load_records(st)
        cid, n, same = recs.vocab.cid, 0, 0
        for _rule, a, b in linkage.candidate_pairs(recs):
            n += len(a)
            same += int(((cid[recs.forename[a]] == cid[recs.forename[b]]) & (cid[recs.surname[a]] == cid[recs.surname[b]])
                         & (recs.dob[a] == recs.dob[b]) & (recs.dob[a] > 0)).sum())
        out.update(pairs=same, candidates=n)
    out.update(seconds=time.perf_counter() - t, cpu=time.process_time() - c)
    gaps = [b - a for a, b in zip([t] + calls, calls)]
    out["longest_progress_gap"] = max(gaps) if gaps else None
    st.close()
    return out
""" % PASS

_DUP_IMPORT = """
def main(csv_path, store_path):
    import datetime as dt
    from matac_desk.storage.store import Store
    from matac_desk.intake.importer import import_extract
    st = Store.open(store_path, %r)
    # a second demo extract gives known ids other names: the change guard would hold it, as it should; here
    # the changes are accepted, as a coordinator would after reading them, so that many persons change
    s = import_extract(st, csv_path, today=dt.date(2026, 11, 1), backup=False, accept_person_changes=True)
    st.close()
    return {"batch": s.batch_id, "rows": s.rows_read}
""" % PASS


@benchmark("duplicates")
def bench_duplicates(folder: Path, rows: int) -> bool:
    """Probable duplicates: whole store (~300,000 persons) with progress and cancel, and incremental after an import,
    beside the same blocking with exact comparisons only."""
    import shutil
    rows = min(rows, 330_000)           # 330,000 extract rows make about 300,000 persons
    store_dir = folder / "dups"
    store_dir.mkdir(exist_ok=True)
    store_path = store_dir / f"dups-{rows}.mdesk"
    if not store_path.exists():
        csv_path = _extract(folder, rows)
        built = _child(_IMPORT_CHILD, str(csv_path), str(store_path))
        print(f"  (built the store through the importer: {built['rows']:,} rows in {built['seconds']:.0f} s)")
    runs: dict[str, list[dict]] = {"whole": [], "base": []}
    for _ in range(2):
        runs["whole"].append(_child(_DUP_CHILD, str(store_path), "whole"))
        runs["base"].append(_child(_DUP_CHILD, str(store_path), "baseline"))
    ours = min(runs["whole"], key=lambda r: r["seconds"])
    base = min(runs["base"], key=lambda r: r["seconds"])
    cancel = _child(_DUP_CHILD, str(store_path), "cancel", "5")
    # incremental: a copy of the store, a second extract imported into it (its persons new or changed)
    copy = store_dir / "dups-incremental.mdesk"
    shutil.copyfile(store_path, copy)
    small = folder / "extract-dups-2000.csv"
    if not small.exists():
        from matac_desk.services.demo import DemoSpec, write_csv
        import datetime as dt
        write_csv(small, DemoSpec(seed=12, incidents=2000, as_of=dt.date(2026, 11, 1)), max_rows=2000)
    imported = _child(_DUP_IMPORT, str(small), str(copy))
    inc = _child(_DUP_CHILD, str(copy), "incremental", str(imported["batch"]))
    for f in store_dir.glob("dups-incremental.mdesk*"):
        f.unlink()
    # wall-clock; on a machine busy with other work (the load average is printed) the CPU seconds say what
    # the comparison itself costs
    ok_time = ours["seconds"] < 60
    ok_cancel = cancel["stopped_after"] is not None and cancel["stopped_after"] < 5
    ok_inc = inc["seconds"] < ours["seconds"]
    print(f"duplicates: {ours['persons']:,} persons, {ours['pairs']:,} pairs listed ({ours['certain']:,} at 99%+); "
          f"load average {ours['load']:.1f} on {os.cpu_count()} CPUs")
    _row("whole store, seconds (best of 2)", f"{ours['seconds']:.1f}",
         f"exact comparisons only {base['seconds']:.1f}", "target < 60 s " + ("OK" if ok_time else "OVER"))
    _row("  CPU seconds", f"{ours['cpu']:.1f}", f"exact only {base['cpu']:.1f}")
    _row("  candidate pairs compared (blocking)", f"{base['candidates']:,}",
         f"exact only finds {base['pairs']:,} pairs")
    _row("  longest wait between progress reports, s", f"{ours['longest_progress_gap']:.1f}", "")
    _row("cancel asked after 5 s: stopped within, s",
         "-" if cancel["stopped_after"] is None else f"{cancel['stopped_after']:.1f}", "target < 5 s",
         "OK" if ok_cancel else "SLOW")
    _row(f"after an import ({inc['changed']:,} persons new or changed), s", f"{inc['seconds']:.1f}",
         f"whole store {ours['seconds']:.1f}", f"{inc['pairs']:,} pairs " + ("OK" if ok_inc else "NOT FASTER"))
    _row("  CPU seconds", f"{inc['cpu']:.1f}", f"whole store {ours['cpu']:.1f}")
    _row("peak memory MiB (whole store)", f"{ours['peak_mib']:,.0f}", f"exact only {base['peak_mib']:,.0f}")
    print("  all runs (s): whole " + ", ".join(f"{r['seconds']:.1f}" for r in runs["whole"])
          + "; exact only " + ", ".join(f"{r['seconds']:.1f}" for r in runs["base"]))
    return ok_time and ok_cancel and ok_inc


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    ap.add_argument("--rows", type=int, default=1_000_000, help="extract size (default 1,000,000)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="keep generated data in DIR and reuse it")
    args = ap.parse_args(argv)
    if args.list:
        for name, fn in BENCHMARKS.items():
            print(f"{name:<10} {fn.__doc__}")
        return 0
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="matac-bench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            for f in folder.glob("*.mdesk*"):
                if f.is_file() and not (args.keep and f.name.startswith("graph-")):
                    f.unlink()  # a kept graph store is reused: making it is the slow part
            results[name] = BENCHMARKS[name](folder, args.rows)
    print("targets met: " + ", ".join(f"{n} {'yes' if ok else 'NO'}" for n, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
