"""Bundled data tables and the default study."""
