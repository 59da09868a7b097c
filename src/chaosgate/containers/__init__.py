"""Containers on this machine: the Docker engine and the images of the heart stack."""
