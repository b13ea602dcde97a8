"""Reports over the stored datasets: one module per report, each returning plain dicts.

Every function takes an open DuckDB connection (``playlog.store.reader.connect``)
and a :class:`~playlog.query.window.Window`; the dicts have exactly the JSON keys
of SPEC §3 with ratios as fractions and instants as aware UTC datetimes.
"""
