"""nn.modules.sparse (placeholder, being written)."""
__all__: list = []
