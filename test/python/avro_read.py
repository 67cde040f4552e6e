#!/usr/bin/env python3
"""Read an Avro object container file with fastavro, an independent reader, and print one JSON
object: the codec, the writer schema's name and the records (decimals as exact strings, dates
ISO, timestamps as RFC 3339 UTC with microseconds).

usage: avro_read.py FILE
"""
import datetime
import decimal
import json
import sys

import fastavro


def cell(v):
    if isinstance(v, decimal.Decimal):
        return format(v, 'f')
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v


def main():
    with open(sys.argv[1], 'rb') as fh:
        reader = fastavro.reader(fh)
        records = [{k: cell(v) for k, v in r.items()} for r in reader]
        out = {'codec': reader.codec, 'schema': reader.writer_schema.get('name'), 'records': records}
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
