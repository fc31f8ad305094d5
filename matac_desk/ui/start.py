"""The start dialog: open a store, create one, open the demo, or a recent store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from .widgets import settings

__all__ = ["StartDialog", "recent_stores", "remember_store"]

MAX_RECENT = 8


def recent_stores() -> list[str]:
    """Recently opened store paths that still exist (paths only; QSettings holds no personal data)."""
    value = settings().value("recent_stores", []) or []
    if isinstance(value, str):
        value = [value]
    return [p for p in value if Path(p).exists()]


def remember_store(path: Path) -> None:
    s = settings()
    value = s.value("recent_stores", []) or []
    if isinstance(value, str):
        value = [value]
    s.setValue("recent_stores", [str(path)] + [p for p in value if p != str(path)][:MAX_RECENT - 1])


class StartDialog(QDialog):
    """First screen. ``choice`` is ``(kind, path)``: kind is open, create, demo or recent."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("MATAC Desk")
        self.choice: tuple[str, Path | None] | None = None
        lay = QVBoxLayout(self)
        intro = QLabel("<h2>MATAC Desk</h2><p>Open a store to prepare the next MATAC meeting.</p>")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.buttons: dict[str, QPushButton] = {}
        for label, kind, tip in (
            ("&Open a store…", "open", "Open an existing encrypted store file"),
            ("&Create a new store…", "create", "Create a new, empty, encrypted store file"),
            ("Open the &demo store", "demo", "A store of entirely fictitious data, to try the program"),
        ):
            b = QPushButton(label)
            b.setAccessibleName(label.replace("&", "").rstrip("…"))
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, k=kind: self._choose(k))
            lay.addWidget(b)
            self.buttons[kind] = b
        recent = recent_stores()[:5]
        if recent:
            lay.addWidget(QLabel("<b>Recent stores</b>"))
        for path in recent:
            b = QPushButton(Path(path).name)
            b.setToolTip(path)
            b.setAccessibleName(f"Open recent store {Path(path).name}")
            b.clicked.connect(lambda _=False, p=path: self._choose("recent", Path(p)))
            lay.addWidget(b)
        lay.addStretch(1)
        self.setMinimumWidth(380)

    def _choose(self, kind: str, path: Path | None = None) -> None:
        if kind == "open":
            name, _ = QFileDialog.getOpenFileName(self, "Open store", "", "MATAC Desk stores (*.mdesk);;All files (*)")
            if not name:
                return
            path = Path(name)
        elif kind == "create":
            name, _ = QFileDialog.getSaveFileName(self, "Create store", "store.mdesk", "MATAC Desk stores (*.mdesk)")
            if not name:
                return
            path = Path(name)
        self.choice = (kind, path)
        self.accept()
