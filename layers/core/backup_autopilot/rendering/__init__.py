"""The operator report as one self-contained HTML page: a Jinja2 template (autoescaped) and
leather plots inlined as SVG. No external asset: no script, font, stylesheet or image is
fetched.

Only the report function imports this package (leather and Jinja2 are in its own
``functions/report/requirements.txt``, not in the layer): the event handlers never pay for them
(import contract ``report-apart`` in pyproject.toml).
"""
