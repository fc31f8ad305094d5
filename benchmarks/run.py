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
    out = subprocess.run([sys.executable, "-c", wrapper, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _row(label: str, value: str, baseline: str, verdict: str = "") -> None:
    print(f"  {label:<44} {value:>16}   {baseline:<34} {verdict}")


def _extract(folder: Path, rows: int) -> Path:
    from matac_desk.demo import DemoSpec, write_csv
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
    from matac_desk.store import Store
    from matac_desk.importer import import_extract
    st = Store.create(store_path, %r)
    t = time.perf_counter()
    s = import_extract(st, csv_path, today=dt.date(2026, 11, 1), backup=False)
    el = time.perf_counter() - t
    st.close()
    return {"seconds": el, "rows": s.rows_read, "new": s.new, "rejected": s.rejected}
""" % PASS

_RAW_CHILD = """
def main(csv_path, store_path):
    import datetime as dt, csv
    from matac_desk.store import Store
    from matac_desk.importer import iter_checked_rows, resolve_columns, IMPORT_CACHE_KIB
    from matac_desk.schema import migrations
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
    ours = _child(_IMPORT_CHILD, str(csv_path), str(folder / "import.mdesk"))
    raw = _child(_RAW_CHILD, str(csv_path), str(folder / "raw.mdesk"))
    rate = ours["rows"] / ours["seconds"]
    raw_rate = raw["rows"] / raw["seconds"]
    share = rate / raw_rate
    ok_rate = share >= 0.35
    ok_mem = ours["peak_mib"] < 1024
    _row("import rows/s (validate, upsert, persons)", f"{rate:,.0f}",
         f"raw executemany {raw_rate:,.0f}/s", f"{share:.0%} of raw (target >= 35%) "
         + ("OK" if ok_rate else "BELOW TARGET"))
    _row("import seconds", f"{ours['seconds']:.1f}", f"raw {raw['seconds']:.1f}")
    _row("import peak memory MiB", f"{ours['peak_mib']:,.0f}", "target < 1024", "OK" if ok_mem else "OVER")
    return ok_rate and ok_mem


_SCORE_CHILD = """
BASELINE = (
    "SELECT v.perpetrator_id, count(DISTINCT v.incident_ref), max(i.date), count(DISTINCT v.victim_id)"
    " FROM involvements v JOIN incidents i ON i.ref = v.incident_ref GROUP BY v.perpetrator_id")

def main(store_path, which):
    from matac_desk.store import Store
    from matac_desk import scoring
    st = Store.open(store_path, %r, migrate=False)
    wall, cpu = time.perf_counter(), time.process_time()
    if which == "baseline":
        rows = st.conn.execute(BASELINE).fetchall()
        n, serial = len(rows), None
    else:
        ranked = scoring.score_all(st, "2026-11-01")
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
    runs: dict[str, list[dict]] = {"baseline": [], "score_all": []}
    for _ in range(3):
        for which in runs:
            runs[which].append(_child(_SCORE_CHILD, str(store_path), which))
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
    _row("perpetrators scored / serial", f"{ours['rows']:,} / {ours['serial']:,}",
         f"GROUP BY rows {base['rows']:,}")
    _row("score_all peak memory MiB", f"{ours['peak_mib']:,.0f}", f"GROUP BY {base['peak_mib']:,.0f}")
    print("  all runs (s): score_all " + ", ".join(f"{r['seconds']:.2f}" for r in runs["score_all"])
          + "; GROUP BY " + ", ".join(f"{r['seconds']:.2f}" for r in runs["baseline"]))
    return ok


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
                f.unlink()
            results[name] = BENCHMARKS[name](folder, args.rows)
    print("targets met: " + ", ".join(f"{n} {'yes' if ok else 'NO'}" for n, ok in results.items()))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
