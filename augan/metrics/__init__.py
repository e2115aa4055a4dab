"""How good are the synthetic rows? Downstream gain, fidelity (FID/KID through torch-fidelity), detection
and privacy scores."""
