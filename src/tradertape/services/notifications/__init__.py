"""Telling users: notification events, what they read, mail and Telegram."""
