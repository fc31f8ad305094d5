"""Probabilistic record linkage of person records: blocking, comparison levels, Fellegi–Sunter weights.

A store holds one person under several ids. Two records are compared field by
field; each comparison lands on a *level* (forename: the same, a nickname, one
letter off, sounds alike, an initial, different, not recorded …) and each
level carries a match weight ``log2(m / u)``:

``m``
    how often a true duplicate lands on that level: sensible defaults
    (:data:`LEVELS`), refined on the pairs the coordinator merged (their
    decisions are labels: :func:`train`);
``u``
    how often two different people land on it: estimated from the store itself
    (every pair of a small store, else a random sample of pairs; for the exact
    levels the value's own frequency, so "Nowak = Nowak" weighs more than
    "Smith = Smith"), nudged by the pairs marked "not the same person".

The weights add up with the prior (the share of all pairs that are duplicates,
estimated from the pairs that agree on everything) to a probability. Two
interactions go beyond independent fields, because look-alikes break the
independence: a *different* forename with the same surname and date of birth is
strong evidence against (twins, siblings), and a graph associate or an address
counts only when the names agree at least in part.

Blocking: a pair is compared when it shares one of the keys in :data:`RULES`
(date of birth; date of birth with day and month in either order; surname sound;
forename sound; year of birth and forename initial; forename and surname sounds
in either order; an address; an associate in the graph). A key shared by more
than :data:`MAX_BLOCK` records is refined by a second key rather than dropped.

Everything is computed on numpy arrays, pair by pair in C (rapidfuzz's
``cpdist`` for Jaro–Winkler and one-edit distances, over the distinct pairs of
names only), so a whole store of 300,000 persons is compared in seconds; the
explanation of a pair (:class:`Evidence`) reads the same levels and weights.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable

import jellyfish
import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist

from ..domain import Cancelled, never_cancelled, no_progress

__all__ = [
    "Level",
    "LEVELS",
    "FIELDS",
    "RULES",
    "MAX_BLOCK",
    "TRANSLITERATIONS",
    "Records",
    "Model",
    "Evidence",
    "fold",
    "related_forenames",
    "train",
    "candidate_pairs",
    "compare",
    "score",
    "evidence",
    "probability",
]

MAX_BLOCK = 30            # records sharing a blocking key; past it the key is refined by the next one
MAX_SHARED = 12           # persons at one address or around one associate (past it: a hostel, not a household)
SAMPLE_PAIRS = 150_000    # random pairs for u; a smaller store uses every pair
PSEUDO_MATCHES = 40.0     # the defaults count as this many labelled duplicates when merges refine m
PSEUDO_NONMATCHES = 20_000.0   # and the sample as this many when "not the same" pairs refine u
EXACT_RECALL = 0.5        # the share of duplicates that agree on every field, for the prior
U_PRIOR = 2_000.0         # u estimated on few pairs leans on the defaults, as if seen on this many pairs
TF_PRIOR = 100.0          # and a name's frequency in a small store, as if on this many persons


# --------------------------------------------------------------------------
# Levels
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Level:
    """One comparison level: its field, its code, what it says, its default m (and a fixed u, if any)."""
    field: str
    code: int
    name: str
    m: float
    u: float | None = None      # fixed (conditional levels whose u a random pair cannot estimate)
    neutral: bool = False       # "not recorded": no evidence either way (weight 0)


FIELDS = ("forename", "surname", "order", "dob", "generation", "address", "associates")

# forename
F_EXACT, F_NICK, F_TYPO, F_SOUND, F_INITIAL, F_DIFF, F_MISSING, F_FAMILY = range(8)
# surname
S_EXACT, S_PART, S_TYPO, S_SOUND, S_DIFF, S_MISSING = range(6)
# the order of the names
O_AS_RECORDED, O_SWAPPED = range(2)
# date of birth
D_EXACT, D_SWAPPED, D_DIGIT, D_NEAR, D_APART, D_GENERATION, D_MISSING = range(7)
# Jr / Sr
G_NONE, G_ONE, G_CONFLICT = range(3)
# address, associates
A_SAME, A_POSTCODE, A_NONE, A_UNKNOWN = range(4)
X_SHARED, X_NONE = range(2)

LEVELS: dict[str, tuple[Level, ...]] = {
    "forename": (
        Level("forename", F_EXACT, "the same", 0.86),
        Level("forename", F_NICK, "nickname or other spelling", 0.045),
        Level("forename", F_TYPO, "one letter off", 0.035),
        Level("forename", F_SOUND, "sounds alike", 0.02),
        Level("forename", F_INITIAL, "an initial", 0.01),
        Level("forename", F_DIFF, "different", 0.02),
        Level("forename", F_MISSING, "not recorded on one record", 0.01, neutral=True),
        # Different forenames with the same surname and date of birth: nearly always twins or siblings
        # (u fixed: a random pair almost never shares surname and date of birth, so it cannot say).
        Level("forename", F_FAMILY, "different, with the same surname and date of birth (twins?)", 0.0004, u=0.9),
    ),
    "surname": (
        Level("surname", S_EXACT, "the same", 0.80),
        Level("surname", S_PART, "one part of a double-barrelled name", 0.04),
        Level("surname", S_TYPO, "one letter off", 0.04),
        Level("surname", S_SOUND, "sounds alike", 0.02),
        Level("surname", S_DIFF, "different (a married name?)", 0.09),
        Level("surname", S_MISSING, "not recorded on one record", 0.01, neutral=True),
    ),
    "order": (
        # fixed u: among pairs whose names agree one way round, how often the other way (a random pair's
        # names agree neither way, so the sample cannot say)
        Level("order", O_AS_RECORDED, "as recorded", 0.97, u=0.95),
        Level("order", O_SWAPPED, "forename and surname swapped", 0.03, u=0.05),
    ),
    "dob": (
        Level("dob", D_EXACT, "the same", 0.84),
        Level("dob", D_SWAPPED, "day and month swapped", 0.035),
        Level("dob", D_DIGIT, "one digit differs", 0.05),
        Level("dob", D_NEAR, "different, within 10 years", 0.04),
        Level("dob", D_APART, "10 to 20 years apart", 0.01),
        Level("dob", D_GENERATION, "20 or more years apart (a generation)", 0.001),
        Level("dob", D_MISSING, "not recorded on one record", 0.02, neutral=True),
    ),
    "generation": (
        Level("generation", G_NONE, "no Jr or Sr", 0.99, neutral=True),
        Level("generation", G_ONE, "Jr or Sr on one record only", 0.01, u=0.05),
        Level("generation", G_CONFLICT, "Jr against Sr (father and son?)", 0.0005, u=0.5),
    ),
    "address": (
        Level("address", A_SAME, "an address shared", 0.3),
        Level("address", A_POSTCODE, "a postcode shared", 0.1),
        Level("address", A_NONE, "no address in common", 0.6),
        Level("address", A_UNKNOWN, "no address recorded", 0.0, neutral=True),
    ),
    "associates": (
        Level("associates", X_SHARED, "an associate shared", 0.25),
        Level("associates", X_NONE, "no associate in common", 0.75, neutral=True),
    ),
}

TRANSLITERATIONS: tuple[tuple[str, ...], ...] = (
    # Spellings of one name across scripts and record systems (not in the English nickname sets).
    ("mohammed", "muhammad", "mohamed", "mohammad", "muhammed", "mohamad", "mohamud", "muhamed", "mohammod"),
    ("aisha", "ayesha", "aysha", "aishah", "ayisha", "aischa"),
    ("fatima", "fatimah", "fatma", "fathima"),
    ("ahmed", "ahmad", "ahmet", "ahmid"),
    ("hussain", "hussein", "husain", "hossain", "husein"),
    ("zainab", "zaynab", "zeinab", "zaineb"),
    ("maryam", "mariam", "miriam", "meryem"),
    ("yusuf", "yousef", "youssef", "yusef", "yousuf"),
    ("omar", "umar"),
    ("usman", "osman", "uthman", "othman"),
    ("ibrahim", "ebrahim", "ibraheem"),
    ("abdul", "abdel", "abdoul", "abdal"),
    ("khadija", "khadijah", "khadeeja"),
    ("tariq", "tarik", "tareq"),
    ("bilal", "belal"),
    ("imran", "emran"),
    ("amira", "ameera", "amirah"),
    ("lukasz", "lucas", "luke"),
    ("tomasz", "thomas", "tom"),
    ("piotr", "peter", "pete"),
    ("katarzyna", "katherine", "kasia"),
    ("malgorzata", "margaret", "gosia"),
    ("agnieszka", "agnes", "aga"),
    ("aleksander", "alexander", "aleksandr", "oleksandr"),
    ("sean", "shaun", "shawn", "sean"),
    ("siobhan", "shevaun", "shivaun"),
    ("niamh", "neve", "neave"),
    ("sinead", "shinead"),
    ("roisin", "rosheen"),
)

_SUFFIXES = {"jr": 1, "jnr": 1, "junior": 1, "ii": 1, "sr": 2, "snr": 2, "senior": 2}
_NON_ALNUM = re.compile(r"[^0-9a-z\u0080-\uffff]+")


@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """A name folded for comparison: accents, capitals, punctuation and repeated spaces gone.

    >>> fold("  Siobhán  O'Neill-RYAN ")
    'siobhan o neill ryan'
    """
    if not text:
        return ""
    if text.isascii():
        return " ".join(_NON_ALNUM.sub(" ", text.lower()).split())
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.casefold().replace("ł", "l").replace("ø", "o").replace("đ", "d").replace("ß", "ss")
    return " ".join(_NON_ALNUM.sub(" ", t).split())


def _strip_suffix(forename: str, surname: str) -> tuple[str, str, int]:
    """Names without a generational suffix (Jr, Snr …), and the suffix: 0 none, 1 junior, 2 senior."""
    gen = 0
    out = []
    for name in (forename, surname):
        parts = name.split()
        while len(parts) > 1 and parts[-1] in _SUFFIXES:
            gen = _SUFFIXES[parts.pop()]
        out.append(" ".join(parts))
    return out[0], out[1], gen


@lru_cache(maxsize=1)
def _nickname_table() -> dict[str, frozenset[str]]:
    """Forename -> every name it is a nickname, a canonical form or a spelling of (both directions)."""
    from nicknames import NickNamer

    nn = NickNamer()
    table: dict[str, set[str]] = defaultdict(set)
    for canonical, nicks in nn.nickname_lookup.items():
        group = {canonical, *nicks}
        for name in group:
            table[name] |= group
    for group in TRANSLITERATIONS:
        for name in group:
            table[name] |= set(group)
    return {k: frozenset(v - {k}) for k, v in table.items()}


def related_forenames(a: str, b: str) -> bool:
    """Whether two folded forenames are one name: a nickname (Bill, William) or a spelling (Mohammed, Muhammad).

    >>> related_forenames("bill", "william"), related_forenames("becky", "rebecca")
    (True, True)
    >>> related_forenames("mohammed", "muhammad"), related_forenames("emma", "lucy")
    (True, False)
    """
    return b in _nickname_table().get(a, ())


def _phonetic(word: str) -> str:
    if not word or not word.isascii() or not word.isalpha():
        return ""
    try:
        return jellyfish.metaphone(word)
    except Exception:  # noqa: BLE001 - a key that cannot be made is simply absent
        return ""


def _nysiis(word: str) -> str:
    if not word or not word.isascii() or not word.isalpha():
        return ""
    try:
        return jellyfish.nysiis(word)
    except Exception:  # noqa: BLE001
        return ""


# --------------------------------------------------------------------------
# The records: one row per name a person is known by
# --------------------------------------------------------------------------

class _Vocab:
    """Distinct folded names (forenames and surnames together, so a swap compares like with like)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}
        self.names: list[str] = [""]

    def id(self, name: str) -> int:
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.names)
            self.names.append(name)
        return i

    def finish(self) -> None:
        names = self.names
        self.compact = [n.replace(" ", "") for n in names]
        self.first = [n.split(" ", 1)[0] for n in names]
        self.tokens = [frozenset(n.split()) for n in names]
        self.multi = np.array([len(t) > 1 for t in self.tokens])
        self.length = np.array([len(c) for c in self.compact])
        codes: dict[str, int] = {"": 0}
        self.meta = np.array([codes.setdefault(_phonetic(f), len(codes)) if _phonetic(f) else 0
                              for f in self.first], dtype=np.int64)
        self.nysiis = np.array([codes.setdefault("N" + _nysiis(f), len(codes)) if _nysiis(f) else 0
                                for f in self.first], dtype=np.int64)
        # the compact spelling's id: "O Neill" and "ONeill" are the same name
        cid: dict[str, int] = {}
        self.cid = np.array([cid.setdefault(c, len(cid)) for c in self.compact], dtype=np.int64)
        self.initial = np.array([ord(c[0]) if c else 0 for c in self.compact], dtype=np.int64)
        table = _nickname_table()
        keys = []
        V = len(names)
        for i, f in enumerate(self.first):
            for other in table.get(f, ()):
                j = self.index.get(other)
                if j is not None:
                    keys.append(i * V + j)
        # a first name that is itself the whole of another vocabulary name ("william" for "william john")
        self.nick_keys = np.unique(np.array(keys, dtype=np.int64))
        self._related_first = table


