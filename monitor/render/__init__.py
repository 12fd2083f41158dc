"""Data in, str out: text, Markdown, HTML pages and mail, the Atom feed, SVG charts, JSON
forms. Every template renders through ``templating`` (jinja2, autoescaped).

Pure: no disk, network, clock, click or rich.
"""
