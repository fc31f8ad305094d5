"""Anchors: the audit chain's head written where an edit of the store file does not reach.

The hash chain (:mod:`.audit`) shows an entry edited or deleted *inside*
the chain; someone holding the passphrase can still recompute every hash
after an edit, cut entries off the end, wipe the log or append an entry
with a correct hash. An *anchor* is a pair ``(entry id, hash)`` kept
outside the store; the live chain must contain every anchor found, with
the same hash, or the log was rewritten.

Anchors are kept in three places:

- a **sidecar** per store in the user's configuration folder
  (``<config>/matac-desk/anchors/<store id>.json``, owner-only), signed with
  an HMAC key held in the store. Every write transaction that adds audit
  entries records, just before it commits, the head it leaves (``pending``:
  the head before and after); the next transaction confirms it (or drops it
  when it was rolled back). The store's close adds a confirmed anchor.
  Confirmed anchors are kept: the latest 50 and the first of each day, so
  recomputing the chain after an edit is caught by any older anchor. A
  head that moved without a sidecar record (entries appended outside MATAC
  Desk) is caught at the next write or check, and recorded as a *break*
  that stays in the sidecar;
- a signed ``<backup>.anchor`` beside every backup: the backup's own head;
- the cover of every printed pack and profile ("Audit head 1,204 · 3fa9…",
  :func:`~matac_desk.storage.audit.head_display`); checked by hand with
  ``matac-desk audit STORE --verify --anchor 1204:3fa9``.

:func:`verify_log` walks the chain (:func:`~matac_desk.storage.audit.verify`)
and then checks the triggers that keep the log append-only, that the log
is not empty and begins at entry 1, and every anchor it can find. What it
does not catch is written in docs/security.md: someone who also deletes
every sidecar and every backup's anchor is caught only by printed anchors.

A restore (:func:`set_aside_after`) sets aside the anchors newer than the
restored backup (they belong to the timeline the restore abandoned); they
are counted in the report, not checked.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from . import audit

__all__ = ["STORE_ID_KEY", "ANCHOR_KEY", "anchor_folder", "sidecar_path", "store_id", "record_pending",
           "record_anchor", "write_backup_anchor", "backup_anchor_path", "set_aside_after", "parse_anchor",
           "Anchor", "LogReport", "verify_log", "expected_triggers", "trigger_problems", "owner_only",
           "quick_page_check", "new_store_secrets"]

STORE_ID_KEY = "store_id"
ANCHOR_KEY = "anchor_key"
_KEEP_LATEST = 50
_ANCHOR_SUFFIX = ".anchor"


def owner_only(path: Path, *, folder: bool = False) -> None:
    """Mode 0600 (0700 for a folder) on POSIX; on Windows the user profile's ACL is inherited."""
    if os.name == "nt":  # pragma: no cover - Windows: the folder's ACL applies
        return
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700 if folder else 0o600)


def anchor_folder() -> Path:
    """``<user config>/matac-desk/anchors`` (platformdirs), made owner-only on first use."""
    import platformdirs
    folder = Path(platformdirs.user_config_dir("matac-desk", appauthor=False)) / "anchors"
    return folder


