"""nn.functional: conv ops (placeholder, being written)."""
__all__: list = []
