"""Argo CD: the Application model, a small REST client, and sync waiting."""
