"""Equality monitoring fields: sex, ethnicity (ONS 2021 census categories), disability; age band from the dob.

The accepted values, as codes or words (case, spaces and punctuation do not
matter), are :data:`SEX`, :data:`ETHNICITY` and :data:`DISABILITY`; each
is stored as its code. Ethnicity follows the 2021 Census of England and
Wales classification (19 categories in 5 groups); the codes are the group's
letter and the category's place within it as the ONS lists them (``W1``
"English, Welsh, Scottish, Northern Irish or British" … ``O2`` "Any other
ethnic group"), plus ``NS`` "Not stated".

Extracts may carry the optional columns :data:`EXTRACT_COLUMNS`
(``perpetrator_sex``, ``perpetrator_ethnicity``, ``perpetrator_disability``
and the same for victims); :func:`import_from_extract` reads them after the
rows went in, in the same transaction: a value not in the lists is not
stored and is kept as a data-quality warning naming the row, the column and
the value (an incident is never refused for its monitoring fields: it still
counts in the score).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import re

__all__ = ["SEX", "ETHNICITY", "ETHNIC_GROUPS", "DISABILITY", "EXTRACT_COLUMNS", "AGE_BANDS", "FIELDS",
           "parse", "label", "age_band", "ethnic_group", "import_from_extract"]

SEX = {"F": "Female", "M": "Male", "X": "Other", "NS": "Not stated"}
ETHNIC_GROUPS = {
    "A": "Asian, Asian British or Asian Welsh",
    "B": "Black, Black British, Black Welsh, Caribbean or African",
    "M": "Mixed or Multiple ethnic groups",
    "W": "White",
    "O": "Other ethnic group",
}
ETHNICITY = {
    "A1": "Indian", "A2": "Pakistani", "A3": "Bangladeshi", "A4": "Chinese", "A5": "Any other Asian background",
    "B1": "African", "B2": "Caribbean", "B3": "Any other Black, Black British or Caribbean background",
    "M1": "White and Black Caribbean", "M2": "White and Black African", "M3": "White and Asian",
    "M4": "Any other Mixed or Multiple ethnic background",
    "W1": "English, Welsh, Scottish, Northern Irish or British", "W2": "Irish", "W3": "Gypsy or Irish Traveller",
    "W4": "Roma", "W5": "Any other White background",
    "O1": "Arab", "O2": "Any other ethnic group",
    "NS": "Not stated",
}
DISABILITY = {"Y": "Yes", "N": "No", "NS": "Not stated"}
FIELDS = {"sex": SEX, "ethnicity": ETHNICITY, "disability": DISABILITY}
EXTRACT_COLUMNS = tuple(f"{role}_{f}" for role in ("perpetrator", "victim") for f in FIELDS)
AGE_BANDS = ("under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65 and over")

_EXTRA_WORDS = {
    "sex": {"female": "F", "woman": "F", "male": "M", "man": "M", "other": "X", "unknown": "NS",
            "not stated": "NS", "not known": "NS", "prefer not to say": "NS"},
    "ethnicity": {"white british": "W1", "british": "W1", "other white": "W5", "other asian": "A5",
                  "other black": "B3", "other mixed": "M4", "other": "O2", "unknown": "NS", "not known": "NS",
                  "prefer not to say": "NS"},
    "disability": {"yes": "Y", "no": "N", "true": "Y", "false": "N", "unknown": "NS", "not known": "NS",
                   "prefer not to say": "NS"},
}


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


_LOOKUP = {f: {_key(c): c for c in table} | {_key(w): c for c, w in table.items()} | _EXTRA_WORDS[f]
           for f, table in FIELDS.items()}


def parse(field: str, value: str | None) -> str | None:
    """The code for a value of ``field`` (sex, ethnicity, disability); None when blank.

    Raises ValueError with a one-line reason naming the value when it is
    not one of the accepted codes or words.

    >>> parse("ethnicity", "white and asian"), parse("sex", "f"), parse("disability", "No")
    ('M3', 'F', 'N')
    """
    if value is None or not str(value).strip():
        return None
    code = _LOOKUP[field].get(_key(str(value)))
    if code is None:
        shown = str(value).strip()
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        what = "an ONS 2021 ethnicity code or category" if field == "ethnicity" else f"a {field} code or word"
        raise ValueError(f"{field} {shown!r} is not {what} (accepted: {', '.join(FIELDS[field])})")
    return code


def label(field: str, code: str | None) -> str:
    """The words for a code ("Not recorded" for None)."""
    return "Not recorded" if not code else FIELDS[field].get(code, code)


def ethnic_group(code: str | None) -> str:
    """The ONS high-level group of an ethnicity code, "Not stated" or "Not recorded"."""
    if not code:
        return "Not recorded"
    return ETHNIC_GROUPS.get(code[0], "Not stated") if code != "NS" else "Not stated"


def age_band(dob: str | None, on: _dt.date | str) -> str:
    """The age band of a person born on ``dob`` (ISO) on a day; "Not recorded" without a dob."""
    if not dob:
        return "Not recorded"
    d = on if isinstance(on, _dt.date) else _dt.date.fromisoformat(on)
    b = _dt.date.fromisoformat(dob)
    age = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
    if age < 18:
        return AGE_BANDS[0]
    for band in AGE_BANDS[1:-1]:
        lo, hi = (int(x) for x in band.split("-"))
        if lo <= age <= hi:
            return band
    return AGE_BANDS[-1]


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", text.strip().lstrip("\ufeff").casefold()).strip("_")


def import_from_extract(conn, path, encoding: str, batch_id: int, rejected_rows: set[int], now: str) -> int:
    """Set the equality fields of the persons an extract names, from its optional columns; returns warnings.

    ``path`` is the extract, read again (only when its header names one of
    the columns) with the import's ``encoding``; rows already rejected by the
    import (named by the physical line they start on) are skipped, and so is
    any byte the import found not to be in that encoding (its row was rejected). A blank cell leaves the stored value as it is; the last row
    naming a person wins. A value not accepted is a ``data_quality`` row
    (kind ``equality_value``) naming the row, column and value.
    """
    errors = "matac-cp1252" if encoding == "cp1252" else "replace"   # registered by the importer
    with open(path, encoding=encoding, errors=errors, newline="") as fh:
        return _read(conn, csv.reader(fh), batch_id, rejected_rows, now)


def _read(conn, reader, batch_id: int, rejected_rows: set[int], now: str) -> int:
    headers = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    cols = {_header_key(h): i for i, h in reversed(list(enumerate(headers)))}
    wanted = [(c, cols[c]) for c in EXTRACT_COLUMNS if c in cols]
    if not wanted:
        return 0
    id_col = {"perpetrator": cols.get("perpetrator_id"), "victim": cols.get("victim_id")}
    values: dict[str, dict[str, str]] = {f: {} for f in FIELDS}       # field: {person id: code}
    parsed: dict[tuple[str, str], str | None] = {}                    # the same few values repeat on every row
    warnings = []
    end = reader.line_num
    for rec in reader:
        n, end = end + 1, reader.line_num          # the physical line the record starts on, as the import names it
        if n in rejected_rows:
            continue
        for column, i in wanted:
            role, field = column.split("_", 1)
            j = id_col[role]
            if j is None or i >= len(rec) or j >= len(rec):
                continue
            raw, pid = rec[i], rec[j].strip()
            if not pid or not raw.strip():
                continue
            key = (field, raw)
            try:
                code = parsed[key] if key in parsed else parsed.setdefault(key, parse(field, raw))
            except ValueError as e:
                warnings.append((batch_id, pid, "equality_value", f"line {n}, column {headers[i]}: {e}",
                                 None, raw.strip()[:40], now))
                continue
            values[field][pid] = code
    for field, by_person in values.items():     # one statement per field, the whole extract at once
        if by_person:
            conn.execute(f"UPDATE persons SET {field} = j.value ->> 1 FROM json_each(?) j"
                         f" WHERE persons.id = j.value ->> 0", [json.dumps(list(by_person.items()))])
    conn.executemany("INSERT INTO data_quality (batch_id, person_id, kind, detail, old_value, new_value, detected_at)"
                     " VALUES (?,?,?,?,?,?,?)", warnings)
    return len(warnings)
