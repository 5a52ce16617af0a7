"""Data shipped with the master patient index: the default model weights (default-model.json)."""
