"""Realistic, entirely fictitious demo data.

The generator models offending *careers*: every perpetrator has one or more
intimate relationships in turn; incidents happen within them, mostly
against the partner of the day, sometimes against an ex-partner or a family
member. A small share of perpetrators are serial (several partners over the
years, many incidents, some with a new partner in the last weeks); most
are one-off. Three divisions, children linked to partners, intelligence
links, counter-allegations, shared victims and a seeded set of near-duplicate
person records (a typo, a dropped accent, swapped names) for the duplicate
finder to catch.

Deterministic: the same seed and the same ``as_of`` give the same data
(dates are drawn as days before ``as_of``, so a demo made today is as
recent as one made a year ago).

The generator yields canonical extract rows; ``write_csv`` streams them
to a file (a 1,000,000-row extract takes seconds) and ``fill_store``
imports them through the real importer.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..meeting import force
from ..domain import UserError, never_cancelled, no_progress
from ..intake.importer import CANONICAL_COLUMNS, ImportSummary, import_extract
from ..storage.store import Store

__all__ = ["DemoSpec", "DemoData", "generate", "write_csv", "fill_store", "DIVISIONS", "DEMO_AGENCIES"]

DIVISIONS = ("North", "Central", "South")
_DIV_CODE = {"North": "NT", "Central": "CE", "South": "ST"}

MALE = ("James", "Daniel", "Liam", "Connor", "Ryan", "Jamie", "Lee", "Craig", "Darren", "Wayne", "Scott",
        "Dean", "Kyle", "Jordan", "Michael", "David", "Paul", "Mark", "Stephen", "Gary", "Jason", "Carl",
        "Thomas", "Callum", "Lewis", "Nathan", "Adam", "Aaron", "Shane", "Sean", "Seán", "Łukasz", "Marek",
        "Piotr", "Tomasz", "José", "Mohammed", "Imran", "Bilal", "Tariq", "Kwame", "Tyrone", "Dariusz",
        "محمد", "عمران", "أحمد", "Ciarán", "Eoin", "Rhys", "Gethin", "Kieran", "Jack", "Harry", "Reece")
FEMALE = ("Emma", "Sarah", "Laura", "Gemma", "Kelly", "Lisa", "Nicola", "Amy", "Rebecca", "Hannah", "Chloe",
          "Chloë", "Zoë", "Zoe", "Siobhán", "Niamh", "Aoife", "Sinéad", "Róisín", "Jade", "Leanne", "Stacey",
          "Kirsty", "Danielle", "Samantha", "Charlotte", "Jessica", "Megan", "Shannon", "Courtney", "Agnieszka",
          "Małgorzata", "Renée", "Anaïs", "Fatima", "Aisha", "Ayesha", "Zainab", "Amira", "فاطمة", "عائشة",
          "زينب", "Precious", "Abena", "Olivia", "Sophie", "Lucy", "Ellie", "Katie", "Natalie", "Rachel")
CHILD = ("Alfie", "Oliver", "Noah", "Leo", "Freddie", "Isla", "Ava", "Mia", "Lily", "Poppy", "Evie", "Grace",
         "Ruby", "Maisie", "Harper", "Yusuf", "Maryam", "Zofia", "Oskar", "Ellis")
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
            "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
            "Clarke", "Patel", "Khan", "Ahmed", "Hussain", "Ali", "Begum", "Nowak", "Kowalczyk", "Wójcik",
            "Lewandowski", "Dvořák", "Müller", "O'Neill", "O'Brien", "Ó Briain", "Mac Giolla", "McDonald",
            "Murphy", "Kelly", "Doherty", "Fitzgerald", "Price", "Hughes", "Morgan", "Lloyd", "Okafor",
            "Mensah", "Boateng", "Campbell", "Stewart", "Harrison", "Marshall", "Fletcher", "Armstrong",
            "Smith-Jones", "Lloyd-Evans", "خان", "حسين", "علي", "Bennett", "Chapman", "Pearson")
STREETS = ("Acacia Road", "Station Road", "Church Lane", "Victoria Street", "Mill Lane", "Park Avenue",
           "Queen Street", "High Street", "Elm Grove", "Chapel Row", "Orchard Close", "Beech Crescent")
TOWNS = {"North": ("Northby", "Fellside", "Coldharbour"), "Central": ("Midtown", "Eastgate", "Riverside"),
         "South": ("Southwick", "Downham", "Marshfield")}

# (offence, weight, Home Office offence code as the default gravity table lists it; blank where the table
# has none, as many force extracts leave it)
OFFENCES = (
    ("Common assault", 30, ""), ("Assault occasioning actual bodily harm", 14, "8N"),
    ("Controlling or coercive behaviour", 10, "8/67"), ("Harassment", 9, "8L"),
    ("Criminal damage", 8, ""), ("Malicious communications", 6, "8R"),
    ("Non-crime domestic incident", 14, ""), ("Stalking", 3, "8Q"), ("Threats to kill", 2, "3B"),
    ("Breach of protective order", 4, ""), ("Non-fatal strangulation or suffocation", 2, ""),
    ("Public order offence", 3, "9A"), ("Sexual assault", 1, ""), ("Burglary dwelling", 1, ""),
    ("Wounding or inflicting GBH", 1, "8F"), ("Rape", 0.4, ""), ("False imprisonment", 0.3, ""),
    ("Disclosing private sexual images", 0.5, ""),
    # not in the default gravity table: shows up as unmapped
    ("Theft from the person", 0.6, "39"), ("Assault on emergency worker", 0.4, "104"),
)
_PARTNER_REL = ("girlfriend", "Girlfriend", "wife", "partner", "Partner", "cohabitee", "fiancée", "Wife")
_EX_REL = ("ex-girlfriend", "Ex-Girlfriend", "ex-wife", "Ex-Partner", "former partner", "Ex-Husband")
_FAMILY_REL = ("mother", "sister", "Mother", "daughter", "son", "brother")
_FAMILY_FOR_MALE_VICTIM = ("boyfriend", "husband", "Ex-Boyfriend")


@dataclass
class DemoSpec:
    seed: int = 7
    perpetrators: int | None = None
    incidents: int = 2500
    as_of: _dt.date = field(default_factory=_dt.date.today)
    years: int = 5


@dataclass
class Person:
    id: str
    forename: str
    surname: str
    dob: str
    male: bool


@dataclass
class DemoData:
    """What ``generate`` made besides the rows: links and the seeded duplicates."""
    persons: dict[str, Person] = field(default_factory=dict)
    links: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # a, b, relationship, first_seen, source
    duplicates: list[tuple[str, str, str]] = field(default_factory=list)        # id, duplicate id, how it differs
    serial_ids: list[str] = field(default_factory=list)


def _variant(rng: random.Random, fn: str, sn: str) -> tuple[str, str, str]:
    """A near-duplicate of a name, as record systems make them."""
    import unicodedata
    plain_fn = "".join(c for c in unicodedata.normalize("NFKD", fn) if not unicodedata.combining(c))
    how = rng.choice(("accent", "swap", "typo", "case", "hyphen"))
    if how == "accent" and plain_fn != fn:
        return plain_fn, sn, "accent dropped"
    if how == "swap":
        return sn, fn, "forename and surname swapped"
    if how == "case":
        return fn.upper(), sn.upper(), "capitals"
    if how == "hyphen" and len(sn) > 3:
        return fn, sn + "-" + rng.choice(SURNAMES[:20]), "double-barrelled"
    if len(sn) > 3:
        i = rng.randrange(1, len(sn) - 1)
        return fn, sn[:i] + sn[i + 1] + sn[i] + sn[i + 2:], "letters transposed"
    return fn, sn, "same name"


def generate(spec: DemoSpec, data: DemoData | None = None) -> Iterator[list[str]]:
    """Yield canonical extract rows (lists in ``CANONICAL_COLUMNS`` order).

    ``data`` (if given) is filled with persons, links and seeded duplicates
    as the rows are made; it is complete once the iterator is exhausted.
    """
    rng = random.Random(spec.seed)
    data = data if data is not None else DemoData()
    as_of = spec.as_of
    span = 365 * spec.years
    n_inc = max(1, spec.incidents)
    n_perp = spec.perpetrators or max(1, n_inc * 10 // 24)
    seq = [0]
    next_person = [0]
    offences = [o for o, _, _ in OFFENCES]
    codes = {o: c for o, _, c in OFFENCES}
    cum = []
    tot = 0.0
    for _, w, _ in OFFENCES:
        tot += w
        cum.append(tot)
    import bisect

    def new_person(male: bool, age_lo: int, age_hi: int, surname: str | None = None) -> Person:
        next_person[0] += 1
        pid = f"NM{next_person[0]:07d}"
        fn = rng.choice(MALE if male else FEMALE)
        sn = surname or rng.choice(SURNAMES)
        dob = as_of - _dt.timedelta(days=rng.randint(age_lo * 365 + 30, age_hi * 365))
        p = Person(pid, fn, sn, dob.isoformat(), male)
        data.persons[pid] = p
        return p

    def date_str(days_ago: int) -> str:
        return (as_of - _dt.timedelta(days=days_ago)).isoformat()

    # Types: 8% serial, 25% repeat, rest one-off; incidents shared out by weight.
    kinds = []
    for _ in range(n_perp):
        r = rng.random()
        kinds.append("serial" if r < 0.08 else "repeat" if r < 0.33 else "oneoff")
    counts = [4 if k == "serial" else 2 if k == "repeat" else 1 for k in kinds]
    remaining = n_inc - sum(counts)
    weights = [10 if k == "serial" else 2 if k == "repeat" else 0 for k in kinds]
    pool = [i for i, w in enumerate(weights) if w]
    if remaining > 0 and pool:
        wsum = list(__import__("itertools").accumulate(weights[i] for i in pool))
        for _ in range(remaining):
            counts[pool[bisect.bisect_left(wsum, rng.random() * wsum[-1])]] += 1
    elif remaining < 0:
        # fewer incidents than minimums: trim from the end
        i = len(counts) - 1
        while remaining < 0 and i >= 0:
            take = min(counts[i], -remaining)
            counts[i] -= take
            remaining += take
            i -= 1

    victims_pool: list[Person] = []
    dup_of: dict[str, Person] = {}
    made = 0
    for k, kind in enumerate(kinds):
        n_here = counts[k]
        if n_here <= 0:
            continue
        division = DIVISIONS[k % 3 if rng.random() < 0.85 else rng.randrange(3)]
        perp_male = rng.random() < 0.88
        perp = new_person(perp_male, 18, 58)
        if kind == "serial":
            data.serial_ids.append(perp.id)
        n_partners = (rng.randint(2, 6) if kind == "serial" else rng.choice((1, 1, 2)) if kind == "repeat" else 1)
        # relationship periods, oldest first, ending near as_of for the last one
        starts = sorted(rng.sample(range(30, span), min(n_partners, span - 30)), reverse=True)
        # some serial perpetrators have a brand new partner in the last weeks
        if kind == "serial" and rng.random() < 0.35:
            starts[-1] = rng.randint(1, 27)
        partners = []
        for s in starts:
            if victims_pool and rng.random() < 0.05:
                partner = rng.choice(victims_pool)  # already the victim of another perpetrator
            else:
                partner = new_person(not perp_male if rng.random() < 0.95 else perp_male, 17, 55)
                victims_pool.append(partner)
                if rng.random() < 0.4:
                    for _ in range(rng.randint(1, 3)):
                        child = new_person(rng.random() < 0.5, 0, 15, partner.surname)
                        child.forename = rng.choice(CHILD)
                        data.links.append((partner.id, child.id, "child", date_str(rng.randint(s, s + 400)),
                                           "children's services record"))
                if rng.random() < 0.015 and partner.id not in dup_of:
                    # a near-duplicate record of the same woman under another id
                    vfn, vsn, how = _variant(rng, partner.forename, partner.surname)
                    next_person[0] += 1
                    twin = Person(f"NM{next_person[0]:07d}", vfn, vsn, partner.dob, partner.male)
                    data.persons[twin.id] = twin
                    dup_of[partner.id] = twin
                    data.duplicates.append((partner.id, twin.id, how))
            partners.append((s, partner))
            if kind != "oneoff" and rng.random() < 0.3:
                data.links.append((perp.id, partner.id, "partner", date_str(s + rng.randint(0, 20)),
                                   rng.choice(("intelligence report", "neighbourhood team", "custody record"))))
        family = None
        town = rng.choice(TOWNS[division])
        for j in range(n_here):
            # which relationship: spread incidents over the partners
            pi = min(len(partners) - 1, int(j * len(partners) / n_here))
            start, partner = partners[pi]
            end = partners[pi + 1][0] if pi + 1 < len(partners) else 0
            days_ago = rng.randint(end, start) if start > end else start
            r = rng.random()
            if r < 0.82 or kind == "oneoff" and r < 0.9:
                victim, rel = partner, rng.choice(_PARTNER_REL if not partner.male else _FAMILY_FOR_MALE_VICTIM[:2])
            elif r < 0.92 and pi > 0:
                old = partners[pi - 1][1]
                victim, rel = old, rng.choice(_EX_REL if not old.male else _FAMILY_FOR_MALE_VICTIM[2:])
                victim = old
            else:
                if family is None:
                    family = new_person(rng.random() < 0.3, 40, 75, perp.surname)
                victim, rel = family, rng.choice(("father", "brother") if family.male else ("mother", "sister"))
            if victim.id in dup_of and rng.random() < 0.5:
                victim = dup_of[victim.id]
            seq[0] += 1
            day = as_of - _dt.timedelta(days=days_ago)
            ref = f"{_DIV_CODE[division]}-{day.year}-{seq[0]:07d}"
            off = offences[bisect.bisect_left(cum, rng.random() * tot)]
            offs = [off]
            if rng.random() < 0.08:
                off2 = offences[bisect.bisect_left(cum, rng.random() * tot)]
                if off2 != off:
                    offs.append(off2)
            victims = [(victim, rel)]
            if rng.random() < 0.03 and family is not None and family is not victim:
                victims.append((family, "father" if family.male else "mother"))
            dash = rng.choice(("standard", "standard", "standard", "medium", "medium", "high", ""))
            kids = str(rng.choice((0, 0, 0, 1, 1, 2, 3)))
            addr = f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {town}"
            pc = f"{_DIV_CODE[division]}{rng.randint(1, 19)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" \
                 f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            when = f"{day.isoformat()}T{rng.randint(0, 23):02d}:{rng.choice((0, 10, 15, 30, 45, 50)):02d}"
            for v, vrel in victims:
                for o in offs:
                    yield [ref, when, o, codes[o], perp.id, perp.forename, perp.surname, perp.dob,
                           v.id, v.forename, v.surname, v.dob, vrel, addr, pc, dash, kids, division]
            made += 1
            if rng.random() < 0.03 and victim is partner:
                # counter-allegation: she is recorded as the suspect once
                seq[0] += 1
                ref2 = f"{_DIV_CODE[division]}-{day.year}-{seq[0]:07d}"
                yield [ref2, when, "Common assault", codes["Common assault"], victim.id, victim.forename,
                       victim.surname, victim.dob, perp.id, perp.forename, perp.surname, perp.dob,
                       "boyfriend" if perp.male else "girlfriend", addr, pc, "standard", kids, division]


def write_csv(path: str | os.PathLike, spec: DemoSpec, *, max_rows: int | None = None,
              uk_dates: bool = False, encoding: str = "utf-8",
              progress: Callable[[int, int, str], None] = no_progress) -> int:
    """Write the demo extract as canonical CSV; returns the number of rows written."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.partial")
    n = 0
    try:
        with open(tmp, "w", encoding=encoding, errors="replace", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CANONICAL_COLUMNS)
            for row in generate(spec):
                if uk_dates:
                    row[1] = _uk(row[1])
                    row[7] = _uk(row[7])
                    row[11] = _uk(row[11])
                w.writerow(row)
                n += 1
                if n % 100000 == 0:
                    progress(n, max_rows or spec.incidents, f"{n:,} rows")
                if max_rows and n >= max_rows:
                    break
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n


