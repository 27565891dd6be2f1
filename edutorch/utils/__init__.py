"""edutorch.utils."""
