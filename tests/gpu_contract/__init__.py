"""GPU API contract tests: run in the environment of the `gpu` extra (no GPU needed)."""