def _uk(iso: str) -> str:
    if not iso:
        return iso
    d = iso[:10]
    out = f"{d[8:10]}/{d[5:7]}/{d[0:4]}"
    if len(iso) > 10:
        out += " " + iso[11:16]
    return out


def fill_store(store: Store, spec: DemoSpec, *, meetings: bool = True,
               progress: Callable[[int, int, str], None] = no_progress,
               cancelled: Callable[[], bool] = never_cancelled) -> tuple[ImportSummary, DemoData]:
    """Generate, import through the real importer, add links and (unless ``meetings=False``) a year of
    meetings; returns the import summary and manifest."""
    data = DemoData()
    folder = store.path.parent
    fd, name = tempfile.mkstemp(prefix=".matac-demo-", suffix=".csv", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CANONICAL_COLUMNS)
            w.writerows(generate(spec, data))
        summary = import_extract(store, name, today=spec.as_of, progress=progress, cancelled=cancelled,
                                 backup=False, source_name=f"demo extract (seed {spec.seed})")
    finally:
        os.unlink(name)
    _add_links_and_persons(store, data)
    force.save(store, force.ForceSettings(agencies=DEMO_AGENCIES))
    if meetings:
        progress(0, 1, "A year of meetings")
        add_meeting_year(store, spec)
        add_case_file(store, spec, data)
        add_follow_up(store, spec)
    return summary, data


