"""The Parquet datasets under the data directory: layout, atomic writes, ledger, lock."""
