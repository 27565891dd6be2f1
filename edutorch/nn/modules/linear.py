"""nn.modules.linear (placeholder, being written)."""
__all__: list = []
