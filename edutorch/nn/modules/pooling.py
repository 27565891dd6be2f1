"""nn.modules.pooling (placeholder, being written)."""
__all__: list = []
