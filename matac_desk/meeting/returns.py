"""The quarterly return: counts of the MATAC process for a quarter, per division and in total, small numbers suppressed.

What the commissioner (the PCC) and the Home Office ask each quarter: the
cohort's size at the quarter's end, adoptions, exits by reason, tactics
agreed by category, actions completed and overdue by agency, Clare's Law
applications and their outcomes, orders and breaches, subjects with a DA
incident in the quarter, and the cohort and the adoptions by sex, ethnic
group and age band. Quarters are calendar quarters: ``2026Q3`` is 1 July
to 30 September 2026.

Counts only, never a person. Suppression (:func:`suppress`): any count from
1 to 4 is printed as ``<5`` (primary); then, so that no total reveals one,
every equation the table holds (a row's divisions add up to its Total; the
parts of a breakdown, such as exits by reason, add up to the whole) must have
none or at least two cells suppressed: where only one is, the smallest
non-zero cell left in it is suppressed too (else its total), and so on until
every equation holds. Zeros are shown.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..domain import UserError
from ..intake import equality as eq
from ..storage.store import Store
from .cohort import EXIT_REASONS, TOOLKIT_CATEGORIES, cohort_ids
from .checks import shown

__all__ = ["parse_quarter", "Return", "build_return", "suppress", "SMALL", "TOTAL", "NOT_RECORDED"]

SMALL = "<5"
TOTAL = "Total"
NOT_RECORDED = "Not recorded"


def parse_quarter(text: str) -> tuple[str, str, str]:
    """``("2026Q3", first day, last day)`` of a calendar quarter written ``2026Q3`` (or ``2026-Q3``, ``Q3 2026``)."""
    t = (text or "").strip().upper()
    m = re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", t) or re.fullmatch(r"Q([1-4])\s*-?\s*(\d{4})", t)
    if not m:
        raise UserError(f"not a quarter: {shown(text)} (write it 2026Q3: calendar quarters, Q3 is July to September)")
    year, q = (int(m.group(1)), int(m.group(2))) if len(m.group(1)) == 4 else (int(m.group(2)), int(m.group(1)))
    first = _dt.date(year, 3 * q - 2, 1)
    last = (_dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - _dt.timedelta(days=1))
    return f"{year}Q{q}", first.isoformat(), last.isoformat()


@dataclass
class Return:
    """The table: ``rows`` of (section, measure, {column: count}); ``groups`` the breakdowns that add up.

    ``groups`` holds ``(total row index, [part row indexes])``: per column,
    the parts add up to the total row. Every row's divisions add up to its
    :data:`TOTAL` column.
    """
    quarter: str
    first: str
    last: str
    columns: list[str]
    rows: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)
    groups: list[tuple[int, list[int]]] = field(default_factory=list)
    headline: list[str] = field(default_factory=list)   # outcomes against a comparison group, in words

    def cells(self) -> list[list[int]]:
        return [[counts.get(c, 0) for c in self.columns] for _, _, counts in self.rows]

    def shown(self) -> list[list[str]]:
        """The table as printed: counts, ``<5`` where suppressed."""
        hidden = suppress(self)
        return [[SMALL if (i, j) in hidden else str(v) for j, v in enumerate(row)] for i, row in enumerate(self.cells())]


def equations(ret: Return) -> list[tuple[tuple[int, int], list[tuple[int, int]]]]:
    """Every ``(total cell, part cells)`` the table holds; a cell is ``(row, column)``."""
    ncol = len(ret.columns)
    total_col = ret.columns.index(TOTAL)
    out = [((i, total_col), [(i, j) for j in range(ncol) if j != total_col]) for i in range(len(ret.rows))]
    for t, parts in ret.groups:
        out += [((t, j), [(p, j) for p in parts]) for j in range(ncol)]
    return out


def suppress(ret: Return) -> set[tuple[int, int]]:
    """The cells to print as ``<5``: counts 1–4, then enough others that no equation has exactly one hidden."""
    cells = ret.cells()
    hidden = {(i, j) for i, row in enumerate(cells) for j, v in enumerate(row) if 1 <= v <= 4}
    eqs = equations(ret)
    changed = True
    while changed:
        changed = False
        for total, parts in eqs:
            members = parts + [total]
            if sum(1 for c in members if c in hidden) != 1:
                continue
            visible = [c for c in parts if c not in hidden]
            positive = [c for c in visible if cells[c[0]][c[1]] > 0]
            if positive:
                pick = min(positive, key=lambda c: (cells[c[0]][c[1]], c))
            elif total not in hidden:
                pick = total
            else:
                pick = min(visible, key=lambda c: c)
            hidden.add(pick)
            changed = True
    return hidden


def _division_of(store: Store) -> dict[str, str]:
    """Each person's division: his subject record's, else his latest incident's."""
    out = {}
    for pid, div in store.conn.execute(
            "SELECT i.perpetrator_id, n.division FROM involvements i JOIN incidents n ON n.ref = i.incident_ref"
            " WHERE n.division IS NOT NULL ORDER BY n.date, n.ref"):
        out[pid] = div
    for pid, div in store.conn.execute("SELECT person_id, division FROM subjects WHERE division IS NOT NULL"
                                       " AND division != ''"):
        out[pid] = div
    return out


