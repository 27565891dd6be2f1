"""nn.modules.transformer (placeholder, being written)."""
__all__: list = []
