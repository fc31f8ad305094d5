"""Helpers shared by the security and reliability tests (issue 8)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from matac_desk.storage.store import Store

PASSPHRASE = "test passphrase 123"


def _values(store: Store, kind: type, include_audit: bool = True) -> list[tuple[str, str, object]]:
    out = []
    tables = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for t in tables:
        if t == "audit_log" and not include_audit:
            continue
        cols = [r[1] for r in store.conn.execute(f'PRAGMA table_info("{t}")')]
        for row in store.conn.execute(f'SELECT * FROM "{t}"'):
            for c, v in zip(cols, row):
                if isinstance(v, kind):
                    out.append((t, c, v))
    return out


def store_text(store: Store, *, include_audit: bool = True) -> list[tuple[str, str, str]]:
    """Every text value in every table of the store (full-text shadow tables too), as (table, column, value)."""
    return _values(store, str, include_audit)


def store_blobs(store: Store) -> list[tuple[str, str, bytes]]:
    """Every BLOB value in every table of the store (the segments of full-text indexes...)."""
    return _values(store, bytes)


def mentions(store: Store, *needles: str) -> list[tuple[str, str, str]]:
    """The text values that hold any of the needles (case-insensitive)."""
    low = [n.casefold() for n in needles if n]
    return [(t, c, v) for t, c, v in store_text(store) if any(n in v.casefold() for n in low)]


def cli(*args: str, env: dict | None = None, input_text: str | None = None, timeout: float = 120):
    """Run ``matac-desk`` in a subprocess; returns the CompletedProcess (text)."""
    full_env = dict(os.environ, MATAC_DESK_PASSPHRASE=PASSPHRASE, MATAC_DESK_IMPORT_THREADS="1")
    full_env.pop("MATAC_DESK_DEBUG", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "matac_desk", *args], capture_output=True, text=True,
                          env=full_env, input=input_text, timeout=timeout)


def extract(path: Path, rows: list[list[str]]) -> Path:
    """A canonical extract with the given rows (incident_ref, date, offence, perp id/fn/sn/dob, victim ...)."""
    import csv
    header = ["incident_ref", "incident_date", "offence", "perpetrator_id", "perpetrator_forename",
              "perpetrator_surname", "perpetrator_dob", "victim_id", "victim_forename", "victim_surname",
              "victim_dob", "relationship", "address", "postcode"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


TODAY = dt.date(2026, 11, 1)


# ---------------------------------------------------------------- SIGKILL at random moments

# A warm Python with the program loaded, which runs each request in a fresh fork of itself: the
# operation starts at once (no second of start-up per run), so the kill lands in the operation. The
# moment of a kill is measured in the CPU time the fork has used (from /proc), so that it falls at the
# same point of the work however busy the machine is. The server kills the fork itself, as its parent,
# and only before collecting it: its process id cannot have been reused.
# A request is {"run": ["cli", args...] or ["script", code, args...], "kill_at": CPU seconds or null,
# "mark": a folder or null}; the answer is a line "exit STATUS CPU-SECONDS MARK": MARK is the CPU time
# at which a .mdesk file (a whole backup) first appeared in the folder, -1 if none did.
FORK_SERVER = textwrap.dedent("""
    import json, os, signal, sys, time, traceback
    from matac_desk.cli import main
    import matac_desk.analysis.duplicates, matac_desk.intake.importer, matac_desk.pack.meeting, matac_desk.pack.profile

    TICK = os.sysconf("SC_CLK_TCK")

    def cpu(pid):  # the CPU seconds it has used (utime + stime, every thread); None once it has ended
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return None if fields[0] == "Z" else (int(fields[11]) + int(fields[12])) / TICK

    def marked(folder):
        try:
            return any(name.endswith(".mdesk") for name in os.listdir(folder))
        except OSError:
            return False

    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.dup2(os.open(os.devnull, os.O_RDWR), 0)
                os.dup2(2, 1)
                kind, *args = request["run"]
                if kind == "cli":
                    code = main(args)
                else:
                    sys.argv = ["-c", *args[1:]]
                    exec(compile(args[0], "<script>", "exec"), {"__name__": "__main__"})
                    code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        kill_at, mark, mark_cpu = request["kill_at"], request["mark"], -1
        while not (ended := os.wait4(pid, os.WNOHANG))[0]:
            used = cpu(pid)
            if used is not None and mark and mark_cpu < 0 and marked(mark):
                mark_cpu = used
            if used is not None and kill_at is not None and used >= kill_at:
                os.kill(pid, signal.SIGKILL)  # not collected yet: still ours (a zombie at worst)
                ended = os.wait4(pid, 0)
                break
            time.sleep(0.001)
        _pid, status, usage = ended
        print("exit", os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, mark_cpu, flush=True)