def _add_links_and_persons(store: Store, data: DemoData) -> None:
    """Persons seen only through links (children), the seeded duplicate records, and the links themselves.

    A seeded near-duplicate record goes in even when no incident names it:
    such records come from other systems, and the duplicate finder must see
    the whole seeded set.
    """
    from ..domain import name_key, normalise_relationship
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    conn = store.conn
    with store.transaction():
        need = {a for a, *_ in data.links} | {b for _, b, *_ in data.links}
        need |= {x for pair in data.duplicates for x in pair[:2]}
        conn.executemany(
            "INSERT OR IGNORE INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            [(p.id, p.forename, p.surname, p.dob, name_key(p.forename, p.surname), now, now)
             for pid in sorted(need) for p in [data.persons[pid]]],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO links (person_a_id, person_b_id, relationship, relationship_kind, first_seen,"
            " source, entered_by) VALUES (?,?,?,?,?,?, 'demo')",
            [(a, b, rel, normalise_relationship(rel), first, src) for a, b, rel, first, src in data.links],
        )
        store.audit("demo.links", entity="store", detail={"links": len(data.links)})


# --------------------------------------------------------------------------
# A year of MATAC meetings, through the real services
# --------------------------------------------------------------------------

OFFENDER_MANAGERS = (
    ("DC Amy Reid", "North", "2024-03-14", False, 31, 5), ("DC Tom Birch", "North", None, True, 44, 6),
    ("PC Sara Quinn", "North", "2023-09-02", False, 49, 7),
    ("DC Omar Farouk", "Central", "2025-01-20", False, 27, 3), ("DC Helen Shaw", "Central", None, False, 38, 9),
    ("PC Ben Ashworth", "Central", "2022-11-08", False, 35, 4),
    ("DC Nia Roberts", "South", "2024-06-30", False, 29, 4), ("DC Paul Grant", "South", None, True, 41, 5),
    ("PC Kate Moss", "South", "2023-02-17", False, 33, 6),
)
DEMO_AGENCIES = force.DEFAULT_AGENCIES + ("Drug and alcohol service", "Education")
"""The demo force's partner agencies: the usual MATAC table and two more."""
AGENCIES = (("Sam Okafor", "Probation"), ("Jo Price", "Housing"), ("Priya Nair", "Children's Social Care"),
            ("Dr Alan Webb", "Health"), ("Megan Hale", "IDVA service"), ("Chris Doyle", "Drive"),
            ("Lisa Grant", "Adult Social Care"))
