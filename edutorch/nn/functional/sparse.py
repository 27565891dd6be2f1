"""nn.functional: sparse ops (placeholder, being written)."""
__all__: list = []
