"""The browser sandbox: the real bot against the project's Bot API emulator, in one process,
with a clock the page moves (``python3 tasks.py demo``). Nobody needs Telegram or a token.
"""
