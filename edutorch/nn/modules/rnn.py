"""nn.modules.rnn (placeholder, being written)."""
__all__: list = []
