"""A Telegram Bot API emulator: the tests' and the sandbox's Telegram (see ``server``)."""