ACTIONS = (
    ("Police", "Arrest and interview for outstanding offence"), ("Police", "Bail conditions check at home address"),
    ("Police", "Apply for DVPN"), ("Probation", "Refer to Drive programme"),
    ("Probation", "Licence conditions review"), ("Housing", "Tenancy enforcement review"),
    ("Housing", "Sanctuary scheme assessment for the victim"), ("Children's Social Care", "Strategy discussion"),
    ("IDVA service", "Safety planning with the victim"), ("IDVA service", "Refer victim to MARAC"),
    ("Health", "Substance misuse service referral"), ("Drive", "Case manager allocation"),
)
MINUTES = (
    "Engaging poorly with probation; partners agree to escalate to enforcement if a further incident occurs.",
    "Attended two Drive sessions; victim reports fewer calls. Continue current plan.",
    "New relationship identified through intelligence; consider right-to-know disclosure.",
    "Breach of bail conditions reported by neighbours; police to arrest and interview.",
    "Housing confirm tenancy warning issued; substance misuse remains the main driver.",
)


def add_meeting_year(store: Store, spec: DemoSpec) -> None:
    """Thirteen four-weekly meetings ending after ``spec.as_of``: twelve held, one to come.

    Each held meeting adopts the top nominations, decides on referrals,
    agrees tactics and actions, records minutes and exits, all through the
    real services, so every screen and pack has something true to show.
    """
    from ..meeting import actions, cohort, meetings, workload
    from ..analysis import nominations

    rng = random.Random(spec.seed * 7919 + 1)
    as_of = spec.as_of
    first = as_of - _dt.timedelta(days=12 * 28 - rng.randint(1, 20))
    for name, division, mosovo, waiting, other, other_hr in OFFENDER_MANAGERS:
        workload.add_om(store, name, division, mosovo_completed_on=mosovo, mosovo_waiting=waiting,
                        other_cases=other, other_high_risk=other_hr)
    ids = meetings.schedule_year(store, first, count=13, chair="DCI Rachel Hart")
    toolkit = [t["name"] for t in cohort.toolkit(store)]
    open_actions: list[int] = []
    for i, mid in enumerate(ids[:-1]):
        m = meetings.meeting(store, mid)
        day = _dt.date.fromisoformat(m.date)
        if day > as_of:
            break
        for name, agency in AGENCIES:
            meetings.add_attendee(store, mid, name, agency, apology=rng.random() < 0.12)
        # partner referrals arrive between meetings
        if rng.random() < 0.6:
            cand = store.conn.execute(
                "SELECT DISTINCT v.perpetrator_id FROM involvements v JOIN incidents i ON i.ref = v.incident_ref"
                " WHERE i.date BETWEEN ? AND ? ORDER BY v.perpetrator_id",
                [(day - _dt.timedelta(days=60)).isoformat(), (day - _dt.timedelta(days=3)).isoformat()]).fetchall()
            if cand:
                pid = rng.choice(cand)[0]
                if not cohort.in_cohort(store, pid, day):
                    agency, reason = rng.choice((("Probation", "Escalating behaviour towards a new partner"),
                                                 ("IDVA service", "Victim reports stalking after separation"),
                                                 ("MARAC", "Repeat MARAC case"), ("MAPPA", "Category 3 nominal")))
                    nominations.refer(store, pid, agency, None, reason, (day - _dt.timedelta(days=5)).isoformat())
        # earlier actions move on
        for aid in list(open_actions):
            r = rng.random()
            if r < 0.45:
                actions.update_action(store, aid, status="done", note="Completed", on=day - _dt.timedelta(days=2))
                open_actions.remove(aid)
            elif r < 0.6:
                actions.update_action(store, aid, status="in progress", note="Under way", on=day - _dt.timedelta(days=3))
        members = [c.person_id for c in cohort.cohort(store, day)]
        # exits: someone in the cohort for four meetings or more
        for pid in members:
            adopted = cohort.membership_history(store, pid)[-1].date
            if (day - _dt.date.fromisoformat(adopted)).days >= 112 and rng.random() < 0.18:
                meetings.record_decision(store, mid, pid, "exit", reason=rng.choice(
                    ("sustained reduction in offending", "sustained reduction in offending", "custody",
                     "moved out of area", "transferred to MAPPA or another process")))
            else:
                meetings.record_decision(store, mid, pid, "continue")
                if rng.random() < 0.35:
                    meetings.add_minutes(store, mid, pid, rng.choice(MINUTES))
        noms = nominations.nominations(store, as_of=day, top_n=5)
        adopt_n = 3 if i < 3 else rng.choice((1, 2, 2, 3))
        decided = {d["person_id"] for d in meetings.decisions(store, meeting_id=mid)}
        for n in noms:
            if n.in_cohort or n.person_id in decided:
                continue
            if adopt_n > 0 and (n.score is not None) and (n.referrals or rng.random() < 0.85):
                meetings.record_decision(store, mid, n.person_id, "adopt")
                _set_up_subject(store, rng, n, mid, day, toolkit, open_actions)
                adopt_n -= 1
            elif n.referrals:
                meetings.record_decision(store, mid, n.person_id, "do not adopt",
                                         reason="Below threshold; managed through IOM")
        meetings.mark_held(store, mid, today=day)
    if meetings.next_meeting(store, as_of) is None:
        meetings.schedule_meeting(store, chair="DCI Rachel Hart")


