#!/usr/bin/env python3
"""Read every committed record of Kafka topics with librdkafka (the confluent-kafka wheel), a
client independent of the project's own, isolation.level=read_committed, from each partition's
log start to its last stable offset at the time of the call. Prints one JSON object per topic
per line: {"topic": T, "records": [{partition, offset, key, value, headers, timestamp}]}, bytes as base64
(null stays null), records in partition then offset order.

usage: kafka_read.py BROKERS TOPIC [TOPIC ...]
"""
import base64
import json
import sys

from confluent_kafka import Consumer, KafkaException, TopicPartition


def b64(data):
    return None if data is None else base64.b64encode(data).decode('ascii')


def read_topic(brokers, topic):
    consumer = Consumer({
        'bootstrap.servers': brokers,
        'group.id': 'kafka-read-py',  # never joined: assign mode, nothing committed
        'enable.auto.commit': False,
        'isolation.level': 'read_committed',
        'enable.partition.eof': True,
    })
    try:
        metadata = consumer.list_topics(topic, timeout=30)
        info = metadata.topics.get(topic)
        if info is None or info.error is not None:
            raise KafkaException(f'topic {topic}: {info.error if info else "missing"}')
        partitions = sorted(info.partitions)
        # The end of each partition for a read_committed reader: its last stable offset.
        ends = {}
        starts = {}
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
            starts[p], ends[p] = low, high
        todo = {p for p in partitions if ends[p] > starts[p]}
        consumer.assign([TopicPartition(topic, p, starts[p]) for p in partitions if p in todo])
        records = []
        idle = 0
        while todo:
            msg = consumer.poll(1.0)
            if msg is None:
                idle += 1
                if idle > 60:
                    raise KafkaException(f'{topic}: no progress for 60 s; waiting on partitions {sorted(todo)}')
                continue
            idle = 0
            if msg.error():
                # EOF: caught up with what a read_committed reader can see (markers included).
                if msg.error().code() == -191 and msg.partition() in todo:
                    todo.discard(msg.partition())
                    continue
                raise KafkaException(msg.error())
            p = msg.partition()
            if msg.offset() >= ends[p]:
                todo.discard(p)
                continue
            records.append({
                'partition': p, 'offset': msg.offset(), 'key': b64(msg.key()), 'value': b64(msg.value()),
                'headers': {k: b64(v) for k, v in (msg.headers() or [])},
                'timestamp': msg.timestamp()[1],
            })
        records.sort(key=lambda r: (r['partition'], r['offset']))
        return records
    finally:
        consumer.close()


def main():
    brokers, topics = sys.argv[1], sys.argv[2:]
    for topic in topics:
        print(json.dumps({'topic': topic, 'records': read_topic(brokers, topic)}))


if __name__ == '__main__':
    main()
