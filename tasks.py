#!/usr/bin/env python3
"""Set-up and run with nothing but Python: ``python3 tasks.py run``, ``python3 tasks.py test``
or ``python3 tasks.py demo`` (the browser sandbox: the bot without Telegram or a token).

Creates ``.venv`` (once, and again when ``pyproject.toml`` changes), installs the bot with its
test dependencies, compiles the translation catalogs, then runs the bot, the tests or the
sandbox. Extra arguments go to the bot or to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
MARKER = VENV / ".installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed")
    if not PYTHON.exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pyproject = ROOT / "pyproject.toml"
    if not MARKER.exists() or MARKER.stat().st_mtime < pyproject.stat().st_mtime:
        print("installing dependencies …", flush=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "-e", ".[test]"], cwd=ROOT,
                       check=True)
        MARKER.touch()
    subprocess.run([str(PYTHON), "-c", "from bot.i18n import compile_catalogs; compile_catalogs()"],
                   cwd=ROOT, check=True)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test", "demo", "setup", "bench"}:
        print(__doc__)
        return 2
    command, extra = sys.argv[1], sys.argv[2:]
    ensure_venv()
    if command == "setup":
        return 0
    if command == "run":
        args = [str(PYTHON), "-m", "bot", *extra]
    elif command == "demo":
        args = [str(PYTHON), "-m", "sandbox", *extra]
    elif command == "test":
        args = [str(PYTHON), "-m", "pytest", *extra]
    else:
        args = [str(PYTHON), *extra]
    return subprocess.call(args, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
