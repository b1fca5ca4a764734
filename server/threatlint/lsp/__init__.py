"""The language server (pygls): a thin adapter from engine findings to LSP."""
