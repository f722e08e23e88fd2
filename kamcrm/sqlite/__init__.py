"""The embedded SQLite database (the fallback without DATABASE_URL), with integers beyond 64 bits compared as
PostgreSQL compares them: not an error."""
