"""Right-to-left text: the words of an Arabic run in visual order, each word left for the shaper; values escaped."""

import pytest

from matac_desk.pack.styles import esc, needs_shaping, shaped_label, visual


@pytest.mark.parametrize("text, shown", [
    ("Zoë Smith", "Zoë Smith"),
    ("Łukasz Nowak", "Łukasz Nowak"),
    ("محمد", "محمد"),                                   # one word: the shaper orders its letters
    ("عمران خان", "خان عمران"),                          # two words: the first is drawn on the right
    ("عمران خان (NM0000123)", "خان عمران (NM0000123)"),  # the id stays after the name
    ("Zoë حسين", "Zoë حسين"),
    ("فاطمة علي and Zoë", "علي فاطمة and Zoë"),
])
def test_visual_order(text, shown):
    assert visual(text) == shown


@pytest.mark.parametrize("value, markup", [
    (None, "—"),
    ("", "—"),
    (3.0, "3"),
    (2.5, "2.5"),
    ("O'Brien & <Sons>", "O'Brien &amp; &lt;Sons&gt;"),
    ("عمران خان", "خان عمران"),
])
def test_esc(value, markup):
    assert esc(value) == markup


@pytest.mark.parametrize("text, needed", [("Siobhán", False), ("Zoë", False), ("خان", True), ("Ali خان", True)])
def test_needs_shaping(text, needed):
    assert needs_shaping(text) is needed


def test_shaped_label_joins_arabic_letters():
    from matac_desk.pack.styles import FONT, register_fonts
    register_fonts()
    out = shaped_label("محمد", FONT, 8)
    # joined forms are presentation forms (U+FE70..U+FEFF), in visual order: the last letter first
    assert all("\ufe70" <= c <= "\ufeff" for c in out)
    import unicodedata
    assert unicodedata.normalize("NFKC", out)[::-1] == "محمد"
    assert shaped_label("Siobhán", FONT, 8) == "Siobhán"