def _set_up_subject(store: Store, rng: random.Random, n, mid: int, day: _dt.date, toolkit: list[str],
                    open_actions: list[int]) -> None:
    from ..meeting import actions, cohort, workload
    pid = n.person_id
    division = n.division or rng.choice(DIVISIONS)
    best = workload.suggest_om(store, division, day)
    if best is not None:
        workload.allocate(store, pid, best.om_id, as_of=day)
    details = {"risk_level": rng.choice(("medium", "high", "high")), "risk_weapons": rng.random() < 0.2,
               "risk_substance_misuse": rng.random() < 0.5, "risk_mental_health": rng.random() < 0.3,
               "iom": rng.random() < 0.3, "marac": rng.random() < 0.5}
    if rng.random() < 0.3:
        details |= {"mappa_category": 3, "mappa_level": rng.choice((1, 2, 2, 3))}
    cohort.set_subject_details(store, pid, **details)
    victim = store.scalar(
        "SELECT v.victim_id FROM involvements v JOIN incidents i ON i.ref = v.incident_ref WHERE v.perpetrator_id = ?"
        " AND i.date <= ? ORDER BY i.date DESC LIMIT 1", [pid, day.isoformat()])
    if victim and rng.random() < 0.5:
        kind = rng.choice(("restraining order", "DVPO", "bail conditions", "non-molestation order"))
        end = None if kind == "restraining order" else (day + _dt.timedelta(days=28 if kind == "DVPO" else 90))
        cohort.add_order(store, pid, kind, day - _dt.timedelta(days=rng.randint(1, 20)), end, victim,
                         "No contact with the protected person; not to attend her address")
    if victim and rng.random() < 0.3:
        cohort.record_disclosure(store, pid, "right to know", day + _dt.timedelta(days=7), disclosed_to_id=victim,
                                 decision=rng.choice(("disclosed", "disclosed", "pending")))
    for t in rng.sample(toolkit, 2):
        cohort.agree_tactic(store, pid, t, meeting_id=mid, on=day)
    for agency, what in rng.sample(ACTIONS, rng.randint(1, 3)):
        aid = actions.add_action(store, pid, agency, what, owner=None if agency != "Police" else "DC on the OM team",
                                 due=day + _dt.timedelta(days=rng.choice((14, 21, 28))), meeting_id=mid)
        open_actions.append(aid)


