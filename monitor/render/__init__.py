"""Data in, str out: text, Markdown, HTML (jinja2, autoescaped), the Atom feed, JSON forms.

Pure: no disk, network, clock, click or rich.
"""
