"""Stage 5: the report rendered as text, markdown, JSON and graph exports (jinja2 templates)."""