# --------------------------------------------------------------------------
# The case file: plans, Clare's Law, orders in detail, victim support, equality, grading
# --------------------------------------------------------------------------

# England and Wales, 2021 Census, roughly: the shares the demo draws ethnicity codes with
_ETHNICITY_SHARES = (("W1", 740), ("W2", 9), ("W3", 1), ("W4", 2), ("W5", 62), ("A1", 31), ("A2", 27), ("A3", 11),
                     ("A4", 7), ("A5", 16), ("B1", 25), ("B2", 10), ("B3", 5), ("M1", 9), ("M2", 4), ("M3", 8),
                     ("M4", 6), ("O1", 6), ("O2", 16), ("NS", 30))
_GRADES = ("1A P", "1B P", "2B P", "2C P", "2B P", "3C P", "2C C", "3D C", "1B C")
_PLAN = {
    "supervision": ("Fortnightly home visits by the OM; monthly joint visit with probation", "Police"),
    "monitoring": ("Bail and order conditions checked weekly; ANPR marker on his vehicle", "Police"),
    "interventions": ("Drive case manager allocated; substance misuse service referral", "Drive"),
    "victim_safety": ("IDVA safety plan with the current partner; sanctuary scheme assessment", "IDVA service"),
}
_SUPPORT_SERVICES = ("IDVA", "IDVA", "IDVA", "Outreach service", "Refuge")


