"""jigx-acumatica: generate and verify Acumatica -> Jigx change-data-capture setups."""

__version__ = "0.1.0"
