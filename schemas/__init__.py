"""The JSON Schemas, shipped as package data (this folder is their only copy)."""
