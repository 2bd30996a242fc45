"""aks-baseline-wizard: a guided, audited walk through the AKS secure baseline."""

__version__ = "0.1.0"
