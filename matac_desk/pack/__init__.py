"""Meeting packs and perpetrator profiles as PDF (reportlab; nothing here knows Qt).

The layers inside, one noun each: :mod:`.styles` (fonts, colours, the
stylesheet, right-to-left text), :mod:`.document` (pages, marking,
numbering, bookmarks, atomic writing), :mod:`.charts` (vector charts),
:mod:`.profile` (one subject) and :mod:`.meeting` (the whole pack).

Every PDF that leaves the program is a disclosure: :func:`pack_pdf`,
:func:`profile_pdf`, :func:`export_pack` and :func:`export_profile` write
an audit entry with the recipient and the reason (Data Protection Act 2018,
s.62). The ``*_pdf`` functions return bytes for the UI to save or print;
the ``export_*`` functions write a file safely (temporary file, then
rename), auditing just before the rename, so a failed or cancelled export
leaves neither a file nor an entry, and a killed one never leaves a file
without its entry (:func:`matac_desk.storage.files.write_atomically` says what it can leave).
"""

from __future__ import annotations

import datetime as _dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..storage.audit import audit_disclosure, head_display
from ..domain import UserError, never_cancelled, no_progress
from ..storage.store import Store
from ..storage.files import write_atomically
from .document import MARKING

__all__ = ["MARKING", "Export", "pack_pdf", "profile_pdf", "export_pack", "export_profile", "new_reference",
           "withheld_pack", "withheld_profile", "pack_redactor"]


@dataclass(frozen=True)
class Export:
    """What an export produced: the file (None for bytes), the reference printed on every page, the pages."""
    path: Path | None
    reference: str
    pages: int
    size: int
    audit_id: int | None = None
    withheld: dict[str, int] | None = None   # redacted versions: what free text withheld, per section

    def withheld_lines(self) -> list[str]:
        """"Minutes: 3 withheld", one line per section; empty for a full version or when nothing was withheld."""
        return [f"{k}: {v} withheld" for k, v in sorted((self.withheld or {}).items())]


def new_reference(prefix: str, day: _dt.date | str) -> str:
    """A reference unique to one printed copy: ``MATAC-20261126-M13-7F3A``-like."""
    d = day if isinstance(day, str) else day.isoformat()
    return f"{prefix}-{d.replace('-', '')}-{secrets.token_hex(2).upper()}"


def _check_recipient(recipient: str | None, what: str) -> str:
    recipient = " ".join((recipient or "").split())
    if not recipient:
        raise UserError(f"say who receives the {what} (the recipient): every {what} is a disclosure and is recorded "
                        "in the audit log with its recipient")
    return recipient


def _render_pack(store: Store, meeting_id: int, *, recipient: str, redact: bool, agency: str | None,
                 today: _dt.date | None, reference: str | None, progress, cancelled, lay_out: bool = True):
    from .meeting import MeetingPackDocument, collect_pack
    data = collect_pack(store, meeting_id, agency=agency, progress=progress, cancelled=cancelled)
    m = data.agenda.meeting
    printed = (today or _dt.date.today()).isoformat()
    ref = reference or new_reference(f"MATAC-M{m.number}", m.date)
    red = pack_redactor(store, data) if redact else None
    doc = MeetingPackDocument(data, redact=redact, recipient=recipient, reference=ref, printed_on=printed,
                              redactor=red, progress=progress, cancelled=cancelled)
    doc.audit_head = head_display(store.conn)  # issue 16: the cover carries the audit chain's head, an anchor
    if not lay_out:
        doc.story()      # every text passes through the redactor; nothing is laid out
        return None, doc, data
    pdf = doc.render()
    return pdf, doc, data


def pack_redactor(store: Store, data):
    """The redactor of a pack: the victims and partners of every perpetrator it names (subjects, nominees,
    alerts' perpetrators), new partners included, have their addresses, postcodes and dates of birth withheld."""
    from .redaction import redactor_for
    a = data.agenda
    return redactor_for(store, [r.person_id for r in a.review] + [n.person_id for n in a.nominations]
                        + [x.perpetrator_id for x in a.new_partners])


def _pack_audit(store, data, doc, recipient, reason, redact, what="pack"):
    m = data.agenda.meeting
    return audit_disclosure(store, what, recipient, reason or f"MATAC meeting {m.number} on {m.date}",
                            data.person_ids,
                            detail={"reference": doc.reference, "meeting_id": m.id, "pages": doc.pages,
                                    "redacted": redact, "agency": data.agency,
                                    "subjects": len(data.profiles)})


def pack_pdf(store: Store, meeting_id: int, *, recipient: str, reason: str | None = None, redact: bool = False,
             agency: str | None = None, today: _dt.date | None = None, reference: str | None = None,
             progress: Callable[[int, int, str], None] = no_progress,
             cancelled: Callable[[], bool] = never_cancelled) -> tuple[bytes, Export]:
    """The meeting pack as PDF bytes (for the UI to save or print); audited as a disclosure."""
    recipient = _check_recipient(recipient, "pack")
    pdf, doc, data = _render_pack(store, meeting_id, recipient=recipient, redact=redact, agency=agency, today=today,
                                  reference=reference, progress=progress, cancelled=cancelled)
    aid = _pack_audit(store, data, doc, recipient, reason, redact)
    return pdf, Export(None, doc.reference, doc.pages, len(pdf), aid, _counts(doc))


def _counts(doc) -> dict[str, int] | None:
    red = getattr(doc, "red", None) or getattr(doc, "redactor", None)
    return dict(red.counts) if red is not None else None


