"""nn.modules.container (placeholder, being written)."""
__all__: list = []
