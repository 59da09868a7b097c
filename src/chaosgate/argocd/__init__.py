"""Argo CD: the Application model, its install (local processes or in the cluster), sync waiting."""
