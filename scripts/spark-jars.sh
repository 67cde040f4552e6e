#!/usr/bin/env bash
# Fetches the jars the tests' Spark sessions load, from Maven Central into the Ivy cache
# ~/.cache/invoice-stream/ivy (SPARK_IVY_DIR): Delta Lake's (delta-spark) and, for reading tables
# on S3 through s3a, hadoop-aws of pyspark's own Hadoop version with the AWS SDK bundle it depends
# on (~280 MB, once). Spark resolves them itself (spark.jars.packages, test/python/delta_spark.py);
# this step only makes sure the download happens here and not inside a timed test.
# Quick when they are there; needs the venv of scripts/python-tools.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/.toolchain/py/bin/python" "$root/test/python/delta_spark.py" --fetch-jars >/dev/null
