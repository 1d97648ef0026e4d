"""Detector names the command line offers, kept free of numpy/pandas/scipy imports so that
`tenantwatch --help` and every other command start fast (registry.py checks they match)."""

DETECTOR_NAMES = ("ensemble", "robust", "seasonal", "gaussian", "random")
DEFAULT = "ensemble"
