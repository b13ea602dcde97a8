"""The command line: typer is imported here and nowhere else in the package."""