@dataclass
class Records:
    """The persons as arrays, one row per name a person is known by (its own, its aliases, records merged into it).

    ``root[r]`` is the index of the person (merge group) row ``r`` stands for; ``ids[root]`` its id.
    """
    ids: list[str]                      # person (root) ids, by root index
    root: np.ndarray                    # row -> root index
    record: list[str]                   # row -> the record id the row comes from
    forename: np.ndarray                # row -> vocabulary id (folded, suffix removed)
    surname: np.ndarray
    raw_forename: list[str]             # as recorded, for explanations
    raw_surname: list[str]
    dob: np.ndarray                     # row -> yyyymmdd (0: not recorded)
    gen: np.ndarray                     # row -> 0 none, 1 junior, 2 senior
    vocab: _Vocab
    addresses: dict[int, set[str]] = field(default_factory=dict)     # root -> folded addresses
    postcodes: dict[int, set[str]] = field(default_factory=dict)     # root -> postcodes
    neighbours: dict[int, dict[int, str]] = field(default_factory=dict)   # root -> {root: role of it}

    @classmethod
    def build(cls, people: Iterable[tuple[str, str | None, str | None, str | None, str]],
              incidents: Iterable[tuple[str, str, str | None, str | None]] = (),
              links: Iterable[tuple[str, str, str]] = (), *,
              cancelled: Callable[[], bool] = never_cancelled,
              progress: Callable[[int, int, str], None] = no_progress) -> "Records":
        """From ``(record id, forename, surname, dob, root id)`` rows (aliases as further rows of their record),
        ``(perpetrator id, victim id, address, postcode)`` per involvement and ``(person a, person b, role)`` per
        intelligence link (the role of each to the other: ``family member`` or ``associate``)."""
        vocab = _Vocab()
        rows = []
        for n, row in enumerate(people):      # read in steps that a cancel can stop
            if not n & 0x3FFF:
                if cancelled():
                    raise Cancelled()
                progress(n, 0, "Reading the person records")
            rows.append(row)
        ids: list[str] = []
        rindex: dict[str, int] = {}
        names: dict[tuple, tuple[int, int, int]] = {}
        dobs: dict[str | None, int] = {}
        root, fn, sn, dob, gen = [], [], [], [], []
        for n, (_rid, f, s, d, r) in enumerate(rows):
            if not n & 0xFFFF:
                if cancelled():
                    raise Cancelled()
                progress(n, len(rows), "Reading the person records")
            ri = rindex.get(r)
            if ri is None:
                ri = rindex[r] = len(ids)
                ids.append(r)
            root.append(ri)
            key = (f, s)
            got = names.get(key)
            if got is None:
                ff, ss, g = _strip_suffix(fold(f), fold(s))
                got = names[key] = (vocab.id(ff), vocab.id(ss), g)
            fn.append(got[0])
            sn.append(got[1])
            gen.append(got[2])
            v = dobs.get(d)
            if v is None:
                v = dobs[d] = _dob_int(d)
            dob.append(v)
        vocab.finish()
        record = [r[0] for r in rows]
        rec_root = {rid: ri for rid, ri in zip(record, root)}
        recs = cls(ids, np.array(root, dtype=np.int64), record, np.array(fn, dtype=np.int64),
                   np.array(sn, dtype=np.int64), [r[1] or "" for r in rows], [r[2] or "" for r in rows],
                   np.array(dob, dtype=np.int64), np.array(gen, dtype=np.int64), vocab)
        addresses, postcodes, neighbours = recs.addresses, recs.postcodes, recs.neighbours
        get = rec_root.get
        if cancelled():
            raise Cancelled()
        for n, (perp, victim, address, postcode) in enumerate(incidents):
            if not n & 0x3FFF:
                if cancelled():
                    raise Cancelled()
                progress(n, 0, "Reading the incidents' addresses and associates")
            rp, rv = get(perp), get(victim)
            if rp is None or rv is None or rp == rv:
                continue
            neighbours.setdefault(rv, {})[rp] = "perpetrator"
            neighbours.setdefault(rp, {})[rv] = "victim"
            if address:
                a = fold(address)
                if a:
                    addresses.setdefault(rp, set()).add(a)
                    addresses.setdefault(rv, set()).add(a)
            if postcode:
                pc = postcode.replace(" ", "").upper()
                postcodes.setdefault(rp, set()).add(pc)
                postcodes.setdefault(rv, set()).add(pc)
        for a, b, role in links:
            ra, rb = get(a), get(b)
            if ra is None or rb is None or ra == rb:
                continue
            neighbours.setdefault(ra, {}).setdefault(rb, role)
            neighbours.setdefault(rb, {}).setdefault(ra, role)
        return recs

    @property
    def n(self) -> int:
        return len(self.root)

    def primary_rows(self) -> np.ndarray:
        """The first row of each root (its own record's name), by root index."""
        first = np.full(len(self.ids), -1, dtype=np.int64)
        rows = np.arange(self.n)[::-1]
        first[self.root[::-1]] = rows
        return first


