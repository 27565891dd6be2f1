"""nn.modules.batchnorm (placeholder, being written)."""
__all__: list = []
