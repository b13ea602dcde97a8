"""`playlog serve`: the HTTP collector and read API over a data directory (docs/serve.md)."""
