"""Process hardening at start-up: no core dumps, no crash dialogs holding memory, no ptrace by other accounts.

A crash dump of MATAC Desk holds what its memory held: the passphrase and
decrypted records. KeePassXC turns dumps off and blocks ptrace when it
starts; :func:`harden_process` does the same, before the passphrase is
asked for:

- POSIX: ``RLIMIT_CORE`` set to 0 (no core file is written);
- Linux: ``prctl(PR_SET_DUMPABLE, 0)``: no core dump either (even where a
  core pattern pipes it to a handler such as systemd-coredump), and other
  processes of the same user cannot attach with ptrace or read
  ``/proc/<pid>/mem``;
- Windows: ``SetErrorMode`` so that a crash shows no dialog that keeps the
  process (and its memory) alive, and ``WerAddExcludedApplication`` so
  that Windows Error Reporting does not collect a dump of it, where the
  API allows (it may need the right to write the user's WER settings).

Each step is best effort: what could not be done is returned in words
(``MATAC_DESK_DEBUG=1`` leaves dumps on, for debugging).
"""

from __future__ import annotations

import os
import sys

__all__ = ["harden_process", "PR_SET_DUMPABLE"]

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def harden_process() -> list[str]:
    """Turn off core dumps and crash dumps for this process; returns what could not be done (empty: all done)."""
    if os.environ.get("MATAC_DESK_DEBUG"):
        return ["MATAC_DESK_DEBUG is set: core dumps are left as they are"]
    missed: list[str] = []
    if os.name == "posix":
        try:
            import resource
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        except (ImportError, ValueError, OSError) as e:
            missed.append(f"core dump size limit not set to 0 ({e})")
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
                missed.append(f"prctl(PR_SET_DUMPABLE, 0) failed (errno {ctypes.get_errno()})")
        except (OSError, AttributeError) as e:
            missed.append(f"prctl not available ({e})")
    if os.name == "nt":  # pragma: no cover - Windows only
        missed += _harden_windows()
    return missed


def dumpable() -> bool | None:
    """Linux: whether the process may still be dumped or traced (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    return bool(ctypes.CDLL(None).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def _harden_windows() -> list[str]:  # pragma: no cover - Windows only
    import ctypes
    missed = []
    SEM_FAILCRITICALERRORS, SEM_NOGPFAULTERRORBOX, SEM_NOOPENFILEERRORBOX = 0x0001, 0x0002, 0x8000
    try:
        kernel32 = ctypes.windll.kernel32
        kernel32.SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX)
    except (OSError, AttributeError) as e:
        missed.append(f"SetErrorMode failed ({e})")
    try:
        wer = ctypes.windll.wer
        exe = os.path.basename(sys.executable)
        if wer.WerAddExcludedApplication(ctypes.c_wchar_p(exe), False) != 0:
            missed.append("Windows Error Reporting exclusion not set (WerAddExcludedApplication refused)")
    except (OSError, AttributeError) as e:
        missed.append(f"Windows Error Reporting exclusion not available ({e})")
    return missed