def _setting(conn, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else None


def store_id(conn) -> str | None:
    """The store's own id (settings ``store_id``, made by migration 0009_audit_anchors)."""
    return _setting(conn, STORE_ID_KEY)


def _key(conn) -> bytes | None:
    value = _setting(conn, ANCHOR_KEY)
    return bytes.fromhex(value) if value else None


def sidecar_path(sid: str) -> Path:
    return anchor_folder() / f"{re.sub(r'[^A-Za-z0-9_-]', '', sid)}.json"


def _sign(key: bytes, body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def _read_signed(path: Path, key: bytes | None) -> tuple[dict | None, str | None]:
    """The file's body, or None and why it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sig = data.pop("signature")
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return None, "cannot be read (damaged, or not an anchor file)"
    if key is None or not hmac.compare_digest(str(sig), _sign(key, data)):
        return None, "its signature does not match this store's key (edited outside MATAC Desk, or the store's key " \
                     "was changed)"
    return data, None


def _write_signed(path: Path, key: bytes, body: dict, *, sync: bool = False) -> None:
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    owner_only(folder, folder=True)
    data = dict(body, signature=_sign(key, body))
    fd, tmp = tempfile.mkstemp(prefix=".anchor-", suffix=".partial", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, sort_keys=True, indent=1)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        owner_only(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _load_live(conn, sid: str, key: bytes) -> tuple[dict, str | None]:
    path = sidecar_path(sid)
    if not path.exists():
        return {"format": 1, "store_id": sid, "anchors": [], "pending": None, "breaks": [], "set_aside": 0}, None
    body, why = _read_signed(path, key)
    if body is None:
        return {"format": 1, "store_id": sid, "anchors": [], "pending": None, "breaks": [], "set_aside": 0}, why
    return body, None


def _prune(anchors: list[dict]) -> list[dict]:
    """The latest :data:`_KEEP_LATEST` anchors and the first one of each day; oldest first, one per id."""
    by_id: dict[int, dict] = {}
    for a in anchors:
        by_id.setdefault(a["id"], a)
    ordered = sorted(by_id.values(), key=lambda a: a["id"])
    keep = {a["id"] for a in ordered[-_KEEP_LATEST:]}
    days: set[str] = set()
    for a in ordered:
        day = a["at"][:10]
        if day not in days:
            days.add(day)
            keep.add(a["id"])
    return [a for a in ordered if a["id"] in keep]


def _in_chain(conn, anchor_id: int, anchor_hash: str) -> bool:
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [anchor_id]).fetchone()
    return bool(row) and row[0] == anchor_hash


def _latest_known(body: dict) -> list | None:
    """The newest head MATAC Desk wrote down: the pending one, else the newest anchor."""
    if body.get("pending"):
        return body["pending"]["new"]
    anchors = body.get("anchors") or []
    return [anchors[-1]["id"], anchors[-1]["hash"]] if anchors else None


def _settle_pending(conn, body: dict, base: tuple[int, str] | None) -> None:
    """Compare the head seen now (``base``) with the last one written down, and confirm it.

    The head is either the one the last transaction left (committed) or
    the one it began from (rolled back); after a close, the last anchor.
    A head *past* it means entries were appended outside MATAC Desk: a
    break, kept in the sidecar for every later check. (A head that lost
    entries or was rewritten is caught by the anchors themselves.)
    """
    p = body.get("pending")
    now = list(base) if base else None
    latest = _latest_known(body)
    if p:
        before, after = p.get("base"), p["new"]
        if now == after:
            body["anchors"].append({"id": after[0], "hash": after[1], "at": p["at"], "why": "committed"})
        if before:
            body["anchors"].append({"id": before[0], "hash": before[1], "at": p["at"], "why": "committed"})
        body["pending"] = None
        if now in (after, before):
            return
    if latest and now and now != latest and now[0] > latest[0] and _in_chain(conn, latest[0], latest[1]):
        body.setdefault("breaks", []).append({"expected": latest, "found": now, "seen": _now()})


def record_pending(store, base: tuple[int, str] | None, new: tuple[int, str]) -> None:
    """Inside a write transaction, before its COMMIT: the head it began from and the one it leaves.

    Called by :meth:`Store.transaction`; the SQLite write lock keeps two
    writers from updating the sidecar at once. A sidecar that cannot be
    written is a warning on the store, not a failed change.
    """
    conn = store.conn
    sid, key = store_id(conn), _key(conn)
    if not sid or not key:
        return
    try:
        body, why = _load_live(conn, sid, key)
        if why:
            body.setdefault("breaks", []).append({"unreadable": why, "seen": _now()})
        _settle_pending(conn, body, base)
        body["pending"] = {"base": list(base) if base else None, "new": list(new), "at": _now()}
        body["path"] = str(Path(store.path).resolve())
        body["anchors"] = _prune(body["anchors"])
        _write_signed(sidecar_path(sid), key, body)
    except OSError as e:
        _warn_once(store, f"the audit anchor could not be written to {anchor_folder()} ({e.strerror or e})")


def _warn_once(store, text: str) -> None:
    warnings = getattr(store, "warnings", None)
    if warnings is not None and text not in warnings:
        warnings.append(text)


def record_anchor(store, why: str = "closed", *, sync: bool = True) -> tuple[int, str] | None:
    """Add the current head to the store's sidecar as a confirmed anchor (at close, on export); returns it."""
    conn = store.conn
    if conn.in_transaction:  # not committed yet: the commit's own record covers it
        return None
    sid, key = store_id(conn), _key(conn)
    head = audit.head(conn)
    if not sid or not key or head is None:
        return head
    try:
        body, why_bad = _load_live(conn, sid, key)
        latest = body["anchors"][-1] if body["anchors"] else None
        if (not why_bad and not body.get("pending") and latest and (latest["id"], latest["hash"]) == tuple(head)
                and why in ("closed", latest.get("why"))):
            return head  # nothing new since the last anchor
        if why_bad:
            body.setdefault("breaks", []).append({"unreadable": why_bad, "seen": _now()})
        _settle_pending(conn, body, head)
        body["anchors"].append({"id": head[0], "hash": head[1], "at": _now(), "why": why})
        body["anchors"] = _prune(body["anchors"])
        body["path"] = str(Path(store.path).resolve())
        _write_signed(sidecar_path(sid), key, body, sync=sync)
    except OSError as e:
        _warn_once(store, f"the audit anchor could not be written to {anchor_folder()} ({e.strerror or e})")
    return head


def backup_anchor_path(backup: Path) -> Path:
    return backup.with_name(backup.name + _ANCHOR_SUFFIX)


def write_backup_anchor(store, backup: Path, head: tuple[int, str] | None) -> None:
    """The signed ``<backup>.anchor`` beside a backup: the head the backup holds."""
    conn = store.conn
    sid, key = store_id(conn), _key(conn)
    if not sid or not key or head is None:
        return
    _write_signed(backup_anchor_path(backup), key,
                  {"format": 1, "store_id": sid, "backup": backup.name, "id": head[0], "hash": head[1],
                   "at": _now(), "set_aside": False}, sync=True)


def set_aside_after(store, head: tuple[int, str] | None, replaced_head: tuple[int, str] | None) -> int:
    """After a restore to ``head``: anchors past it belong to the abandoned timeline; set them aside.

    The live sidecar keeps a count and the replaced head; each backup anchor
    past ``head`` is marked set aside. Returns how many were set aside.
    """
    from .store import backups_folder
    conn = store.conn
    sid, key = store_id(conn), _key(conn)
    if not sid or not key:
        return 0
    limit = head[0] if head else 0
    n = 0
    body, _why = _load_live(conn, sid, key)
    kept = [a for a in body["anchors"] if a["id"] <= limit and _in_chain(conn, a["id"], a["hash"])]
    n += len(body["anchors"]) - len(kept)
    body["anchors"] = kept
    p = body.get("pending")
    if p and not _in_chain(conn, p["new"][0], p["new"][1]):  # the abandoned timeline's (a migration's stays)
        body["pending"] = None
    body["set_aside"] = int(body.get("set_aside", 0)) + n
    body.setdefault("restores", []).append({"restored_head": list(head) if head else None,
                                            "replaced_head": list(replaced_head) if replaced_head else None,
                                            "at": _now()})
    folder = backups_folder(store.path)
    for path in sorted(folder.glob("*" + _ANCHOR_SUFFIX)) if folder.is_dir() else []:
        data, bad = _read_signed(path, key)
        if data is None or data.get("store_id") != sid or data.get("set_aside"):
            continue
        if data["id"] > limit or not _in_chain(conn, data["id"], data["hash"]):
            data["set_aside"] = True
            with contextlib.suppress(OSError):
                _write_signed(path, key, data, sync=True)
            n += 1
    with contextlib.suppress(OSError):
        _write_signed(sidecar_path(sid), key, body, sync=True)
    return n


# ---------------------------------------------------------------- checking

@dataclass(frozen=True)
class Anchor:
    """An anchor to check: an entry id, its hash (or the hash's first characters, off paper), and where it came from."""
    id: int
    hash: str
    source: str


_ANCHOR_RE = re.compile(r"^\s*#?\s*([\d,\s]+?)\s*[:·/ ]\s*([0-9a-fA-F]{4,64})\s*…?\s*$")


def parse_anchor(text: str) -> Anchor:
    """``ID:HASH`` as read off a printed cover (``1204:3fa9``, ``1,204:3fa9…``); a ValueError names the value."""
    m = _ANCHOR_RE.match(text or "")
    if not m:
        raise ValueError(f"not an anchor (ID:HASH, e.g. 1204:3fa9c2): {text[:40]!r}")
    return Anchor(int(re.sub(r"[,\s]", "", m[1])), m[2].lower(), f"anchor {text.strip()[:40]} given")


def expected_triggers() -> dict[str, str]:
    """The append-only triggers as migration 0001 made them (normalised SQL)."""
    body = "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    return {name: _norm(f"CREATE TRIGGER {name} BEFORE {op} ON audit_log {body}")
            for name, op in (("audit_log_no_update", "UPDATE"), ("audit_log_no_delete", "DELETE"))}


def _norm(sql: str) -> str:
    return " ".join(sql.replace(";", "; ").split()).replace(" ;", ";").strip().rstrip(";").strip()


def trigger_problems(conn) -> list[str]:
    """The append-only triggers missing or altered, and any other trigger on the audit log."""
    found = {name: sql for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")}
    out = []
    for name, sql in expected_triggers().items():
        if name not in found:
            out.append(f"the append-only trigger {name} is missing (dropped): entries could be changed or deleted")
        elif _norm(found[name]) != sql:
            out.append(f"the append-only trigger {name} was altered: it no longer refuses every change")
    for name in sorted(set(found) - set(expected_triggers())):
        out.append(f"an unknown trigger {name} acts on the audit log")
    return out


@dataclass
class LogReport:
    """The audit log checked (:func:`verify_log`): the chain, its integrity around it, the anchors."""

    chain: audit.ChainReport
    problems: list[str] = field(default_factory=list)     # beyond the chain's own: triggers, anchors, emptiness
    anchors_checked: int = 0
    anchor_sources: list[str] = field(default_factory=list)
    set_aside: int = 0
    notes: list[str] = field(default_factory=list)        # not failures (first use on this computer...)
    page_check: str | None = None                          # "ok", a problem, or None when not run

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems

    def all_problems(self) -> list[str]:
        return [f"entry {p.entry_id}: {p.problem}" for p in self.chain.problems] + self.problems

    def lines(self) -> list[str]:
        c = self.chain
        if self.ok:
            out = [f"The audit log is intact: {c.entries:,} entries, each chained to the one before; "
                   + (f"{self.anchors_checked} anchor(s) kept outside the store match it"
                      + (f" ({', '.join(self.anchor_sources)})" if self.anchor_sources else "") + "."
                      if self.anchors_checked else
                      "no anchor kept outside the store was found to compare it with, so entries cut off the end "
                      "or a log rewritten whole would not show.")]
            if c.head_id is not None:
                out.append(f"Chain head: latest entry {c.head_id:,}, hash {c.head_hash[:16]} "
                           "(note it: a later check against it shows whether entries were cut or rewritten)")
        else:
            n = len(self.all_problems())
            out = [f"The audit log has been tampered with: {n} problem(s) in {c.entries:,} entries."]
            out += [f"  {p}" for p in self.all_problems()]
        if self.set_aside:
            out.append(f"{self.set_aside} anchor(s) were set aside by a restore (they belong to the store as it was "
                       "before) and are not checked.")
        out += self.notes
        if self.page_check is None:
            out.append("Pages: not checked here (matac-desk check runs the full page check).")
        elif self.page_check == "ok":
            out.append("Pages: every page passed SQLCipher's check (its HMAC).")
        elif self.page_check.startswith("not checked"):
            out.append(f"Pages: {self.page_check}.")
        else:
            out.append(f"Pages: {self.page_check}")
        return out

    @property
    def pages_ok(self) -> bool:
        """No page failed the page check (or it was not run)."""
        return self.page_check in (None, "ok") or self.page_check.startswith("not checked")


def _check_one(conn, a: Anchor, last: tuple[int, str] | None) -> str | None:
    row = conn.execute("SELECT hash FROM audit_log WHERE id = ?", [a.id]).fetchone()
    if row is None:
        if last is None or a.id > last[0]:
            end = f"the log ends at entry {last[0]:,}" if last else "the log is empty"
            return (f"{a.source} names entry {a.id:,}, but {end}: entries were cut off the end")
        return f"{a.source} names entry {a.id:,}, which is missing from the log (deleted or renumbered)"
    if not row[0].startswith(a.hash) or len(a.hash) < 4:
        return (f"{a.source} holds entry {a.id:,} with hash {a.hash[:12]}, but the log's entry {a.id:,} has "
                f"{row[0][:12]}: the log was rewritten (edited, renumbered or its hashes recomputed)")
    return None


def verify_log(store, *, paper: Iterable[Anchor] = (), page_check: bool = False) -> LogReport:
    """The chain, the append-only triggers, an empty or beheaded log, and every anchor found.

    ``paper``: anchors read off printed covers. ``page_check``: run
    SQLCipher's page check too (:func:`quick_page_check`). Read-only: a
    check writes nothing, not even an anchor.
    """
    conn = store.conn
    paper = list(paper)
    report = LogReport(audit.check_chain(conn))
    last = audit.head(conn)
    report.problems += trigger_problems(conn)
    first = conn.execute("SELECT min(id) FROM audit_log").fetchone()[0]
    if report.chain.entries == 0:
        held = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("persons", "incidents", "meetings", "import_batches"))
        report.problems.append(
            "the audit log is empty, but a store's log begins with its creation"
            + (f" and this store holds {held:,} record(s)" if held else "") + ": it was wiped")
    elif first != 1:
        report.problems.append(f"the log begins at entry {first:,}: entries 1..{first - 1:,} are missing "
                               "(cut off the beginning)")
    sid, key = store_id(conn), _key(conn)
    recorded = conn.execute("SELECT json_extract(detail, '$.store_id') FROM audit_log WHERE action = 'store.created'"
                            " AND json_valid(detail) ORDER BY id LIMIT 1").fetchone()
    if recorded and recorded[0] and recorded[0] != sid:
        report.problems.append("the store's id in its settings is not the one its creation entry records: it was "
                               "changed (so that its anchors are not found)")
    anchors: list[Anchor] = paper[:]
    if sid and key:
        live = sidecar_path(sid)
        found_live = live.exists()
        paths = [live] if found_live else []
        # the same store under another id (the id in its settings changed): found by its path
        here = str(Path(store.path).resolve())
        folder = anchor_folder()
        if folder.is_dir():
            for other in sorted(folder.glob("*.json")):
                if other == live:
                    continue
                with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                    body = json.loads(other.read_text(encoding="utf-8"))
                    # the same file path and anchors this chain holds: this store, its id changed (a store made
                    # again at the same path holds none of them, and is left alone)
                    if body.get("path") == here and any(_in_chain(conn, a["id"], a["hash"])
                                                        for a in body.get("anchors", [])[-20:]):
                        report.problems.append(f"the anchor file {other.name} is for this store's file but names "
                                               "another store id: the id in the store's settings was changed")
        for path in paths:
            body, why = _read_signed(path, key)
            if body is None:
                report.problems.append(f"the anchor file {path} {why}")
                continue
            report.anchor_sources.append("this computer's anchor file")
            report.set_aside += int(body.get("set_aside", 0))
            for a in body.get("anchors", []):
                anchors.append(Anchor(a["id"], a["hash"], f"the anchor of {a['at'][:16].replace('T', ' ')}"))
            for b in body.get("breaks", []):
                if "unreadable" in b:
                    report.problems.append(f"the anchor file was found unusable on {b['seen'][:10]}: "
                                           f"it {b['unreadable']}")
                else:
                    report.problems.append(
                        f"entries {b['expected'][0] + 1:,}..{b['found'][0]:,} (found on "
                        f"{b['seen'][:16].replace('T', ' ')} past entry {_fmt(b['expected'])}, the last one MATAC "
                        "Desk wrote down) are not anchored: appended outside MATAC Desk (or on another computer)")
            p = body.get("pending")
            if p:
                anchors.append(Anchor(p["new"][0], p["new"][1], "the anchor of the latest change")
                               if list(last or []) == p["new"] or not p.get("base") or last is None
                               or last[0] > p["new"][0]
                               else Anchor(p["base"][0], p["base"][1], "the anchor of the latest change"))
            latest = _latest_known(body)
            if latest and last and last[0] > latest[0] and _in_chain(conn, latest[0], latest[1]):
                report.problems.append(
                    f"entries {latest[0] + 1:,}..{last[0]:,} (past entry {latest[0]:,}, the last one MATAC Desk wrote "
                    "down) are not anchored: appended outside MATAC Desk (or on another computer)")
        if not found_live:
            report.notes.append("No anchor file for this store on this computer yet (it was made or last used "
                                "elsewhere); one is written at the next change.")
        from .store import backups_folder
        bfolder = backups_folder(store.path)
        n_backups = 0
        if bfolder.is_dir():
            for path in sorted(bfolder.glob("*" + _ANCHOR_SUFFIX)):
                body, why = _read_signed(path, key)
                if body is None:
                    report.problems.append(f"the backup anchor {path.name} {why}")
                    continue
                if body.get("store_id") != sid:
                    report.problems.append(f"the backup anchor {path.name} names another store id: the id in the "
                                           "store's settings was changed, or the folder holds another store's backups")
                    continue
                if body.get("set_aside"):
                    report.set_aside += 1
                    continue
                n_backups += 1
                anchors.append(Anchor(body["id"], body["hash"], f"the backup {body['backup']}"))
        if n_backups:
            report.anchor_sources.append(f"{n_backups} backup(s)")
    if paper:
        report.anchor_sources.append(f"{len(paper)} given")
    seen: set[tuple[int, str]] = set()
    for a in anchors:
        if (a.id, a.hash) in seen:
            continue
        seen.add((a.id, a.hash))
        report.anchors_checked += 1
        problem = _check_one(conn, a, last)
        if problem:
            report.problems.append(problem)
    if page_check:
        report.page_check = quick_page_check(conn)
    return report


def _fmt(pair) -> str:
    return "none" if not pair else f"{pair[0]:,} ({pair[1][:12]})"


def quick_page_check(conn) -> str:
    """SQLCipher's page check (every page's HMAC): ``ok`` or what failed, in words."""
    import sqlcipher3
    try:
        bad = conn.execute("PRAGMA cipher_integrity_check").fetchall()
    except sqlcipher3.DatabaseError as e:
        return f"the file cannot be read ({e})"
    if not bad:
        return "ok"
    return f"{len(bad)} page(s) fail their check (damaged): run matac-desk check, or restore a backup"


def new_store_secrets() -> dict[str, str]:
    """The settings migration 0009 makes: the store's id and its anchor-signing key."""
    return {STORE_ID_KEY: secrets.token_hex(12), ANCHOR_KEY: secrets.token_hex(32)}

