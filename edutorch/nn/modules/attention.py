"""nn.modules.attention (placeholder, being written)."""
__all__: list = []
