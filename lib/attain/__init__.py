"""attain — the e-commerce marketing goal-achievement workbench."""

__version__ = "0.1.0"
