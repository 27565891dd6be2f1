"""nn.init (placeholder, being written)."""
