"""Renderers: the same rows and dicts in three shapes — table (rich), JSON, CSV.

Renderers take the report's data as the query layer returns it and never look
at command-line flags; the table renderer picks a layout by report kind.
"""
