"""Evaluation: a simulated patient cohort, outcome metrics and a self-contained report."""
