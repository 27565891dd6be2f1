"""Side-by-side timings of edutorch against raw NumPy and PyTorch (run by hand)."""
