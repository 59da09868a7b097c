"""Cluster providers: one module per backend behind the ClusterProvider protocol."""
