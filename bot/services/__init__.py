"""Domain services: the bot's rules, with no aiogram types inside."""
