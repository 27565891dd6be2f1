"""edutorch.optim (placeholder, being written)."""
