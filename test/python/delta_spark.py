#!/usr/bin/env python3
"""Run SQL statements on a local Spark session with Delta Lake (pyspark + delta-spark), in order,
and print one JSON object: {"spark": version, "delta": version, "results": [rows, ...]}.
A second independent reader (and writer) for the tables of src/sinks/delta: tables are addressed
as delta.`/path`. Values print as the TypeScript writer's readAll() does: decimals as exact
strings, dates "YYYY-MM-DD", timestamps RFC 3339 UTC (milliseconds when exact, else microseconds).

usage: delta_spark.py --sql 'SELECT ...' [--sql ...]
"""
import argparse
import json
import os
import sys

from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession
from cells import cell


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sql', action='append', default=[])
    args = ap.parse_args()
    ivy = os.environ.get('SPARK_IVY_DIR', os.path.expanduser('~/.cache/invoice-stream/ivy'))
    builder = (
        SparkSession.builder.master('local[1]')
        .appName('invoice-stream-delta-read')
        .config('spark.sql.extensions', 'io.delta.sql.DeltaSparkSessionExtension')
        .config('spark.sql.catalog.spark_catalog', 'org.apache.spark.sql.delta.catalog.DeltaCatalog')
        .config('spark.sql.session.timeZone', 'UTC')
        .config('spark.jars.ivy', ivy)
        .config('spark.sql.shuffle.partitions', '1')
        .config('spark.default.parallelism', '1')
        .config('spark.ui.enabled', 'false')
        .config('spark.ui.showConsoleProgress', 'false')
        .config('spark.databricks.delta.snapshotPartitions', '1')
        .config('spark.driver.memory', '1g')
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel('ERROR')
    from importlib.metadata import version
    results = []
    for sql in args.sql:
        rows = spark.sql(sql).collect()
        results.append([{k: cell(v) for k, v in r.asDict().items()} for r in rows])
    json.dump({'spark': spark.version, 'delta': version('delta-spark'), 'results': results}, sys.stdout, default=str)
    sys.stdout.write('\n')
    spark.stop()


if __name__ == '__main__':
    main()
