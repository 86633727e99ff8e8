"""The user's brokers: credentials, logins, sessions, account views, live trading."""
