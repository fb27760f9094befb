"""Telegram bot of the Regional Association of Women in Border and Law Enforcement Agencies."""
