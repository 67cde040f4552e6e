#!/usr/bin/env python3
"""Run SQL statements on a local Spark session with Delta Lake (pyspark + delta-spark), in order,
and print one JSON object: {"spark": version, "delta": version, "results": [rows, ...]}.
A second independent reader (and writer) for the tables of src/sinks/delta: tables are addressed
as delta.`/path`, or delta.`s3a://bucket/prefix` with --s3-endpoint. Values print as the TypeScript writer's readAll() does: decimals as exact
strings, dates "YYYY-MM-DD", timestamps RFC 3339 UTC (milliseconds when exact, else microseconds).

usage: delta_spark.py [--s3-endpoint http://127.0.0.1:PORT] --sql 'SELECT ...' [--sql ...]
       delta_spark.py --fetch-jars   (the set-up's step: all the jars into the Ivy cache, no query)

--s3-endpoint reads s3a:// tables from an S3-compatible server (the tests' moto): hadoop-aws of
Spark's own Hadoop version (with the AWS SDK bundle it depends on) comes from Maven Central through
the same Ivy cache as Delta's jars; path-style requests, plain HTTP, the static credentials of
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the region of AWS_REGION.
"""
import argparse
import glob
import json
import os
import re
import sys

from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession
from cells import cell


def hadoop_version():
    """The Hadoop version pyspark ships (hadoop-client-api-X.jar): hadoop-aws must match it exactly."""
    import pyspark
    jars = glob.glob(os.path.join(os.path.dirname(pyspark.__file__), 'jars', 'hadoop-client-api-*.jar'))
    if len(jars) != 1:
        raise SystemExit(f'cannot tell pyspark\'s Hadoop version from {jars}')
    return re.search(r'hadoop-client-api-(.+)\.jar$', jars[0]).group(1)


def jars_fetched(ivy):
    """True when Spark's Ivy retrieve already put this Delta's and this hadoop-aws's jars in the cache
    (it retrieves only after the whole resolution, dependencies included, succeeded)."""
    from importlib.metadata import version
    want = [f'io.delta_delta-spark_2.12-{version("delta-spark")}.jar', f'org.apache.hadoop_hadoop-aws-{hadoop_version()}.jar']
    return all(os.path.exists(os.path.join(ivy, 'jars', j)) for j in want)


def with_s3a(builder, endpoint):
    """s3a pointed at one S3-compatible endpoint, as the tests' moto serves it."""
    return (
        builder
        .config('spark.hadoop.fs.s3a.endpoint', endpoint)
        .config('spark.hadoop.fs.s3a.endpoint.region', os.environ.get('AWS_REGION', 'us-east-1'))
        .config('spark.hadoop.fs.s3a.path.style.access', 'true')
        .config('spark.hadoop.fs.s3a.connection.ssl.enabled', 'false')
        .config('spark.hadoop.fs.s3a.aws.credentials.provider', 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider')
        .config('spark.hadoop.fs.s3a.access.key', os.environ['AWS_ACCESS_KEY_ID'])
        .config('spark.hadoop.fs.s3a.secret.key', os.environ['AWS_SECRET_ACCESS_KEY'])
        # A local server that fails should fail the test quickly, not after s3a's minutes of retries.
        .config('spark.hadoop.fs.s3a.attempts.maximum', '2')
        .config('spark.hadoop.fs.s3a.retry.limit', '2')
        .config('spark.hadoop.fs.s3a.connection.establish.timeout', '5000')
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sql', action='append', default=[])
    ap.add_argument('--s3-endpoint')
    ap.add_argument('--fetch-jars', action='store_true')
    args = ap.parse_args()
    ivy = os.environ.get('SPARK_IVY_DIR', os.path.expanduser('~/.cache/invoice-stream/ivy'))
    if args.fetch_jars and jars_fetched(ivy):
        print(f'spark-jars: {ivy} up to date', file=sys.stderr)
        return
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
    extra = []
    if args.s3_endpoint or args.fetch_jars:
        extra.append(f'org.apache.hadoop:hadoop-aws:{hadoop_version()}')
    if args.s3_endpoint:
        builder = with_s3a(builder, args.s3_endpoint)
    spark = configure_spark_with_delta_pip(builder, extra_packages=extra).getOrCreate()
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
