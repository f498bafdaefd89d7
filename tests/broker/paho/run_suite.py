"""
Runs the Eclipse Paho MQTT 3.1.1 interoperability suite (client_test.py) against a broker with
authentication and ACLs on, as the broker's conformance principal.

    python3 run_suite.py SUITE_DIR HOST PORT USERNAME PASSWORD NAMESPACE

The suite's own topics are moved under NAMESPACE (a prefix ending in "/"): prefixing every topic and
every filter alike keeps each match the suite expects (a filter matches a topic iff prefix+filter
matches prefix+topic). Its retained-message cleanup subscribes to "#", which the ACL refuses, so it
subscribes to NAMESPACE + "#" instead. Every CONNECT carries the user name and password.
"""
import sys
import unittest

suite_dir, host, port, username, password, namespace = sys.argv[1:7]
sys.path.insert(0, suite_dir)

import client_test  # noqa: E402
import mqtt.clients.V311 as V311  # noqa: E402

original_connect = V311.Client.connect
original_subscribe = V311.Client.subscribe


def connect(self, *args, **kwargs):
    kwargs.setdefault("username", username)
    kwargs.setdefault("password", password.encode("utf-8"))
    return original_connect(self, *args, **kwargs)


def subscribe(self, topics, qoss):
    return original_subscribe(self, [namespace + "#" if t == "#" else t for t in topics], qoss)


V311.Client.connect = connect
V311.Client.subscribe = subscribe

client_test.host = host
client_test.port = int(port)
client_test.topics = tuple(namespace + t for t in ("TopicA", "TopicA/B", "Topic/C", "TopicA/C", "/TopicA"))
client_test.wildtopics = tuple(namespace + t for t in ("TopicA/+", "+/C", "#", "/#", "/+", "+/+", "TopicA/#"))
client_test.nosubscribe_topics = (namespace + "nosubscribe",)

result = unittest.main(module=client_test, argv=["client_test"], exit=False, verbosity=2).result
print("PAHO RESULT ran=%d failures=%d errors=%d" % (result.testsRun, len(result.failures), len(result.errors)))
sys.exit(0 if result.wasSuccessful() else 1)
