"""nn.functional: attention ops (placeholder, being written)."""
__all__: list = []
