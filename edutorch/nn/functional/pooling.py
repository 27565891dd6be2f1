"""nn.functional: pooling ops (placeholder, being written)."""
__all__: list = []
