"""nn.modules.loss (placeholder, being written)."""
__all__: list = []