def export_pack(store: Store, path: str | os.PathLike, meeting_id: int, *, recipient: str,
                reason: str | None = None, redact: bool = False, agency: str | None = None,
                today: _dt.date | None = None, reference: str | None = None,
                progress: Callable[[int, int, str], None] = no_progress,
                cancelled: Callable[[], bool] = never_cancelled) -> Export:
    """Write the meeting pack to ``path`` safely and record the disclosure."""
    recipient = _check_recipient(recipient, "pack")
    return _export(path, lambda: _render_pack(
        store, meeting_id, recipient=recipient, redact=redact, agency=agency, today=today, reference=reference,
        progress=progress, cancelled=cancelled),
        lambda doc, data: _pack_audit(store, data, doc, recipient, reason, redact))


def _export(path, render: Callable[[], tuple], record: Callable[..., int]) -> Export:
    """Render, write to a temporary file, audit, then rename into place (see :func:`write_atomically`)."""
    made: dict = {}

    def pdf() -> bytes:
        made["pdf"], made["doc"], made["data"] = render()
        return made["pdf"]

    def audit() -> None:
        made["audit"] = record(made["doc"], made["data"])

    target = write_atomically(path, pdf, before_rename=audit)
    return Export(target, made["doc"].reference, made["doc"].pages, len(made["pdf"]), made.get("audit"),
                  _counts(made["doc"]))


def _render_profile(store: Store, person_id: str, *, recipient: str, redact: bool, agency: str | None,
                    as_of: _dt.date | None, today: _dt.date | None, reference: str | None, progress, cancelled):
    from ..services.relations import period
    from .profile import ProfileDocument, collect_profile
    day = as_of or today or _dt.date.today()
    since, _ = period(store, day)
    progress(0, 3, "Gathering the profile")
    prof = collect_profile(store, person_id, as_of=day, since=since, agency=agency)
    if cancelled():
        from ..domain import Cancelled
        raise Cancelled()
    ref = reference or new_reference(f"PROFILE-{prof.person.id}", day)
    from .redaction import redactor_for
    red = redactor_for(store, [prof.person.id]) if redact else None
    doc = ProfileDocument(prof, redact=redact, agency=agency, recipient=recipient, reference=ref, redactor=red,
                          printed_on=(today or _dt.date.today()).isoformat(), progress=progress, cancelled=cancelled)
    doc.audit_head = head_display(store.conn)  # issue 16: the cover carries the audit chain's head, an anchor
    return doc.render(), doc, prof


def _profile_audit(store, prof, doc, recipient, reason, redact, agency):
    return audit_disclosure(store, "profile", recipient, reason or "MATAC perpetrator profile", [prof.person.id],
                            detail={"reference": doc.reference, "pages": doc.pages, "redacted": redact,
                                    "agency": agency})


def profile_pdf(store: Store, person_id: str, *, recipient: str, reason: str | None = None, redact: bool = False,
                agency: str | None = None, as_of: _dt.date | None = None, today: _dt.date | None = None,
                reference: str | None = None, progress=no_progress, cancelled=never_cancelled) -> tuple[bytes, Export]:
    """One perpetrator profile as PDF bytes; audited as a disclosure."""
    recipient = _check_recipient(recipient, "profile")
    pdf, doc, prof = _render_profile(store, person_id, recipient=recipient, redact=redact, agency=agency, as_of=as_of,
                                     today=today, reference=reference, progress=progress, cancelled=cancelled)
    aid = _profile_audit(store, prof, doc, recipient, reason, redact, agency)
    return pdf, Export(None, doc.reference, doc.pages, len(pdf), aid, _counts(doc))


def withheld_pack(store: Store, meeting_id: int, *, agency: str | None = None,
                  progress: Callable[[int, int, str], None] = no_progress,
                  cancelled: Callable[[], bool] = never_cancelled) -> dict[str, int]:
    """What the redacted pack would withhold from free text, per section, before anything is printed or audited.

    It builds the redacted pack's content (nothing is laid out, written or recorded) through the same code as
    the pack, so the counts are those the pack will have.
    """
    _, doc, _ = _render_pack(store, meeting_id, recipient="(preview)", redact=True, agency=agency, today=None,
                             reference="PREVIEW", progress=progress, cancelled=cancelled, lay_out=False)
    return dict(doc.red.counts)


def withheld_profile(store: Store, person_id: str, *, agency: str | None = None, as_of: _dt.date | None = None,
                     progress=no_progress, cancelled=never_cancelled) -> dict[str, int]:
    """What the redacted profile would withhold from free text, per section (nothing written or recorded)."""
    _, doc, _ = _render_profile(store, person_id, recipient="(preview)", redact=True, agency=agency, as_of=as_of,
                                today=None, reference="PREVIEW", progress=progress, cancelled=cancelled)
    return dict(doc.redactor.counts)


def export_profile(store: Store, path: str | os.PathLike, person_id: str, *, recipient: str,
                   reason: str | None = None, redact: bool = False, agency: str | None = None,
                   as_of: _dt.date | None = None, today: _dt.date | None = None, reference: str | None = None,
                   progress=no_progress, cancelled=never_cancelled) -> Export:
    """Write one perpetrator profile to ``path`` safely and record the disclosure."""
    recipient = _check_recipient(recipient, "profile")
    return _export(path, lambda: _render_profile(
        store, person_id, recipient=recipient, redact=redact, agency=agency, as_of=as_of, today=today,
        reference=reference, progress=progress, cancelled=cancelled),
        lambda doc, prof: _profile_audit(store, prof, doc, recipient, reason, redact, agency))
