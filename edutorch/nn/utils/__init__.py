"""nn.utils (placeholder, being written)."""
