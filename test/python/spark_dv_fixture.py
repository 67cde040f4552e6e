#!/usr/bin/env python3
"""Make the deletion-vector fixture of test/unit/delta/deletion-vector.test.ts with Spark + Delta
(delta-spark): a one-file table of ids 0..149999 (row index = id, checked), DELETE of every third
id and of the range 100000..120000, so that Spark writes a deletion vector with array, bitmap and
run containers. Copies the DV file and prints the `add` action's deletionVector descriptor.

usage: spark_dv_fixture.py OUT_DIR
"""
import glob
import json
import os
import shutil
import sys
import tempfile

import pyarrow.parquet as pq
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession


def main():
    out = sys.argv[1]
    ivy = os.environ.get('SPARK_IVY_DIR', os.path.expanduser('~/.cache/invoice-stream/ivy'))
    builder = (
        SparkSession.builder.master('local[1]')
        .config('spark.sql.extensions', 'io.delta.sql.DeltaSparkSessionExtension')
        .config('spark.sql.catalog.spark_catalog', 'org.apache.spark.sql.delta.catalog.DeltaCatalog')
        .config('spark.jars.ivy', ivy)
        .config('spark.ui.enabled', 'false')
        .config('spark.driver.memory', '1g')
    )
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel('ERROR')
    d = tempfile.mkdtemp()
    table = os.path.join(d, 't')
    spark.range(150000).coalesce(1).write.format('delta').option('delta.enableDeletionVectors', 'true').save(table)
    data = glob.glob(os.path.join(table, '*.parquet'))
    assert len(data) == 1, data
    ids = pq.read_table(data[0]).column('id').to_pylist()
    assert ids == list(range(150000)), 'row index != id'
    spark.sql(f"DELETE FROM delta.`{table}` WHERE id % 3 = 0 OR id BETWEEN 100000 AND 120000")
    commits = sorted(glob.glob(os.path.join(table, '_delta_log', '*.json')))
    dv = None
    for line in open(commits[-1]):
        action = json.loads(line)
        if 'add' in action and action['add'].get('deletionVector'):
            dv = action['add']['deletionVector']
    assert dv is not None, 'Spark wrote no deletion vector'
    bins = glob.glob(os.path.join(table, '**', 'deletion_vector_*.bin'), recursive=True)
    assert len(bins) == 1, bins
    os.makedirs(out, exist_ok=True)
    shutil.copy(bins[0], os.path.join(out, os.path.basename(bins[0])))
    with open(os.path.join(out, 'descriptor.json'), 'w') as f:
        json.dump({'spark': spark.version, 'deletionVector': dv, 'file': os.path.relpath(bins[0], table)}, f, indent=2)
        f.write('\n')
    print(json.dumps(dv))
    spark.stop()
    shutil.rmtree(d)


if __name__ == '__main__':
    main()
