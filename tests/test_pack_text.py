"""Right-to-left text: the words of an Arabic run in visual order, each word left for the shaper; values escaped."""

import unicodedata

import pytest

from matac_desk.pack.styles import esc, needs_shaping, shaped_label, visual


def _logical(shown: str) -> str:
    """What a reader gets back from drawn text: the joining forms folded, right-to-left runs read right to left."""
    import re
    return re.sub(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc][\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc ]*"
                  r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc]|[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufefc]",
                  lambda m: unicodedata.normalize("NFKC", m.group(0)[::-1]), shown)


@pytest.mark.parametrize("text", [
    "Zoë Smith", "Łukasz Nowak", "محمد", "عمران خان", "Zoë حسين", "نوید اختر", "ژالہ", "لا",
])
def test_visual_order_reads_back_as_typed(text):
    assert _logical(visual(text)) == text


@pytest.mark.parametrize("text", ["Zoë Smith", "Siobhán Ní Bhriain", "Þórunn Sigurðardóttir", "Şükrü Öztürk"])
def test_latin_text_is_left_alone(text):
    assert visual(text) == text


def test_the_id_stays_after_the_name():
    shown = visual("عمران خان (NM0000123)")
    assert shown.endswith(" (NM0000123)") and _logical(shown) == "عمران خان (NM0000123)"


def test_arabic_letters_are_in_their_joining_forms():
    # presentation forms (U+FB50..U+FEFF): every glyph maps back to a character, no private-use codes
    assert all("\ufb50" <= c <= "\ufeff" for c in visual("محمد"))
    assert all("\ufb50" <= c <= "\ufeff" for c in visual("ہے"))


@pytest.mark.parametrize("value, markup", [
    (None, "—"),
    ("", "—"),
    (3.0, "3"),
    (2.5, "2.5"),
    ("O'Brien & <Sons>", "O'Brien &amp; &lt;Sons&gt;"),
    ("Siobhán", "Siobhán"),
])
def test_esc(value, markup):
    assert esc(value) == markup


def test_esc_puts_arabic_script_in_the_arabic_font():
    from matac_desk.pack.styles import FONT_ARABIC
    out = esc("Ali خان")
    assert out.startswith("Ali ") and f'<font face="{FONT_ARABIC}">' in out


@pytest.mark.parametrize("text, needed", [("Siobhán", False), ("Zoë", False), ("خان", True), ("Ali خان", True)])
def test_needs_shaping(text, needed):
    assert needs_shaping(text) is needed


def test_shaped_label_joins_arabic_letters():
    from matac_desk.pack.styles import FONT, FONT_ARABIC, label_runs, register_fonts
    register_fonts()
    out = shaped_label("محمد", FONT, 8)
    # joined forms are presentation forms (U+FE70..U+FEFF), in visual order: the last letter first
    assert all("\ufe70" <= c <= "\ufeff" for c in out)
    assert unicodedata.normalize("NFKC", out)[::-1] == "محمد"
    assert shaped_label("Siobhán", FONT, 8) == "Siobhán"
    assert [f for _, f in label_runs(out, FONT)] == [FONT_ARABIC]
