"""Codecs: turn user data into float tensors for the networks, and back."""
