"""Process hardening at start-up: no core dump, not dumpable or traceable (Linux), before anything is read."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_CORE and prctl: Linux")


def _run(code: str, env: dict | None = None) -> str:
    import os
    full = dict(os.environ, **(env or {}))
    full.pop("MATAC_DESK_DEBUG", None) if not env or "MATAC_DESK_DEBUG" not in env else None
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          check=True, env=full).stdout.strip()


def test_app_main_turns_core_dumps_off_first():
    out = _run("""
        import resource
        from matac_desk.storage import hardening
        print(resource.getrlimit(resource.RLIMIT_CORE), hardening.dumpable())
        from matac_desk.app import main
        try:
            main(["--version"])
        except SystemExit:
            pass
        print(resource.getrlimit(resource.RLIMIT_CORE), hardening.dumpable())
    """).splitlines()
    assert out[-1] == "(0, 0) False"
    assert out[0] != out[-1]  # it was not so before


def test_debug_leaves_dumps_on():
    out = _run("""
        from matac_desk.storage import hardening
        print(hardening.harden_process(), hardening.dumpable())
    """, env={"MATAC_DESK_DEBUG": "1"})
    assert out == "['MATAC_DESK_DEBUG is set: core dumps are left as they are'] True"
