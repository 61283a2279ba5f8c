"""Cohorts: measured groups, their placement on function landscapes, and comparisons."""
