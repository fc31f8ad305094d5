"""The free-text check's cheap first test never lets through what the per-term pattern refuses."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from matac_desk.storage import audit

# Letters re.IGNORECASE treats as ASCII ones, letters whose case folding changes length, other scripts.
TRICKY = "İıſKkKsSiIßẞéÉñÑçÇ\u0307خانزينبΣσς"
WORD = st.text(alphabet=st.sampled_from("abcXYZ019-'./," + TRICKY), min_size=1, max_size=6)
TERM = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
SPACE = st.sampled_from([" ", "  ", "\t", "\n", ""])


def _reference(text: str, terms: list[str]) -> bool:
    """One pattern per term, as check_free_text compiled them before the cheap test."""
    return any(re.compile(r"(?<![\w])" + r"\s+".join(re.escape(w) for w in t.split()) + r"(?![\w])",
                          re.IGNORECASE).search(text) for t in terms if t.strip())


def _recase(term: str, data) -> str:
    """The term as someone might type it: each letter in either case or a stand-in, any white space."""
    out = []
    for ch in term:
        if ch.isspace():
            out.append(data.draw(SPACE.filter(bool)))
        else:
            out.append(data.draw(st.sampled_from([ch, ch.upper(), ch.lower(), {"i": "İ", "s": "ſ", "k": "K",
                                                                                "I": "ı"}.get(ch, ch)])))
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(terms=st.lists(TERM, min_size=1, max_size=4), noise=st.text(alphabet=TRICKY + "ab c,.-", max_size=8),
       data=st.data())
def test_cheap_test_agrees_with_one_pattern_per_term(terms, noise, data):
    inside = _recase(data.draw(st.sampled_from(terms)), data)
    for text in (noise, f"{noise} {inside} {noise}", f"{noise}{inside}", inside):
        assert audit._names_any(text, terms) == _reference(text, terms), (text, terms)


def test_stand_ins_and_spacing_still_refused():
    terms = ["Kırsty Sİmms", "NM0000049", "1990-07-14"]
    for text in ("asked by KIRSTY   simms", "re nm0000049 today", "born 1990-07-14", "kirſty sİmms"):
        assert audit._names_any(text, terms), text
    for text in ("Kirsty asked", "NM00000490", "1990-07-145", "simms kirsty"):
        assert not audit._names_any(text, terms), text