def _dob_int(d: str | None) -> int:
    if not d or len(d) < 10:
        return 0
    try:
        return int(d[0:4]) * 10000 + int(d[5:7]) * 100 + int(d[8:10])
    except ValueError:
        return 0


# --------------------------------------------------------------------------
# Blocking
# --------------------------------------------------------------------------

def _pairs_within(keys: np.ndarray, wanted: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows (i < j) with the same key (keys < 0 are absent); with ``wanted``, only pairs touching it."""
    rows = np.nonzero(keys >= 0)[0]
    if len(rows) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = rows[np.argsort(keys[rows], kind="stable")]
    k = keys[order]
    starts = np.r_[0, np.nonzero(k[1:] != k[:-1])[0] + 1]
    ends = np.r_[starts[1:], len(k)]
    end_of = np.repeat(ends, ends - starts)               # per sorted position, the end of its group
    pos = np.arange(len(k))
    if wanted is None:
        counts = end_of - pos - 1
        left = np.repeat(pos, counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        right = left + 1 + offs
    else:
        start_of = np.repeat(starts, ends - starts)
        w = np.nonzero(wanted[order])[0]
        counts = end_of[w] - start_of[w]
        left = np.repeat(w, counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        right = np.repeat(start_of[w], counts) + offs
        keep = right != left
        left, right = left[keep], right[keep]
    a, b = order[left], order[right]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return lo, hi


def _refined(keys: np.ndarray, *more: np.ndarray) -> np.ndarray:
    """Dense keys; a key shared by more than MAX_BLOCK rows is combined with the next of ``more`` (absent where
    that one is), and so on while blocks stay too large. Past the last, a block is kept as it is."""
    out = np.full(len(keys), -1, dtype=np.int64)
    idx = np.nonzero(keys >= 0)[0]
    if not len(idx):
        return out
    _, dense = np.unique(keys[idx], return_inverse=True)
    dense = dense.astype(np.int64).ravel()
    for second in more:
        counts = np.bincount(dense)
        big = counts[dense] > MAX_BLOCK
        if not big.any():
            break
        sec = second[idx]
        combined = np.where(big, np.where(sec >= 0, dense * (int(second.max()) + 2) + sec + 1, -1),
                            -(dense + 2))      # small blocks keep their key, apart from the combined ones
        keep = combined != -1
        idx, combined = idx[keep], combined[keep]
        _, dense = np.unique(combined, return_inverse=True)
        dense = dense.astype(np.int64).ravel()
    out[idx] = dense
    return out


def _key(*parts: np.ndarray) -> np.ndarray:
    """One int key from several non-negative int arrays (-1 where any part is 0, i.e. absent)."""
    key = np.zeros(len(parts[0]), dtype=np.int64)
    absent = np.zeros(len(parts[0]), dtype=bool)
    for p in parts:
        key = key * 1_000_003 + p
        absent |= p <= 0
    key = np.abs(key)
    key[absent] = -1
    return key


@dataclass(frozen=True)
class Rule:
    name: str
    keys: Callable[["Records"], np.ndarray]
    refine: tuple[Callable[["Records"], np.ndarray], ...] = ()


def _dob_sorted(r: Records) -> np.ndarray:
    y, m, d = r.dob // 10000, r.dob // 100 % 100, r.dob % 100
    lo, hi = np.minimum(m, d), np.maximum(m, d)
    return np.where(r.dob > 0, y * 10000 + lo * 100 + hi, -1)


def _fn_initial(r: Records) -> np.ndarray:
    return r.vocab.initial[r.forename]


def _names_sorted(r: Records) -> np.ndarray:
    a, b = r.vocab.meta[r.forename], r.vocab.meta[r.surname]
    return _key(np.minimum(a, b), np.maximum(a, b))


def _yob(r: Records) -> np.ndarray:
    return np.where(r.dob > 0, r.dob // 10000, -1)


def _mob(r: Records) -> np.ndarray:
    return np.where(r.dob > 0, r.dob // 100 % 100, -1)


def _sn_initial(r: Records) -> np.ndarray:
    return r.vocab.initial[r.surname]


def _sn_sound(r: Records) -> np.ndarray:
    return np.where(r.vocab.meta[r.surname] > 0, r.vocab.meta[r.surname], -1)


RULES: tuple[Rule, ...] = (
    Rule("date of birth", lambda r: np.where(r.dob > 0, r.dob, -1), (_fn_initial,)),
    Rule("date of birth, day and month in either order", _dob_sorted, (_fn_initial,)),
    Rule("surname sound", lambda r: _key(r.vocab.meta[r.surname]), (_fn_initial, _yob)),
    Rule("forename sound", lambda r: _key(r.vocab.meta[r.forename]), (_yob, _sn_initial)),
    Rule("year of birth and forename initial", lambda r: _key(np.where(r.dob > 0, r.dob // 10000, 0), _fn_initial(r)),
         (_mob, _sn_initial)),
    Rule("forename and surname sounds, either order", _names_sorted, (_yob,)),
)


@dataclass(frozen=True)
class Shared:
    """Person (root) pairs, encoded ``lo * R + hi`` and sorted, that share an address, a postcode, an associate."""
    address: np.ndarray
    postcode: np.ndarray
    associates: np.ndarray

    R: int = 0

    def member(self, codes: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
        """Whether each pair code is among ``sorted_codes`` (only pairs of two persons with any are looked up)."""
        out = np.zeros(len(codes), dtype=bool)
        if not len(sorted_codes):
            return out
        flagged = self.__dict__.get("_flagged")
        if flagged is None:
            flagged = np.zeros(max(self.R, 1), dtype=bool)
            for arr in (self.address, self.postcode, self.associates):
                flagged[arr // max(self.R, 1)] = True
                flagged[arr % max(self.R, 1)] = True
            object.__setattr__(self, "_flagged", flagged)
        maybe = np.nonzero(flagged[codes // self.R] & flagged[codes % self.R])[0]
        if len(maybe):
            sub = codes[maybe]
            i = np.minimum(np.searchsorted(sorted_codes, sub), len(sorted_codes) - 1)
            out[maybe] = sorted_codes[i] == sub
        return out


def _shared_pairs(recs: Records) -> Shared:
    """Root pairs sharing an address, a postcode, an associate (groups of at most MAX_SHARED persons).

    Made once per set of records (kept on it)."""
    made = recs.__dict__.get("_shared")
    if made is None:
        made = recs.__dict__["_shared"] = _make_shared(recs)
    return made


def _make_shared(recs: Records) -> Shared:
    R = len(recs.ids)

    def pairs_of(groups: dict) -> np.ndarray:
        out: list[int] = []
        for members in groups.values():
            if 1 < len(members) <= MAX_SHARED:
                ms = sorted(members)
                out.extend(a * R + b for i, a in enumerate(ms) for b in ms[i + 1:])
        return np.unique(np.array(out, dtype=np.int64))

    def grouped(by_root: dict) -> dict:
        groups: dict = defaultdict(set)
        for ri, values in by_root.items():
            for v in values:
                groups[v].add(ri)
        return groups

    # a person is never the duplicate of someone they are linked to directly; around a shared one, maybe
    return Shared(pairs_of(grouped(recs.addresses)), pairs_of(grouped(recs.postcodes)),
                  pairs_of(grouped(recs.neighbours)), R)


def candidate_pairs(recs: Records, wanted_roots: Iterable[int] | None = None, *, shared: Shared | None = None,
                    progress: Callable[[int, int, str], None] = no_progress,
                    cancelled: Callable[[], bool] = never_cancelled) -> Iterable[tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(rule, rows a, rows b)``: the pairs of rows each rule brings, each pair once (in its first rule).

    With ``wanted_roots``, only pairs touching those persons (an import's new or changed records).
    """
    wanted = None
    if wanted_roots is not None:
        w = np.zeros(len(recs.ids), dtype=bool)
        w[list(wanted_roots)] = True
        wanted = w[recs.root]
    earlier: list[np.ndarray] = []
    total = len(RULES) + 1
    for step, rule in enumerate(RULES):
        if cancelled():
            raise Cancelled()
        progress(step, total, f"Blocking: {rule.name}")
        keys = _refined(rule.keys(recs), *(f(recs) for f in rule.refine))
        a, b = _pairs_within(keys, wanted)
        keep = recs.root[a] != recs.root[b]
        for prev in earlier:
            keep &= ~((prev[a] == prev[b]) & (prev[a] >= 0))
        earlier.append(keys)
        yield rule.name, a[keep], b[keep]
    progress(len(RULES), total, "Blocking: addresses and associates")
    R = len(recs.ids)
    shared = shared if shared is not None else _shared_pairs(recs)
    codes = np.union1d(shared.address, shared.associates)      # a postcode alone is too wide to block on
    if len(codes):
        prim = recs.primary_rows()
        lo, hi = codes // R, codes % R
        if wanted_roots is not None:
            w = np.zeros(R, dtype=bool)
            w[list(wanted_roots)] = True
            sel = w[lo] | w[hi]
            lo, hi = lo[sel], hi[sel]
        a, b = prim[lo], prim[hi]
        keep = np.ones(len(a), dtype=bool)
        for prev in earlier:
            keep &= ~((prev[a] == prev[b]) & (prev[a] >= 0))
        yield "shared address or associate", a[keep], b[keep]


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

def _name_levels(v: _Vocab, a: np.ndarray, b: np.ndarray, surname: bool) -> np.ndarray:
    """The level of each pair of vocabulary ids, computed once per distinct pair of names."""
    V = len(v.names)
    key = a * V + b
    uniq, inv = np.unique(key, return_inverse=True)
    ua, ub = uniq // V, uniq % V
    levels = np.full(len(uniq), S_DIFF if surname else F_DIFF, dtype=np.int8)
    missing = (ua == 0) | (ub == 0)
    exact = (v.cid[ua] == v.cid[ub]) & ~missing
    todo = np.nonzero(~missing & ~exact)[0]
    if len(todo):
        sa = [v.compact[i] for i in ua[todo]]
        sb = [v.compact[i] for i in ub[todo]]
        jw = cpdist(sa, sb, scorer=JaroWinkler.normalized_similarity, dtype=np.float32, workers=1)
        osa = cpdist(sa, sb, scorer=OSA.distance, dtype=np.int32, workers=1, score_cutoff=2)
        ta, tb = ua[todo], ub[todo]
        minlen = np.minimum(v.length[ta], v.length[tb])
        typo = ((osa <= 1) & (minlen >= 4)) | (jw >= 0.94)
        sound = (((v.meta[ta] == v.meta[tb]) & (v.meta[ta] > 0)) | ((v.nysiis[ta] == v.nysiis[tb]) & (v.nysiis[ta] > 0))
                 | (jw >= 0.88))
        lv = np.full(len(todo), S_DIFF if surname else F_DIFF, dtype=np.int8)
        if surname:
            lv[sound] = S_SOUND
            lv[typo] = S_TYPO
            multi = np.nonzero(v.multi[ta] | v.multi[tb])[0]
            for k in multi:      # a double-barrelled name and one of its parts; or the same parts, joined
                x, y = v.tokens[ta[k]], v.tokens[tb[k]]
                if x <= y or y <= x or any(p in y for p in x if len(p) > 2):
                    lv[k] = S_PART
        else:
            lv[sound] = F_SOUND
            init = (np.minimum(v.length[ta], v.length[tb]) == 1) & (v.initial[ta] == v.initial[tb])
            lv[init] = F_INITIAL
            lv[typo] = F_TYPO
            nick = np.isin(ta * V + tb, v.nick_keys)
            lv[nick] = F_NICK
            multi = np.nonzero((v.multi[ta] | v.multi[tb]) & (lv == F_DIFF))[0]
            for k in multi:      # a middle name on one record only
                x, y = v.tokens[ta[k]], v.tokens[tb[k]]
                if x <= y or y <= x:
                    lv[k] = F_TYPO
        levels[todo] = lv
    levels[exact] = S_EXACT if surname else F_EXACT
    levels[missing] = S_MISSING if surname else F_MISSING
    return levels[inv]


def _dob_levels(da: np.ndarray, db: np.ndarray) -> np.ndarray:
    out = np.full(len(da), D_NEAR, dtype=np.int8)
    ya, ma, dda = da // 10000, da // 100 % 100, da % 100
    yb, mb, ddb = db // 10000, db // 100 % 100, db % 100
    years = np.abs((ya * 372 + ma * 31 + dda) - (yb * 372 + mb * 31 + ddb)) / 372.0
    out[years >= 10] = D_APART
    out[years >= 20] = D_GENERATION
    digits = np.zeros(len(da), dtype=np.int8)
    x, y = da.copy(), db.copy()
    for _ in range(8):
        digits += (x % 10 != y % 10)
        x //= 10
        y //= 10
    out[digits == 1] = D_DIGIT
    out[(ya == yb) & (ma == ddb) & (dda == mb) & (ma != dda)] = D_SWAPPED
    out[da == db] = D_EXACT
    out[(da == 0) | (db == 0)] = D_MISSING
    return out


@dataclass
class Compared:
    """The levels of each pair, field by field (arrays of level codes), and which way round the names were."""
    a: np.ndarray
    b: np.ndarray
    levels: dict[str, np.ndarray]


def compare(recs: Records, a: np.ndarray, b: np.ndarray, shared: Shared | None = None,
            model: "Model | None" = None) -> Compared:
    """Compare rows ``a[k]`` and ``b[k]`` field by field; names the better way round (as recorded or swapped)."""
    v = recs.vocab
    fa, fb, sa, sb = recs.forename[a], recs.forename[b], recs.surname[a], recs.surname[b]
    f1 = _name_levels(v, fa, fb, False)
    s1 = _name_levels(v, sa, sb, True)
    model = model or Model.default()
    fl, sl = f1, s1
    swapped = np.zeros(len(a), dtype=bool)
    # the other way round only where it could agree: a forename with the other's surname initial, and back
    init = v.initial
    maybe = np.nonzero((init[fa] == init[sb]) & (init[sa] == init[fb]) & (fa > 0) & (sb > 0))[0]
    if len(maybe):
        f2 = _name_levels(v, fa[maybe], sb[maybe], False)
        s2 = _name_levels(v, sa[maybe], fb[maybe], True)
        ft, st = model.table("forename"), model.table("surname")
        w1 = ft[f1[maybe]] + st[s1[maybe]]
        w2 = ft[f2] + st[s2] + model.table("order")[O_SWAPPED] - model.table("order")[O_AS_RECORDED]
        better = (w2 > w1) & (f2 <= F_INITIAL) & (s2 <= S_SOUND)
        swapped[maybe] = better
        fl, sl = f1.copy(), s1.copy()
        fl[maybe[better]] = f2[better]
        sl[maybe[better]] = s2[better]
    dl = _dob_levels(recs.dob[a], recs.dob[b])
    # twins and siblings: different forenames, the same surname and date of birth
    fl = np.where((fl == F_DIFF) & (sl <= S_PART) & (dl == D_EXACT), F_FAMILY, fl).astype(np.int8)
    ga, gb = recs.gen[a], recs.gen[b]
    gl = np.where((ga > 0) & (gb > 0) & (ga != gb), G_CONFLICT,
                  np.where((ga > 0) != (gb > 0), G_ONE, G_NONE)).astype(np.int8)
    if shared is None:
        shared = _shared_pairs(recs)
    R = len(recs.ids)
    ra, rb = recs.root[a], recs.root[b]
    code = np.minimum(ra, rb) * R + np.maximum(ra, rb)
    has_addr = _has_address(recs, ra) & _has_address(recs, rb)
    al = np.where(has_addr, A_NONE, A_UNKNOWN).astype(np.int8)
    al[shared.member(code, shared.postcode) & has_addr] = A_POSTCODE
    al[shared.member(code, shared.address) & has_addr] = A_SAME
    xl = np.full(len(a), X_NONE, dtype=np.int8)
    xl[shared.member(code, shared.associates)] = X_SHARED
    # an address or an associate counts only when the names agree at least in part
    names_agree = (fl <= F_INITIAL) | (sl <= S_SOUND)
    al = np.where(names_agree | (al == A_UNKNOWN), al, A_NONE).astype(np.int8)
    xl = np.where(names_agree, xl, X_NONE).astype(np.int8)
    return Compared(a, b, {"forename": fl, "surname": sl, "order": swapped.astype(np.int8), "dob": dl,
                           "generation": gl, "address": al, "associates": xl})


def _has_address(recs: Records, roots: np.ndarray) -> np.ndarray:
    known = recs.__dict__.get("_known_address")
    if known is None:
        known = np.zeros(len(recs.ids), dtype=bool)
        known[list(set(recs.addresses) | set(recs.postcodes))] = True
        recs.__dict__["_known_address"] = known
    return known[roots]


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------

@dataclass
class Model:
    """m and u per level, the prior, and how they were made (for the explanation and the docs)."""
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float                        # log2 odds that a random pair is a duplicate
    tf: dict[str, np.ndarray] = field(default_factory=dict)   # exact-name weight per vocabulary id
    labels: tuple[int, int] = (0, 0)    # merges and "not the same" pairs that refined it
    sampled: int = 0

    @classmethod
    def default(cls) -> "Model":
        m = {f: [lv.m for lv in LEVELS[f]] for f in FIELDS}
        u = {f: [lv.u if lv.u is not None else lv.m for lv in LEVELS[f]] for f in FIELDS}
        # without a store: u of the commonest levels from a typical population
        u["forename"][:6] = [0.01, 0.002, 0.004, 0.01, 0.001, 0.973]
        u["surname"][:5] = [0.005, 0.0005, 0.002, 0.005, 0.9875]
        u["dob"][:6] = [0.0001, 0.00005, 0.0008, 0.3, 0.35, 0.35]
        u["address"][:3] = [0.0005, 0.002, 0.9975]
        u["associates"] = [0.0001, 0.9999]
        return cls(m, u, prior=-16.0)

    def weight(self, field_: str, level: int) -> float:
        lv = LEVELS[field_][level]
        if lv.neutral:
            return 0.0
        return math.log2(max(self.m[field_][level], 1e-9) / max(self.u[field_][level], 1e-9))

    def table(self, field_: str) -> np.ndarray:
        return np.array([self.weight(field_, i) for i in range(len(LEVELS[field_]))])


def _level_counts(levels: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(levels.astype(np.int64), minlength=n).astype(float)


def train(recs: Records, merged: Iterable[tuple[int, int]] = (), not_same: Iterable[tuple[int, int]] = (),
          *, seed: int = 0, shared=None, sample: np.ndarray | None = None,
          population: tuple[int, float] | None = None) -> Model:
    """A model for this store: u from its pairs, the prior from the pairs that agree on everything, m refined by
    the merged root pairs (``merged``) and u nudged by the pairs marked not the same person (``not_same``).

    When ``recs`` holds only part of the store: ``sample`` names the roots drawn at random (u and the names'
    frequencies come from them alone) and ``population`` is (persons in the store, pairs agreeing on
    everything in it), for the prior."""
    model = Model.default()
    prim = recs.primary_rows()
    pool = np.arange(len(recs.ids)) if sample is None else np.asarray(sample, dtype=np.int64)
    R = len(pool)
    if shared is None:
        shared = _shared_pairs(recs)
    if R >= 2:
        total = R * (R - 1) // 2 if population is None else max(population[0] * (population[0] - 1) // 2, 1)
        if R * (R - 1) // 2 <= SAMPLE_PAIRS:
            i, j = np.triu_indices(R, 1)
        else:
            rng = np.random.default_rng(seed)
            i = rng.integers(0, R, SAMPLE_PAIRS)
            j = rng.integers(0, R, SAMPLE_PAIRS)
            keep = i != j
            i, j = i[keep], j[keep]
        i, j = pool[i], pool[j]
        own = prim[pool]
        own = own[own >= 0]
        # the prior first: pairs agreeing on compact forename, surname and date of birth, over the share of
        # duplicates that do (EXACT_RECALL)
        key = _key(recs.vocab.cid[recs.forename[own]] + 1, recs.vocab.cid[recs.surname[own]] + 1,
                   np.where(recs.dob[own] > 0, recs.dob[own], 0))
        key = key[key >= 0]
        _, counts = np.unique(key, return_counts=True)
        exact_pairs = float((counts * (counts - 1) // 2).sum()) if population is None else population[1]
        lam = min(max(exact_pairs, 1.0) / EXACT_RECALL / total, 0.5)
        model.prior = math.log2(lam / (1 - lam))

        defaults = Model.default().u

        def unmatched(share: float, f: str, k: int, n: float) -> float:
            # what is seen among all pairs, less the duplicates among them (lambda * m), over the non-duplicates;
            # a small store's estimate leans on the defaults (U_PRIOR pseudo-pairs)
            seen = max(share - lam * model.m[f][k], 0.5 / n) / (1 - lam)
            return (n * seen + U_PRIOR * defaults[f][k]) / (n + U_PRIOR)

        c = compare(recs, prim[i], prim[j], shared, model)
        n = float(len(i))
        for f in FIELDS:
            counts = _level_counts(c.levels[f], len(LEVELS[f]))
            for k, lv in enumerate(LEVELS[f]):
                if lv.u is None and not lv.neutral:
                    model.u[f][k] = unmatched(counts[k] / n, f, k, n)
        model.sampled = int(n)
        # exact levels from the values' own frequencies (the chance that two records share the value)
        for f, vals, lvl in (("forename", recs.vocab.cid[recs.forename[own][recs.forename[own] > 0]], F_EXACT),
                             ("surname", recs.vocab.cid[recs.surname[own][recs.surname[own] > 0]], S_EXACT),
                             ("dob", recs.dob[own][recs.dob[own] > 0], D_EXACT)):
            if len(vals) > 1:
                _, counts = np.unique(vals, return_counts=True)
                share = float((counts * (counts - 1)).sum()) / (len(vals) * (len(vals) - 1))
                model.u[f][lvl] = unmatched(share, f, lvl, float(total))
        # day and month swapped: counted over every pair from the dates' own frequencies (a sample rarely meets it)
        d = recs.dob[own][recs.dob[own] > 0]
        if len(d) > 1:
            vals, counts = np.unique(d, return_counts=True)
            y, mo, dd = vals // 10000, vals // 100 % 100, vals % 100
            swap = y * 10000 + dd * 100 + mo
            ok = (dd <= 12) & (dd != mo)
            pos = np.minimum(np.searchsorted(vals, swap), len(vals) - 1)
            met = ok & (vals[pos] == swap)
            pairs = float((counts[met] * counts[pos[met]]).sum()) / 2
            model.u["dob"][D_SWAPPED] = unmatched(pairs / (len(d) * (len(d) - 1) / 2), "dob", D_SWAPPED,
                                                  float(total))
        # sharing an address, a postcode or an associate: counted over every pair, not sampled
        for f, lvl, arr in (("address", A_SAME, shared.address), ("address", A_POSTCODE, shared.postcode),
                            ("associates", X_SHARED, shared.associates)):
            if population is None:      # part of the store: these stay at their defaults
                model.u[f][lvl] = unmatched(len(arr) / total, f, lvl, float(total))
        # the exact name levels weighed by the name's own frequency ("Nowak" says more than "Smith")
        for f, col in (("forename", recs.forename), ("surname", recs.surname)):
            cids = recs.vocab.cid[col[own]]
            present = col[own] > 0
            cnt = np.bincount(cids[present], minlength=int(recs.vocab.cid.max()) + 1).astype(float)
            exact = F_EXACT if f == "forename" else S_EXACT
            share = (np.maximum(cnt, 2.0) + TF_PRIOR * defaults[f][exact]) / (present.sum() + TF_PRIOR)
            model.tf[f] = share[recs.vocab.cid]          # by vocabulary id
    merged, not_same = list(merged), list(not_same)
    if merged:
        a = prim[[x for x, _ in merged]]
        b = prim[[y for _, y in merged]]
        c = compare(recs, a, b, shared, model)
        for f in FIELDS:
            counts = _level_counts(c.levels[f], len(LEVELS[f]))
            n = counts.sum()
            model.m[f] = [(PSEUDO_MATCHES * m0 + counts[k]) / (PSEUDO_MATCHES + n)
                          for k, m0 in enumerate(model.m[f])]
    if not_same:
        a = prim[[x for x, _ in not_same]]
        b = prim[[y for _, y in not_same]]
        c = compare(recs, a, b, shared, model)
        for f in FIELDS:
            counts = _level_counts(c.levels[f], len(LEVELS[f]))
            n = counts.sum()
            model.u[f] = [(PSEUDO_NONMATCHES * u0 + counts[k]) / (PSEUDO_NONMATCHES + n)
                          if LEVELS[f][k].u is None else u0 for k, u0 in enumerate(model.u[f])]
    model.labels = (len(merged), len(not_same))
    return model


def score(recs: Records, model: Model, c: Compared) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The total weight (prior included) of each pair compared, and each field's weight."""
    weights = {}
    for f in FIELDS:
        weights[f] = model.table(f)[c.levels[f]]
    # exact names by their own frequency
    swapped = c.levels["order"] == O_SWAPPED
    for f, exact, other in (("forename", F_EXACT, "surname"), ("surname", S_EXACT, "forename")):
        if f in model.tf:
            hit = c.levels[f] == exact
            if hit.any():
                # the value's share in its field (the larger of the two records' own, so the order does not
                # matter; swapped, "Wilson" as a forename counts as the common surname it is)
                col_a = recs.forename if f == "forename" else recs.surname
                col_b = recs.forename if other == "forename" else recs.surname
                own = np.maximum(model.tf[f][col_a[c.a]], model.tf[f][col_a[c.b]])
                share = np.where(swapped, np.maximum(model.tf[f][col_a[c.a]], model.tf[other][col_b[c.b]]), own)
                weights[f] = np.where(hit, np.log2(model.m[f][exact] / np.maximum(share, 1e-9)), weights[f])
    total = model.prior + sum(weights.values())
    return total, weights


def probability(weight: np.ndarray | float) -> np.ndarray | float:
    """From a total match weight (log2 odds) to a probability."""
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))


# --------------------------------------------------------------------------
# Explaining
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One field's part in a pair's score: ``surname: Nowak = Nowak, +4.1``."""
    field: str
    level: str
    text: str
    weight: float

    def __str__(self) -> str:
        return f"{self.text}, {self.weight:+.1f}"


_LABEL = {"forename": "forename", "surname": "surname", "order": "names", "dob": "date of birth",
          "generation": "Jr/Sr", "address": "address", "associates": "associates"}


def _dob_text(d: int) -> str:
    return f"{d % 100:02d}/{d // 100 % 100:02d}/{d // 10000}" if d else "not recorded"


def evidence(recs: Records, model: Model, c: Compared, k: int, weights: dict[str, np.ndarray],
             shared_with: Callable[[int, int], str] | None = None) -> tuple[Evidence, ...]:
    """The explanation of pair ``k``: one item per field that says something (weight not 0), strongest first."""
    a, b = int(c.a[k]), int(c.b[k])
    swapped = int(c.levels["order"][k]) == O_SWAPPED
    fa, sa = recs.raw_forename[a] or "?", recs.raw_surname[a] or "?"
    fb, sb = (recs.raw_surname[b], recs.raw_forename[b]) if swapped else (recs.raw_forename[b], recs.raw_surname[b])
    fb, sb = fb or "?", sb or "?"
    out = []
    for f in FIELDS:
        lv = int(c.levels[f][k])
        level = LEVELS[f][lv]
        w = float(weights[f][k])
        if f in ("generation", "associates") and level.neutral:
            continue
        if f == "address" and lv == A_UNKNOWN:
            continue
        if f == "order" and lv == O_AS_RECORDED:
            continue
        if f == "forename":
            sign = {F_EXACT: "=", F_DIFF: "≠", F_FAMILY: "≠", F_MISSING: "/"}.get(lv, "~")
            text = f"forename: {fa} {sign} {fb}" + ("" if lv in (F_EXACT, F_DIFF, F_MISSING) else f" ({level.name})")
        elif f == "surname":
            sign = {S_EXACT: "=", S_DIFF: "≠", S_MISSING: "/"}.get(lv, "~")
            text = f"surname: {sa} {sign} {sb}" + ("" if lv in (S_EXACT, S_MISSING) else f" ({level.name})")
        elif f == "order":
            text = "names: forename and surname swapped"
        elif f == "dob":
            da, db = int(recs.dob[a]), int(recs.dob[b])
            if lv == D_EXACT:
                text = f"date of birth: {_dob_text(da)} = {_dob_text(db)}"
            elif lv == D_MISSING:
                text = "date of birth: not recorded on one record"
            else:
                text = f"date of birth: {_dob_text(da)} vs {_dob_text(db)} ({level.name})"
        elif f == "generation":
            text = f"Jr/Sr: {level.name}"
        elif f == "address":
            text = f"address: {level.name}"
        else:
            who = shared_with(int(recs.root[a]), int(recs.root[b])) if shared_with else ""
            text = f"shares {who}" if who else "associates: an associate shared"
        if f in ("forename", "surname", "dob") and level.neutral:
            w = 0.0
        out.append(Evidence(f, level.name, text, round(w, 1)))
    order = {"surname": 0, "forename": 1, "order": 2, "dob": 3, "generation": 4, "address": 5, "associates": 6}
    out.sort(key=lambda e: order[e.field])
    # the base rate: how rarely two records picked at random are one person (the weights start from it)
    out.append(Evidence("prior", "base rate", "base rate (two records at random)", round(model.prior, 1)))
    return tuple(out)


def dumps_model(model: Model) -> str:
    """The model's m, u and weights as JSON (the CLI's ``--model``)."""
    return json.dumps({"prior": round(model.prior, 2), "sampled_pairs": model.sampled,
                       "labels": {"merged": model.labels[0], "not_same": model.labels[1]},
                       "levels": {f: [{"level": lv.name, "m": round(model.m[f][i], 5), "u": round(model.u[f][i], 6),
                                       "weight": round(model.weight(f, i), 2)} for i, lv in enumerate(LEVELS[f])]
                                  for f in FIELDS}}, indent=2)


_ = _dt  # dates are handled as yyyymmdd integers here
