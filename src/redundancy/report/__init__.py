"""Reports: figures (Matplotlib) and the self-contained HTML report."""
