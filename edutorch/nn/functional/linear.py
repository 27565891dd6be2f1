"""nn.functional: linear ops (placeholder, being written)."""
__all__: list = []
