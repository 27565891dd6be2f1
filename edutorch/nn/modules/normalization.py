"""nn.modules.normalization (placeholder, being written)."""
__all__: list = []
