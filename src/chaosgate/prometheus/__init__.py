"""Prometheus as an observer: a real server scrapes heart-display, PromQL judges the SLOs.

- slo_file: monitoring/slo.yaml as PromqlSlo values (the verdict is
  chaosgate.verdicts.promql, a pure function);
- api: the HTTP API client (instant and range queries), loopback only;
- server: a Prometheus process on loopback scraping given targets (stack runtime);
- incluster: the objects of a Prometheus pod in a kind cluster (service discovery,
  a node port published on 127.0.0.1);
- evaluate: the SLO queries over each window of a timeline, as PROMQL records;
- metrics_text: the text exposition format, parsed for the heart-display series (pure).
"""
