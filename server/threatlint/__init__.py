"""threatlint: threat models as code, linted like code."""

__version__ = "0.1.0"