def build_return(store: Store, quarter: str) -> Return:
    """The counts for ``quarter`` (``2026Q3``): a quarter that has not ended yet is refused."""
    q, first, last = parse_quarter(quarter)
    if last >= _dt.date.today().isoformat():
        raise UserError(f"{q} has not ended yet (it ends on {last}): a return covers a whole quarter")
    div = _division_of(store)
    conn = store.conn

    def d(pid: str) -> str:
        return div.get(pid) or NOT_RECORDED

    people = {pid: (sex, eth, dob) for pid, sex, eth, dob in conn.execute(
        "SELECT id, sex, ethnicity, dob FROM persons WHERE id IN (SELECT person_id FROM cohort_events)")}
    members = sorted(cohort_ids(store, last))
    adopted = [r[0] for r in conn.execute("SELECT person_id FROM cohort_events WHERE event = 'adopted'"
                                          " AND date BETWEEN ? AND ?", [first, last])]
    exits = conn.execute("SELECT person_id, reason FROM cohort_events WHERE event = 'exited' AND date BETWEEN ? AND ?",
                         [first, last]).fetchall()
    tactics = conn.execute("SELECT st.person_id, t.category FROM subject_tactics st JOIN toolkit t ON t.id = st.tactic_id"
                           " WHERE st.agreed_on BETWEEN ? AND ?", [first, last]).fetchall()
    actions = conn.execute(
        "SELECT a.person_id, a.agency, a.due_date, a.status,"
        " (SELECT min(u.date) FROM action_updates u WHERE u.action_id = a.id AND u.status = 'done')"
        " FROM actions a LEFT JOIN meetings m ON m.id = a.meeting_id"
        " WHERE coalesce(m.date, substr(a.created_at, 1, 10)) <= ?", [last]).fetchall()
    dvds = conn.execute("SELECT subject_id, received_on, outcome, closed_on FROM dvds_applications").fetchall()
    orders = conn.execute("SELECT person_id, start_date FROM orders WHERE start_date BETWEEN ? AND ?",
                          [first, last]).fetchall()
    breaches = conn.execute("SELECT o.person_id FROM order_breaches b JOIN orders o ON o.id = b.order_id"
                            " WHERE b.date BETWEEN ? AND ?", [first, last]).fetchall()
    reoffended = [r[0] for r in conn.execute(
        "SELECT DISTINCT coalesce(p.merged_into, i.perpetrator_id) FROM involvements i"
        " JOIN incidents n ON n.ref = i.incident_ref JOIN persons p ON p.id = i.perpetrator_id"
        " WHERE n.date BETWEEN ? AND ?", [first, last]) if r[0] in set(members)]

    divisions = sorted({d(p) for p in members + adopted + [e[0] for e in exits] + [t[0] for t in tactics]
                        + [a[0] for a in actions] + [x[0] for x in dvds] + [o[0] for o in orders]})
    ret = Return(q, first, last, [x for x in divisions if x != NOT_RECORDED]
                 + ([NOT_RECORDED] if NOT_RECORDED in divisions else []) + [TOTAL])

    def row(section: str, measure: str, pids) -> int:
        c = Counter(d(p) for p in pids)
        c[TOTAL] = sum(c.values())
        ret.rows.append((section, measure, dict(c)))
        return len(ret.rows) - 1

    def breakdown(section: str, whole: str, pids_by_part: dict[str, list[str]], total_pids: list[str],
                  total_row: int | None = None) -> None:
        # the whole is a row of its own, or one already in the table (one figure printed once, suppressed once)
        t = row(section, whole, total_pids) if total_row is None else total_row
        parts = [row(section, f"{whole}: {part}", pids) for part, pids in pids_by_part.items()]
        ret.groups.append((t, parts))

    cohort_s = "Cohort"
    cohort_row = row(cohort_s, "Subjects in the cohort at the end of the quarter", members)
    adopted_row = row(cohort_s, "Adopted in the quarter", adopted)
    breakdown(cohort_s, "Exited in the quarter",
              {r: [p for p, why in exits if (why if why in EXIT_REASONS else "other") == r] for r in EXIT_REASONS},
              [p for p, _ in exits])
    row("Outcomes", "Subjects in the cohort with a DA incident in the quarter", reoffended)
    breakdown("Tactics", "Tactics agreed in the quarter",
              {c: [p for p, cat in tactics if cat == c] for c in TOOLKIT_CATEGORIES}, [p for p, _ in tactics])
    agencies = sorted({a[1] for a in actions})
    done = [(p, ag) for p, ag, due, st, done_on in actions if done_on and first <= done_on <= last]
    overdue = [(p, ag) for p, ag, due, st, done_on in actions
               if due and due < last and st != "cancelled" and not (done_on and done_on <= last)]
    breakdown("Actions", "Actions completed in the quarter",
              {a: [p for p, ag in done if ag == a] for a in agencies}, [p for p, _ in done])
    breakdown("Actions", "Actions overdue at the end of the quarter",
              {a: [p for p, ag in overdue if ag == a] for a in agencies}, [p for p, _ in overdue])
    row("Clare's Law", "Applications received in the quarter", [s for s, rec, _, _ in dvds if first <= rec <= last])
    closed = [(s, o) for s, _, o, c in dvds if c and first <= c <= last]
    breakdown("Clare's Law", "Applications closed in the quarter",
              {o: [s for s, oc in closed if oc == o] for o in ("disclosed", "not disclosed", "withdrawn")},
              [s for s, _ in closed])
    row("Orders", "Orders started in the quarter", [p for p, _ in orders])
    row("Orders", "Breaches of orders in the quarter", [p for (p,) in breaches])

    def by(label: str, pids: list[str], key, total_row: int) -> None:
        groups: dict[str, list[str]] = defaultdict(list)
        for p in pids:
            groups[key(p)].append(p)
        breakdown("Equality", label, dict(sorted(groups.items())), pids, total_row)

    for whole, pids, t in (("Cohort at the end of the quarter", members, cohort_row),
                           ("Adopted in the quarter", adopted, adopted_row)):
        by(f"{whole}, by sex", pids, lambda p: eq.label("sex", people.get(p, (None,))[0]), t)
        by(f"{whole}, by ethnic group", pids, lambda p: eq.ethnic_group(people.get(p, (None, None))[1]), t)
        by(f"{whole}, by age band", pids, lambda p: eq.age_band(people.get(p, (None, None, None))[2], last), t)
    ret.headline = outcome_headline(store, last)
    return ret


def outcome_headline(store: Store, as_of: str) -> list[str]:
    """The headline of outcomes against a comparison group as of the quarter's end, counts and percentages only.

    Fewer than 5 matched pairs (the return's small-number rule) says so and gives no figure.
    """
    from . import evaluation
    ev = evaluation.evaluate(store, as_of)
    e = ev.estimates["incidents"]
    if e.n_pairs < 5:
        return [f"Outcomes against a comparison group ({ev.window_days}-day windows): fewer than 5 matched pairs "
                "by the end of the quarter, so no figure is given."]
    return [ev.sentence("incidents"), ev.sentence("harm")]
