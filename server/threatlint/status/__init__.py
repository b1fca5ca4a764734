"""`threatlint status`: every model's freshness against its code, review state and metrics from git.

history.py runs git (one log pass, one cat-file batch); changes.py and
metrics.py are pure functions over what it returns.
"""
