"""nn.Parameter (placeholder, being written)."""
