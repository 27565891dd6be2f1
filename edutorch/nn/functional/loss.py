"""nn.functional: loss ops (placeholder, being written)."""
__all__: list = []
