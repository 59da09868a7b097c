"""The scenarios: each defined once, composed from the adapters below, run on any backend.

One module per scenario (gitops, pod_kill, oom, az_drain, hpa, breaker) holds its
definition (chaosgate.scenarios.definition.Scenario: its name, its experiment per
backend family, what kwok simulates of it), how each backend runs it, its verdicts
and the budgets they read from the gate policy. The backends supply the target, the
observer and the fault's mechanism:

- cluster_backend: a Kubernetes cluster (kind, local, existing): watches, locust on
  the Service's published port, chaos/<name>.kube.json
- stack_backend: the stack runtime (containers, no Kubernetes): /metrics sampling,
  locust on each replica, chaos/<name>.stack.json
- recording: one way to put a run into the scenario book, for every backend
- replica_fault: the shape pod_kill and oom share

The suites (suites/test_<name>.py) call a scenario's on_cluster / on_stack; adding a
scenario means its module here, its experiment(s) in chaos/ and its suite.
"""
