"""Waits until a Spark Connect server answers a real query: `SELECT 1` over gRPC with the token.

Usage: spark_connect_ready.py HOST:PORT DEADLINE_SECONDS   (token in env SPARK_CONNECT_TOKEN)
An open port is not a ready server (the first query waits for the JVM to warm up), so this
sends one ExecutePlan and waits for its result. Exit 0 when ready, 1 with the reason otherwise.
"""

import os
import socket
import sys
import time
import uuid

import grpc
from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc, relations_pb2


def main() -> int:
    target, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
    host, port = target.rsplit(":", 1)
    token = os.environ.get("SPARK_CONNECT_TOKEN", "")
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            break
        except OSError as e:
            if time.monotonic() > deadline:
                print(f"Spark Connect at {target}: port not open ({e})", file=sys.stderr)
                return 1
            time.sleep(0.2)
    stub = base_pb2_grpc.SparkConnectServiceStub(grpc.insecure_channel(target))
    request = base_pb2.ExecutePlanRequest(
        session_id=str(uuid.uuid4()),
        user_context=base_pb2.UserContext(user_id="readiness-check"),
        client_type="spark-sql-kernel-scripts",
        plan=base_pb2.Plan(root=relations_pb2.Relation(sql=relations_pb2.SQL(query="SELECT 1"))),
    )
    metadata = [("authorization", f"Bearer {token}")] if token else []
    while True:
        try:
            for _ in stub.ExecutePlan(request, metadata=metadata, timeout=max(1.0, deadline - time.monotonic())):
                pass
            return 0
        except grpc.RpcError as e:
            if time.monotonic() > deadline:
                print(f"Spark Connect at {target} is not answering: {e.code().name} {e.details()}", file=sys.stderr)
                return 1
            time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
