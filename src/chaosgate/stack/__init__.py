"""The stack runtime: the heart stack's real containers on this machine, no Kubernetes.

Redis and N heart-display replicas run as Docker containers on host networking,
each listening on its own 127.0.0.1 port, so traffic-level behaviours (load
through the service, real kills, real cgroup OOM kills, a real Redis outage,
the circuit breaker under load) are exercised for real.

- config: settings of one stack (replicas, memory, breaker tuning)
- runtime: StackRuntime, which starts the containers and always removes them
- supervisor: restarts replicas the engine will not restart (after `docker kill`)
- docker_cli: the few Docker commands the runtime and the chaos actions use
- observe: the sampler that turns /metrics, /readyz and `docker inspect` into records
- http_probe: loopback HTTP and Redis probes
- termination: SIGTERM as an exception, and signals deferred around rollbacks
- recorder: the thread-safe collector of a run's records
The scenarios run on it by chaosgate.scenarios.stack_backend.
- __main__: `python -m chaosgate.stack up`, a stack to run experiments against by hand
"""
