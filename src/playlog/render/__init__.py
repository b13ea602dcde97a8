"""Renderers: the same rows and dicts in four shapes — table (rich), JSON, CSV, HTML.

Renderers take the report's data as the query layer returns it and never look
at command-line flags; the table renderer picks a layout by report kind, the
HTML renderer a page by kind (the page embeds the JSON and draws it).
"""