def add_case_file(store: Store, spec: DemoSpec, data: DemoData | None = None) -> None:
    """Fill the case file for the demo through the real services: every screen of it has something true to show."""
    from ..intake import equality as eq
    from ..meeting import clares_law, cohort, orders, plans, support
    from ..meeting.checks import now as _now

    rng = random.Random(spec.seed * 104729 + 20)
    today = _dt.date.today()
    as_of = min(spec.as_of, today)

    def day(n: int) -> str:
        return (as_of - _dt.timedelta(days=n)).isoformat()

    # equality fields on every person: perpetrators mostly men, victims mostly women
    perps = {r[0] for r in store.conn.execute("SELECT DISTINCT perpetrator_id FROM involvements")}
    codes, weights = zip(*_ETHNICITY_SHARES)
    rows = []
    for (pid,) in store.conn.execute("SELECT id FROM persons ORDER BY id").fetchall():
        known = data.persons.get(pid) if data else None
        male = known.male if known else rng.random() < (0.9 if pid in perps else 0.12)
        sex = "NS" if rng.random() < 0.02 else ("M" if male else "F")
        eth = None if rng.random() < 0.08 else rng.choices(codes, weights)[0]
        dis = rng.choice((None, "N", "N", "N", "Y", "NS"))
        rows.append((sex, eth, dis, pid))
    with store.transaction():
        store.conn.executemany("UPDATE persons SET sex = ?, ethnicity = ?, disability = ? WHERE id = ?", rows)
        store.conn.executemany("UPDATE links SET grading = ? WHERE id = ?",
                               [(rng.choice(_GRADES), lid) for (lid,) in
                                store.conn.execute("SELECT id FROM links ORDER BY id").fetchall()])
        store.audit("demo.case_file", entity="store", detail={"persons": len(rows)})
    assert all(eq.parse("ethnicity", c) == c for c in codes)

    members = sorted(cohort.cohort_ids(store, as_of))
    for k, pid in enumerate(members):
        victims = support.victims_of(store, pid)
        # the plan: most subjects have one; a few reviews have fallen overdue, as time makes them
        if k % 7 != 6:
            for pillar, (text_, owner) in _PLAN.items():
                if rng.random() < 0.9:
                    plans.set_pillar(store, pid, pillar, text_, owner)
            if plans.plan(store, pid) is None:
                plans.set_pillar(store, pid, "supervision", *_PLAN["supervision"])
            plans.set_rosh(store, pid, who="Current partner and her children; any new partner",
                           nature=rng.choice(("Physical violence and coercive control", "Stalking and harassment",
                                              "Violence when drinking; threats to kill")),
                           imminence=rng.choice(("Could happen at any time", "Likely if he learns where she lives",
                                                 "Not imminent while the order is in force")))
            gap = rng.choice((-9, -2, 3, 5, 20, 40, 60, 75))
            nxt = (as_of + _dt.timedelta(days=gap)).isoformat()
            if nxt > today.isoformat():
                plans.review(store, pid, nxt, on=day(rng.randint(5, 30)))
            else:   # reviewed long ago with a date now passed (or a demo as of a past day): as the service wrote it then
                plans._write(store, pid, {"reviewed_on": day(80), "next_review": nxt}, "reviewed", "demo")
        # victim support for most victims
        for v in victims:
            if rng.random() < 0.75:
                first = rng.randint(20, 120)
                support.set_status(store, v, rng.choice(_SUPPORT_SERVICES), "offered", day(first))
                support.set_status(store, v, rng.choice(_SUPPORT_SERVICES[:1]), rng.choice(
                    ("engaged", "engaged", "contacted", "declined", "unreachable")), day(rng.randint(1, first)))
        # orders in detail: requirements on each order; a breach now and then
        for o in cohort.orders(store, pid):
            try:
                orders.add_requirement(store, o["id"], "negative", "no contact",
                                       "Not to contact the protected person directly or through others")
                if rng.random() < 0.5:
                    orders.add_requirement(store, o["id"], "negative", "exclusion zone",
                                           "Not to enter the streets around her address (map attached to the order)")
                if rng.random() < 0.4 and cohort.in_force(o, as_of):
                    orders.add_breach(store, o["id"], max(o["start"], day(rng.randint(1, 20))),
                                      rng.choice(("Texted the protected person; arrested and charged",
                                                  "Seen in the exclusion zone by a neighbour; reported to court")))
            except UserError:   # an order whose dates the checks refuse (a requirement's, a breach's) gets nothing
                pass
        # a DAPO with electronic monitoring for every fifth subject, ending within a month
        if victims and k % 5 == 0:
            oid = cohort.add_order(store, pid, "DAPO", day(60), (as_of + _dt.timedelta(days=rng.randint(10, 27))),
                                   victims[-1], "Domestic Abuse Protection Order")
            orders.add_requirement(store, oid, "negative", "no contact", "Not to contact her by any means")
            orders.add_requirement(store, oid, "positive", "electronic monitoring", "GPS location tag",
                                   until=(as_of + _dt.timedelta(days=rng.randint(3, 9))).isoformat())
            orders.add_requirement(store, oid, "notification", "address change",
                                   "Tell the police of any new address within 3 days")
            orders.add_requirement(store, oid, "notification", "name change",
                                   "Tell the police of any new name within 3 days")
            if k % 2 == 0:
                orders.add_breach(store, oid, day(rng.randint(2, 12)),
                                  "Tag showed him inside the exclusion zone; arrested, before the court next week")
        # Clare's Law: an application for some subjects, at every stage
        if victims and k % 3 == 0:
            at_risk = victims[-1]
            age = rng.choice((40, 25, 22, 12, 5))
            route = "right to know" if k % 2 else "right to ask"
            aid = clares_law.new_application(store, pid, route, "police (new partner alert)" if route == "right to know"
                                             else rng.choice(("partner", "partner's mother", "friend")), day(age),
                                             "PC Lee Shaw", at_risk_id=at_risk)
            steps = [("initial checks", 1), ("face-to-face meeting", 4), ("full checks", 8), ("decision forum", 14)]
            for step, after in steps:
                if age - after > 1:
                    clares_law.add_step(store, aid, step, day(age - after),
                                        "MATAC panel" if step == "decision forum" else "PC Lee Shaw")
            if age >= 25 and rng.random() < 0.7:
                clares_law.close(store, aid, rng.choice(("disclosed", "disclosed", "not disclosed")),
                                 day(age - 20), "DS Omar Khan")
                clares_law.add_step(store, aid, "safety plan", day(max(age - 22, 0)), "IDVA service")
    with store.transaction():
        store.audit("demo.case_file_done", entity="store", detail={"subjects": len(members), "at": _now()})
