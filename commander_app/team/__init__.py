"""Team sync: several laptops on one incident through a shared PostgreSQL database.

Above `publish` (it keeps the database password with the channels' secrets in the
keyring) and below the window and the CLI, which start its worker. Loaded only when a
team database is set up: nothing here is imported at start-up.
"""
