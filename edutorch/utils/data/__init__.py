"""edutorch.utils.data (placeholder, being written)."""
