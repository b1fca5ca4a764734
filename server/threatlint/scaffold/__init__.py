"""`threatlint init`: detect a directory's entry points (entrypoints.py) and write a starter model (template.py)."""