""")


class Forker:
    """Runs commands for the SIGKILL tests (see FORK_SERVER); one per test module."""

    def __init__(self, log: Path):
        self.log = log
        env = dict(os.environ, MATAC_DESK_PASSPHRASE=PASSPHRASE, MATAC_DESK_IMPORT_THREADS="1")
        env.pop("MATAC_DESK_DEBUG", None)
        with open(log, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-c", FORK_SERVER], env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err, text=True)

    def _run(self, run: list[str], kill_at: float | None, mark: Path | None = None) -> tuple[int, float, float]:
        request = {"run": run, "kill_at": kill_at, "mark": str(mark) if mark else None}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        if len(line) != 4 or line[0] != "exit":
            raise AssertionError(f"the fork server stopped: {line}; {self.log.read_text()[-2000:]}")
        code, seconds, marked = int(line[1]), float(line[2]), float(line[3])
        assert code in (0, -signal.SIGKILL), f"exit status {code}: {self.log.read_text()[-2000:]}"
        return code, seconds, marked

    def run_to_end(self, run: list[str], mark: Path | None = None) -> tuple[float, float]:
        """Run to the end (it must succeed); the CPU seconds it took, and when a backup appeared in ``mark``."""
        code, seconds, marked = self._run(run, None, mark)
        assert code == 0
        return seconds, marked

    def kill_at(self, run: list[str], cpu_seconds: float) -> int:
        """SIGKILL it once it has used ``cpu_seconds`` of CPU: -SIGKILL, or 0 when it had finished already."""
        return self._run(run, cpu_seconds)[0]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def kill_moments(seed: int, kills: int, start: float, end: float) -> list[float]:
    """``kills`` random moments between ``start`` and ``end``, one in each equal slice (seeded)."""
    rng = random.Random(seed)
    return [start + (end - start) * (i + rng.random()) / kills for i in range(kills)]


def copy_store(src: Path, dst: Path) -> None:
    """A fresh copy of a (closed) store, without the journal files or backups of an earlier copy."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.rmtree(dst.with_name(dst.name + ".backups"), ignore_errors=True)
    shutil.copyfile(src, dst)


def checked_open(path: Path) -> Store:
    """Open a store after a crash, for writing (so no stale lock is left): it must open, pass the integrity
    and foreign-key checks, and keep its audit chain."""
    from matac_desk.storage import audit
    s = Store.open(path, PASSPHRASE, migrate=False)
    try:
        assert s.scalar("PRAGMA integrity_check") == "ok"
        assert s.scalar("PRAGMA foreign_key_check") is None
        assert audit.verify(s.conn) == []
    except BaseException:
        s.close()
        raise
    return s


def damage_store(path, how: str) -> None:
    """Damage a store file: ``truncated`` to half, its ``header`` page overwritten, or a page in the ``middle``."""
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 2)
    elif how == "header":
        with open(path, "r+b") as fh:
            fh.seek(100)
            fh.write(b"\xff" * 64)
    elif how == "middle":
        with open(path, "r+b") as fh:
            fh.seek((size // 2) // 4096 * 4096)
            fh.write(os.urandom(4096))
