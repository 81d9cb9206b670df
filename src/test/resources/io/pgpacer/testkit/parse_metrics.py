"""Parses Prometheus exposition text from stdin with the prometheus_client library; prints its samples as JSON.

Usage: parse_metrics.py text|openmetrics. A malformed exposition raises, which exits non-zero with the reason.
"""
import json
import sys

if sys.argv[1] == "openmetrics":
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
else:
    from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": sample.name,
                        "labels": sample.labels, "value": sample.value})
json.dump(samples, sys.stdout)
