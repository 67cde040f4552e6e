#!/usr/bin/env python3
"""Read a Delta table with delta-rs (the `deltalake` package), an independent reader, and print
one JSON object: version, protocol, rows (decimals as exact strings, dates and timestamps ISO),
txn versions of the given app ids, per-file stats and the operations of the history.

usage: delta_read.py TABLE_DIR_OR_URL [--app-id ID ...] [--version N] [--sql 'SELECT ... FROM t WHERE ...']
                     [--storage-option KEY=VALUE ...]

--storage-option is passed to delta-rs for an s3:// table (AWS_ENDPOINT_URL, AWS_ALLOW_HTTP, ...).

--sql runs through delta-rs's DataFusion engine (QueryBuilder), which prunes files with the add
actions' min/max stats: wrong stats would show up as missing rows.

Tables with deletion vectors are read through QueryBuilder as well: delta-rs's pyarrow dataset
refuses the `deletionVectors` reader feature, its DataFusion scan applies the vectors.
"""
import argparse
import json
import sys

import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
from cells import cell


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('table')
    ap.add_argument('--app-id', action='append', default=[])
    ap.add_argument('--version', type=int)
    ap.add_argument('--sql', action='append', default=[])
    ap.add_argument('--storage-option', action='append', default=[])
    args = ap.parse_args()
    options = dict(o.split('=', 1) for o in args.storage_option) or None
    dt = DeltaTable(args.table, version=args.version, storage_options=options)
    proto = dt.protocol()
    if 'deletionVectors' in (proto.reader_features or []):
        data = pa.table(QueryBuilder().register('t', dt).execute('SELECT * FROM t').read_all())
    else:
        data = dt.to_pyarrow_table()
    rows = [{k: cell(v) for k, v in r.items()} for r in data.to_pylist()]
    files = []
    # get_add_actions returns an arro3 table; pyarrow takes it through the Arrow C stream interface.
    for f in pa.table(dt.get_add_actions(flatten=True)).to_pylist():
        files.append({k: cell(v) for k, v in f.items() if k in ('path', 'num_records') or k.startswith(('min.', 'max.', 'null_count.'))})
    out = {
        'version': dt.version(),
        'protocol': {'minReaderVersion': proto.min_reader_version, 'minWriterVersion': proto.min_writer_version,
                     **({'readerFeatures': proto.reader_features} if proto.reader_features else {}),
                     **({'writerFeatures': proto.writer_features} if proto.writer_features else {})},
        'schema': [{'name': f.name, 'type': getattr(f.type, 'type', str(f.type)), 'nullable': f.nullable} for f in dt.schema().fields],
        'rows': rows,
        'txn': {a: dt.transaction_version(a) for a in args.app_id},
        'files': files,
        'operations': [h.get('operation') for h in dt.history()],
        'queries': [],
    }
    for sql in args.sql:
        reader = QueryBuilder().register('t', dt).execute(sql)
        result = pa.table(reader.read_all())
        out['queries'].append([{k: cell(v) for k, v in r.items()} for r in result.to_pylist()])
    json.dump(out, sys.stdout, default=str)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
