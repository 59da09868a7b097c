"""The Kubernetes adapter: the only users of the `kubernetes` client.

- client: an API client per kubeconfig (raw JSON dicts); ApiException → KubeApiError sentences
- watch: list-then-watch that survives dropped connections (410 Gone → relist)
- object_data: object dicts → timeline record data (pure)
- observe: ClusterRecorder, the watches that write the timeline
- fault_records: the FAULT records injectors write, and where they go
- zone_drain: plan a zone drain (pure) and drain through the Eviction API; always uncordon
- pod_faults: kill a pod; OOM-kill a container (simulated on kwok)
- usage: simulated CPU usage from a load profile, so the real HPA acts
- kubectl_reads: cluster state read with the pinned kubectl (the gitops scenario's checks)
The Chaos Toolkit actions that call these are chaosgate.chaos.kube_actions; the
scenarios that compose them are chaosgate.scenarios.
"""
