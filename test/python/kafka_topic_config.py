#!/usr/bin/env python3
"""Print a topic's configuration as librdkafka's admin client (the confluent-kafka wheel), a client
independent of the project's own, describes it: one JSON object {name: value} on stdout.

usage: kafka_topic_config.py BROKERS TOPIC
"""
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource


def main(brokers, topic):
    admin = AdminClient({'bootstrap.servers': brokers})
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    entries = admin.describe_configs([resource])[resource].result(timeout=30)
    print(json.dumps({name: entry.value for name, entry in entries.items()}))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
