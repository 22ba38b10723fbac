"""Deterministic simulation of the departmental systems' source data, with ground truth."""
