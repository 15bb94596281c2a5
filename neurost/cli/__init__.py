"""The ``neurost`` command line."""
