"""Helpers the hermetic tests share (not part of the harness: nothing in src/ uses them)."""
