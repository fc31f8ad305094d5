"""Scoring commands: score, explain, history, snapshot, refer, nominations, gravity, scoring-config."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json

from ..analysis import nominations as nom
from ..analysis import scoring
from ..domain import UserError
from .common import TerminalProgress, emit, listing_options, open_store, print_rows, record_listing
from .common import date_arg
from .core import _positive as _count

__all__ = ["register", "SCORE_COLUMNS"]

SCORE_COLUMNS = ("rank", "perpetrator_id", "name", "score", "r", "f", "g", "v", "incidents", "victims",
                 "latest_incident", "serial", "division", "config_version")


def _points(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"points must be a whole number: {text!r}") from None


def register(sub) -> None:
    p = sub.add_parser("score", help="score and rank the perpetrators (RFGV)",
                       description="Score every perpetrator as of a date and print the ranking. CSV columns: "
                                   + ",".join(SCORE_COLUMNS) + ". Ranks are over everyone scored; filters "
                                   "keep each person's rank.")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_arg, help="score as of this date (default: today)")
    p.add_argument("--top", type=_count, help="only the first N (after the filters)")
    p.add_argument("--serial-only", action="store_true", help="only serial perpetrators")
    p.add_argument("--division", help="only perpetrators whose latest incident was in this division")
    p.add_argument("--snapshot", type=_count, metavar="ID", help="print a saved snapshot instead of scoring now")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing_options(p)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("explain", help="why a person scores what he scores: the incidents behind R, F, G and V")
    p.add_argument("store")
    p.add_argument("person_id", metavar="PERSON_ID")
    p.add_argument("--as-of", type=date_arg, help="default: today")
    p.add_argument("--format", choices=("text", "json"), default="text")
    listing_options(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("history", help="a person's score in every saved snapshot, and the trend")
    p.add_argument("store")
    p.add_argument("person_id", metavar="PERSON_ID")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing_options(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("snapshot", help="save the current ranking (per meeting or on demand), or list snapshots")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_arg, help="default: today")
    p.add_argument("--label", help='e.g. "June MATAC"')
    p.add_argument("--meeting", type=_count, metavar="ID", help="the meeting it belongs to")
    p.add_argument("--list", action="store_true", help="list the saved snapshots instead")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("refer", help="record a partner agency's referral of a person")
    p.add_argument("store")
    p.add_argument("person_id", metavar="PERSON_ID")
    p.add_argument("--agency", required=True, help='e.g. "Probation", "Housing", "IDVA service"')
    p.add_argument("--reason", required=True)
    p.add_argument("--referrer", help="who referred (name or role)")
    p.add_argument("--date", type=date_arg, help="date of the referral (default: today)")
    p.set_defaults(func=cmd_refer)

    p = sub.add_parser("nominations", help="top serial perpetrators not in the cohort, plus open referrals")
    p.add_argument("store")
    p.add_argument("--as-of", type=date_arg, help="default: today")
    p.add_argument("--top", type=_count, default=20, help="how many top-scoring perpetrators (default 20)")
    p.add_argument("--division")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    listing_options(p)
    p.set_defaults(func=cmd_nominations)

    p = sub.add_parser("gravity", help="the gravity table: list, unmapped offences, map one, import, profiles",
                       description="list: the active table with its Home Office codes. unmapped: offences in the "
                                   "store the table maps neither by code nor by wording, with their codes. "
                                   "set OFFENCE POINTS: map (or re-map) one offence's wording. code CODE OFFENCE "
                                   "[POINTS]: map a Home Office code to a row of the table in one step (POINTS adds "
                                   "an offence not in it). import FILE: replace the table with a CSV "
                                   "(offence,offence_code,points; offence,points; or offence,days, codes separated "
                                   "by ';'). export FILE: write the table. profile default|chi: use a shipped table "
                                   "(chi also sets gravity_mode sum). Each change is a new, audited configuration "
                                   "version.")
    p.add_argument("store")
    p.add_argument("action", choices=("list", "unmapped", "set", "code", "import", "export", "profile"))
    p.add_argument("args", nargs="*", metavar="ARG")
    p.add_argument("--reason", help="why (kept with the configuration version and in the audit log)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_gravity)

    p = sub.add_parser("scoring-config", help="show or change the scoring configuration (versioned)",
                       description="show: the active settings and the rules in one sentence. history: every "
                                   "version. set KEY VALUE: change one setting (bands as '0-30=5, 31-90=4, ...', "
                                   "'8+=5' for 'and above'; gravity_mode max or sum; serial_unconnected_victims on "
                                   "or off). restore VERSION: make an old version's settings active again (all of "
                                   "them, the gravity table included).")
    p.add_argument("store")
    p.add_argument("action", choices=("show", "history", "set", "restore"))
    p.add_argument("args", nargs="*", metavar="ARG")
    p.add_argument("--reason", help="why (kept with the version and in the audit log)")
    p.set_defaults(func=cmd_config)


def _score_rows(store, scores) -> list[dict]:
    names = scoring.person_names(store, [s.perpetrator_id for s in scores])
    rows = []
    for s in scores:
        row = dataclasses.asdict(s)
        row["name"] = names.get(s.perpetrator_id, "(name not recorded)")
        rows.append(row)
    return rows


def cmd_score(args) -> int:
    store = open_store(args.store)
    try:
        if args.snapshot:
            if args.as_of:
                raise UserError("--snapshot shows the date it was taken for; leave out --as-of")
            snap = nom.get_snapshot(store, args.snapshot)
            scores = nom.snapshot_scores(store, snap.id)
            as_of = snap.as_of
        else:
            stored = scoring.ensure_active_config(store)
            bar = TerminalProgress("Scoring")
            try:
                scores = scoring.score_all(store, args.as_of, stored.config, version=stored.version, progress=bar)
            finally:
                bar.finish()
            as_of = (args.as_of or _dt.date.today()).isoformat()
        if args.serial_only:
            scores = [s for s in scores if s.serial]
        if args.division:
            want = args.division.strip().casefold()
            scores = [s for s in scores if (s.division or "").casefold() == want]
        if args.top:
            scores = scores[:args.top]
        rows = _score_rows(store, scores)
        record_listing(store, "score", rows, args.format, args, person_keys=("perpetrator_id",),
                       filters=("snapshot", "as_of", "serial_only", "division", "top"), extra={"as_of": as_of})
    finally:
        store.close()
    print_rows(rows, SCORE_COLUMNS, args.format)
    return 0


def _explanation_json(e: scoring.Explanation) -> dict:
    d = dataclasses.asdict(e)
    del d["config"]
    return d


def cmd_explain(args) -> int:
    store = open_store(args.store)
    try:
        stored = scoring.ensure_active_config(store)
        e = scoring.explain(store, args.person_id, args.as_of, stored.config, version=stored.version,
                            with_rank=True)
        record_listing(store, "explain", len(e.incidents), args.format, args,
                       persons=[e.person_id, *e.records, *e.victim_ids, *e.serial_victim_ids,
                                *(v for ln in e.incidents for v in ln.victim_ids)],
                       filters=("person_id", "as_of"),
                       extra={"as_of": e.as_of, "config_version": e.config_version})
    finally:
        store.close()
    if args.format == "json":
        emit(json.dumps(_explanation_json(e), indent=2, ensure_ascii=False, default=str))
    else:
        for line in e.lines():
            emit(line)
    return 0


def cmd_history(args) -> int:
    store = open_store(args.store)
    try:
        points = nom.score_history(store, args.person_id)
        tr = nom.trend(store, args.person_id)
        root = scoring.resolve_person(store, args.person_id)
        rows = _history_rows(points)
        record_listing(store, "history", rows, args.format, args, persons=[root], filters=("person_id",))
    finally:
        store.close()
    print_rows(rows, ["snapshot", "as_of", "label", "meeting", "config_version", "score", "rank", "r", "f", "g",
                      "v", "serial"], args.format,
               empty=f"{root}: in no saved snapshot yet (matac-desk snapshot STORE saves one)")
    if args.format == "table" and tr.current is not None:
        change = "" if tr.change is None else f" ({tr.change:+g})"
        emit(f"trend since the previous snapshot: {tr.direction}{change}")
    return 0


def _history_rows(points) -> list[dict]:
    rows = []
    for p in points:
        s = p.score
        rows.append({"snapshot": p.snapshot.id, "as_of": p.snapshot.as_of, "label": p.snapshot.label,
                     "meeting": p.snapshot.meeting_id, "config_version": p.snapshot.config_version,
                     "score": s.score if s else None, "rank": s.rank if s else None,
                     "r": s.r if s else None, "f": s.f if s else None, "g": s.g if s else None,
                     "v": s.v if s else None, "serial": s.serial if s else None})
    return rows


def cmd_snapshot(args) -> int:
    store = open_store(args.store)
    try:
        if args.list:
            if args.as_of or args.label or args.meeting:
                raise UserError("--list takes no other option")
            snaps = nom.list_snapshots(store)
            if not snaps:
                emit("No snapshots saved yet.")
                return 0
            print_rows([dataclasses.asdict(s) for s in snaps],
                       ["id", "as_of", "label", "meeting_id", "config_version", "persons", "taken_at", "taken_by"])
            return 0
        bar = TerminalProgress("Snapshot")
        try:
            snap = nom.take_snapshot(store, args.as_of, args.label, args.meeting, progress=bar)
        finally:
            bar.finish()
    finally:
        store.close()
    emit(f"Saved snapshot {snap.id}: {snap.persons:,} perpetrators scored as of {snap.as_of} "
         f"with configuration version {snap.config_version}")
    return 0


def cmd_refer(args) -> int:
    store = open_store(args.store)
    try:
        ref = nom.refer(store, args.person_id, args.agency, args.referrer, args.reason, args.date)
        scored = scoring.score_person(store, ref.person_id, None, scoring.ensure_active_config(store).config)
    finally:
        store.close()
    emit(f"Recorded referral {ref.id} of {ref.person_id} by {ref.agency} on {ref.date}; "
         "it stays among the nominations until a meeting decides on it.")
    if scored:
        emit(f"Score today: {scored.score} (R {scored.r}, F {scored.f}, G {scored.g}, V {scored.v}), "
             f"serial: {'yes' if scored.serial else 'no'}")
    else:
        emit("No incident as perpetrator in the scoring window: not scored.")
    return 0


def cmd_nominations(args) -> int:
    store = open_store(args.store)
    try:
        scoring.ensure_active_config(store)
        bar = TerminalProgress("Scoring")
        try:
            noms = nom.nominations(store, args.as_of, args.top, args.division, progress=bar)
        finally:
            bar.finish()
        rows = _nomination_rows(noms)
        record_listing(store, "nominations", rows, args.format, args, person_keys=("perpetrator_id",),
                       filters=("as_of", "top", "division"))
    finally:
        store.close()
    print_rows(rows, ["rank", "perpetrator_id", "name", "score", "r", "f", "g", "v", "incidents", "victims",
                      "latest_incident", "serial", "division", "reasons", "in_cohort", "referred_by"], args.format,
               empty="No nominations: no serial perpetrator outside the cohort and no open referral.")
    return 0


def _nomination_rows(noms) -> list[dict]:
    rows = []
    for n in noms:
        s = n.score
        rows.append({"rank": s.rank if s else None, "perpetrator_id": n.person_id, "name": n.name,
                     "score": s.score if s else None, "r": s.r if s else None, "f": s.f if s else None,
                     "g": s.g if s else None, "v": s.v if s else None,
                     "incidents": s.incidents if s else 0, "victims": s.victims if s else 0,
                     "latest_incident": s.latest_incident if s else None,
                     "serial": s.serial if s else False, "division": n.division,
                     "reasons": "+".join(n.reasons), "in_cohort": n.in_cohort,
                     "referred_by": "; ".join(f"{r.agency} {r.date}" for r in n.referrals)})
    return rows


def _need(args, n: int, usage: str) -> list[str]:
    if len(args.args) != n:
        raise UserError(f"usage: {usage}")
    return args.args


def _changed(old, new, what: str) -> None:
    if new.version == old.version:
        emit(f"No change: {what} is already so (configuration version {new.version}).")
    else:
        emit(f"{what}: now configuration version {new.version} (was {old.version or 'the built-in default'}).")


def cmd_gravity(args) -> int:
    store = open_store(args.store)
    try:
        act = args.action
        if act == "list":
            _need(args, 0, "gravity STORE list")
            cfg = scoring.active_config(store)
            points = cfg.config.gravity_points()
            rows = [{"offence": e.offence, "points": points[e.key], "days": e.days,
                     "offence_code": ";".join(e.codes)} for e in cfg.config.gravity]
            rows.sort(key=lambda r: (-r["points"], r["offence"].casefold()))
            print_rows(rows, ["offence", "points", "days", "offence_code"], args.format)
            if args.format == "table":
                emit(f"({len(rows)} offences; source {cfg.config.gravity_source}; configuration version "
                     f"{cfg.version or 'built-in default'}; G is the "
                     + ("highest gravity of one offence" if cfg.config.gravity_mode == "max" else
                        "sum of each incident's highest gravity, banded "
                        + scoring.format_bands(cfg.config.gravity_sum_bands))
                     + f"; unmapped offences score {cfg.config.unmapped_points})")
            return 0
        if act == "unmapped":
            _need(args, 0, "gravity STORE unmapped")
            found = scoring.unmapped_offences(store)
            if not found and args.format == "table":
                emit("Every offence in the store is in the gravity table.")
                return 0
            print_rows([dataclasses.asdict(u) for u in found], ["offence", "code", "incidents", "latest"],
                       args.format)
            if args.format == "table" and any(u.code for u in found):
                emit("(map a code in one step: matac-desk gravity STORE code CODE OFFENCE)")
            return 0
        if act == "export":
            (path,) = _need(args, 1, "gravity STORE export FILE")
            cfg = scoring.active_config(store)
            scoring.write_gravity_csv(path, cfg.config.gravity)
            emit(f"Wrote {len(cfg.config.gravity)} offences to {path}")
            return 0
        old = scoring.active_config(store)
        if act == "set":
            offence, pts = _need(args, 2, "gravity STORE set OFFENCE POINTS")
            try:
                points = _points(pts)
            except argparse.ArgumentTypeError as e:
                raise UserError(str(e)) from None
            new = scoring.set_gravity_points(store, offence, points, reason=args.reason)
            _changed(old, new, f"{' '.join(offence.split())} = {points} points")
        elif act == "code":
            if len(args.args) not in (2, 3):
                raise UserError("usage: gravity STORE code CODE OFFENCE [POINTS]")
            code, offence = args.args[:2]
            points = None
            if len(args.args) == 3:
                try:
                    points = _points(args.args[2])
                except argparse.ArgumentTypeError as e:
                    raise UserError(str(e)) from None
            new = scoring.set_gravity_code(store, code, offence, points, reason=args.reason)
            _changed(old, new, f"code {code.strip()} = {' '.join(offence.split())}"
                     + (f" ({points} points)" if points is not None else ""))
        elif act == "import":
            (path,) = _need(args, 1, "gravity STORE import FILE")
            new = scoring.import_gravity(store, path, reason=args.reason)
            _changed(old, new, f"gravity table from {path} ({len(new.config.gravity)} offences)")
        else:
            (name,) = _need(args, 1, "gravity STORE profile " + "|".join(scoring.GRAVITY_PROFILES))
            new = scoring.use_gravity_profile(store, name, reason=args.reason)
            _changed(old, new, f"gravity profile {name}")
        return 0
    finally:
        store.close()


def cmd_config(args) -> int:
    store = open_store(args.store)
    try:
        act = args.action
        if act == "show":
            _need(args, 0, "scoring-config STORE show")
            cur = scoring.active_config(store)
            emit(f"Scoring configuration version {cur.version or '(built-in default, not saved yet)'}"
                 + (f", saved {cur.created_at} by {cur.created_by}" if cur.version else ""))
            for key, value in cur.config.settings().items():
                if key.endswith("_bands"):
                    value = scoring.format_bands(value)
                elif isinstance(value, bool):
                    value = "on" if value else "off"
                emit(f"  {key:<22} {value}")
            emit(f"  {'gravity':<22} {len(cur.config.gravity)} offences (matac-desk gravity STORE list)")
            emit(f"Rules: {scoring.rules_sentence(cur.config)}")
            return 0
        if act == "history":
            _need(args, 0, "scoring-config STORE history")
            hist = scoring.config_history(store)
            if not hist:
                emit("No configuration saved yet: the built-in default is in use.")
                return 0
            rows = []
            prev = None
            for h in hist:
                changed = h.config.changed_settings(prev.config) if prev else []
                rows.append({"version": h.version, "active": h.active, "created_at": h.created_at,
                             "created_by": h.created_by, "reason": h.reason, "changed": ", ".join(changed)})
                prev = h
            print_rows(rows, ["version", "active", "created_at", "created_by", "changed", "reason"])
            return 0
        old = scoring.active_config(store)
        if act == "set":
            key, value = _need(args, 2, "scoring-config STORE set KEY VALUE")
            new = scoring.set_config_value(store, key, value, reason=args.reason)
            _changed(old, new, f"{key} = {value}")
        else:
            (ver,) = _need(args, 1, "scoring-config STORE restore VERSION")
            try:
                version = int(ver)
            except ValueError:
                raise UserError(f"version {ver!r}: a whole number") from None
            new = scoring.restore_config(store, version, reason=args.reason)
            _changed(old, new, f"settings of version {version}")
        return 0
    finally:
        store.close()
