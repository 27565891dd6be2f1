"""nn.modules.conv (placeholder, being written)."""
__all__: list = []
