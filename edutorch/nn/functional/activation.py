"""nn.functional: activation ops (placeholder, being written)."""
__all__: list = []