def add_follow_up(store: Store, spec: DemoSpec) -> int:
    """Late-recorded incidents after each meeting's decisions, so that outcomes have something true to show.

    For every adoption at a held meeting, and for the perpetrators of the
    same meeting's ranking who scored near the lowest adopted score but were
    not adopted, incidents after the decision day are drawn at one steady
    rate; an adopted subject who had a support-and-diversion tactic offends
    at under half that rate (a plausible effect), one who had only other
    tactics at the same rate (a plausible null). They come in as a second
    extract through the real importer; returns the rows imported.
    """
    rng = random.Random(spec.seed * 104729 + 3)
    as_of = spec.as_of
    adoptions = store.conn.execute(
        "SELECT e.person_id, e.date, e.meeting_id FROM cohort_events e WHERE e.event = 'adopted'"
        " AND e.meeting_id IS NOT NULL ORDER BY e.date, e.id").fetchall()
    support = {pid for (pid,) in store.conn.execute(
        "SELECT DISTINCT st.person_id FROM subject_tactics st JOIN toolkit t ON t.id = st.tactic_id"
        " WHERE t.category = 'support and diversion'")}
    adopted_ever = {pid for pid, _, _ in adoptions}
    who: dict[str, tuple[str, float]] = {}
    for pid, date, mid in adoptions:
        who.setdefault(pid, (date, 0.45 if pid in support else 1.0))
        sid = store.scalar("SELECT max(id) FROM score_snapshots WHERE meeting_id = ?", [mid])
        if sid is None:
            continue
        low = store.scalar("SELECT min(score) FROM snapshot_scores WHERE snapshot_id = ? AND person_id IN"
                           " (SELECT person_id FROM cohort_events WHERE event = 'adopted' AND meeting_id = ?)",
                           [sid, mid])
        for (cid,) in store.conn.execute(
                "SELECT person_id FROM snapshot_scores WHERE snapshot_id = ? AND score >= ? ORDER BY rank LIMIT 12",
                [sid, (low or 0) - 5]):
            if cid not in adopted_ever:
                who.setdefault(cid, (date, 1.0))
    rows = []
    seq = 0
    for pid, (date, factor) in sorted(who.items()):
        last = store.conn.execute(
            "SELECT v.victim_id, v.relationship, i.address, i.postcode, i.division FROM involvements v"
            " JOIN incidents i ON i.ref = v.incident_ref WHERE v.perpetrator_id = ? ORDER BY i.date DESC LIMIT 1",
            [pid]).fetchone()
        if last is None:
            continue
        victim, rel, addr, pc, division = last
        start = _dt.date.fromisoformat(date)
        days = (as_of - start).days
        t = 0.0
        rate = 2.6 * factor / 365.0
        while days > 1:
            t += rng.expovariate(rate)
            if t >= days:
                break
            day = start + _dt.timedelta(days=max(1, int(t)))
            seq += 1
            off = rng.choice(("Common assault", "Harassment", "Assault occasioning actual bodily harm",
                              "Criminal damage"))
            codes = {o: c for o, _, c in OFFENCES}
            division = division or DIVISIONS[0]
            rows.append([f"{_DIV_CODE.get(division, 'XX')}-{day.year}-L{seq:06d}", day.isoformat(), off,
                         codes.get(off, ""), pid, "", "", "", victim, "", "", "", rel or "partner", addr or "",
                         pc or "", rng.choice(("standard", "medium", "high")), "0", division])
    if not rows:
        return 0
    fd, name = tempfile.mkstemp(prefix=".matac-demo-", suffix=".csv", dir=store.path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(CANONICAL_COLUMNS)
            w.writerows(rows)
        summary = import_extract(store, name, today=as_of, backup=False,
                                 source_name=f"demo extract, late-recorded incidents (seed {spec.seed})")
    finally:
        os.unlink(name)
    # A year of meetings leaves six months of follow-up for the first half of it.
    store.set_setting("outcomes.comparison_window_days", 182)
    return summary.new
