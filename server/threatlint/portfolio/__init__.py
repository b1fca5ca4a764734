"""`threatlint portfolio`: every model of many repositories in one view, sorted by risk, with metrics per
release and an HTML page of charts.

sources.py finds the repositories; collect.py reads each (one git log pass, through status/repository.py);
summary.py turns what was read into the report, with rows.py making each model's row; drift.py counts each
model's drift findings through `threatlint drift`'s front end (drift_scan.py); charts.py draws SVG, page.py
writes the self-contained HTML page (for `status` too), text.py the terminal view.
"""
