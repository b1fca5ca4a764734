"""Placeholder code for the payments example: the model's scope.paths cover this folder."""
