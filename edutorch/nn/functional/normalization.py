"""nn.functional: normalization ops (placeholder, being written)."""
__all__: list = []
