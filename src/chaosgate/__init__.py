"""chaosgate: a chaos and GitOps release-gate harness for Kubernetes."""

__version__ = "0.1.0"
