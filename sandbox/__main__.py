"""``python -m sandbox`` (``python3 tasks.py demo``): the sandbox on 127.0.0.1, one URL printed.

``SANDBOX_PORT`` picks the port (default 8765; 0: any free one). Stops on Ctrl+C or SIGTERM,
and its temporary database goes with it.
"""

from __future__ import annotations

import asyncio
import os
import sys

from bot.__main__ import until_stopped
from bot.logging_setup import setup_logging
from sandbox.runtime import TOKEN, Sandbox
from sandbox.web import serve

DEFAULT_PORT = 8765


async def main(port: int) -> None:
    sandbox = Sandbox()
    await sandbox.start()
    try:
        runner, url = await serve(sandbox, port=port)
    except OSError as exc:
        await sandbox.stop()
        raise SystemExit(f"the sandbox cannot listen on port {port}: {exc.strerror}; "
                         "set SANDBOX_PORT to another one") from None
    print(f"The sandbox is ready: {url}", flush=True)
    try:
        await until_stopped()
    finally:
        await runner.cleanup()
        await sandbox.stop()


def cli() -> int:
    raw = os.environ.get("SANDBOX_PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or int(raw) > 65535:
        print("configuration error: SANDBOX_PORT is invalid: must be a port number",
              file=sys.stderr)
        return 2
    setup_logging(os.environ.get("LOG_LEVEL", "WARNING").upper(), [TOKEN])
    asyncio.run(main(int(raw)))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
