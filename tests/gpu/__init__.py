"""Tests for a real GPU (`pytest -m gpu`); skipped, with the reason, without one."""
