#!/usr/bin/env python3
"""Read an Avro object container file with fastavro, an independent reader, and print one JSON
object: the codec, the writer schema's name and the records (decimals as exact strings, dates
ISO, timestamps as RFC 3339 UTC: cells.py).

usage: avro_read.py FILE
"""
import json
import sys

import fastavro
from cells import cell


def main():
    with open(sys.argv[1], 'rb') as fh:
        reader = fastavro.reader(fh)
        records = [{k: cell(v) for k, v in r.items()} for r in reader]
        out = {'codec': reader.codec, 'schema': reader.writer_schema.get('name'), 'records': records}
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
