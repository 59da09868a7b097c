"""Load through locust, run in a subprocess (gevent and the kubernetes client do not mix).

- run: LoadRun, the context manager that starts and stops locust
- seconds: exact per-second statistics and their LOAD records (pure)
- shapes: steady / step / spike profiles (pure)
- locust_summary: the totals locust itself wrote, to cross-check the per-second figures
- slo: the per-window SLOs of loadtests/slo.yaml
- locust_hooks: imported only inside the locust process, never by the harness
"""
