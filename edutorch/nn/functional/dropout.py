"""nn.functional: dropout ops (placeholder, being written)."""
__all__: list = []
