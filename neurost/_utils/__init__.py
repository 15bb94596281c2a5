"""Internal helpers shared by every layer: validation, file safety."""
