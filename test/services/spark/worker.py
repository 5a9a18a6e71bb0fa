"""Long-lived Spark SQL + Delta Lake worker for CloudPulse tests.

Protocol: JSON lines. Each request is one line `{"id": <any>, "sql": "<one statement>", "maxRows": 10000}`;
each answer is one line `{"id": <same>, "ok": true, "columns": [{"name", "type"}], "rows": [[...], ...],
"truncated": false}` or `{"id": <same>, "ok": false, "error": "...", "errorClass": "AnalysisException",
"sparkErrorClass": "TABLE_OR_VIEW_NOT_FOUND", "sqlState": "42P01"}` (the last two when Spark gave them).
Optional request fields: `"longsAsStrings": true` answers BIGINT values as decimal strings (a JSON number above
2^53 loses digits in JavaScript); `"args"` binds parameters, `{"name": {"type": "BIGINT", "value": "1"}}` for
named markers or a list of such objects for `?` markers (types as Databricks names them, values as text, a null
value or a missing type is NULL).

`--port N` serves the protocol on 127.0.0.1:N (every connection speaks it; statements run one at a time);
`--stdio` reads requests from stdin and answers on stdout. Once the session is up, the worker prints
`{"ready": true}` on stdout (in both modes).

Values: timestamps are ISO-8601 in UTC with a `Z` (the session and this process run in UTC), dates
ISO-8601, decimals strings, binary base64, NaN/Infinity strings, structs objects, arrays lists, maps objects.
"""

import argparse
import base64
import datetime
import decimal
import json
import math
import os
import socketserver
import sys
import threading
import time

os.environ["TZ"] = "UTC"
time.tzset()

from pyspark.sql import SparkSession  # noqa: E402  (TZ must be set first)


def build_session(warehouse, jars):
    builder = (
        SparkSession.builder.master("local[2]")
        .appName("cloudpulse-spark-worker")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -Dderby.system.home=" + warehouse)
        .config("spark.jars", jars)
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def to_json_value(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "asDict"):
        return {k: to_json_value(v) for k, v in value.asDict(recursive=False).items()}
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return str(value)


def to_parameter(parameter):
    kind = (parameter.get("type") or "VOID").upper()
    value = parameter.get("value")
    if value is None or kind == "VOID":
        return None
    if kind == "BOOLEAN":
        return value.strip().upper() == "TRUE"
    if kind in ("TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT"):
        return int(value)
    if kind in ("FLOAT", "DOUBLE"):
        return float(value)
    if kind == "DECIMAL":
        return decimal.Decimal(value)
    if kind == "DATE":
        return datetime.date.fromisoformat(value[:10])
    if kind in ("TIMESTAMP", "TIMESTAMP_LTZ"):
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.timezone.utc)
    if kind == "TIMESTAMP_NTZ":
        return datetime.datetime.fromisoformat(value.replace("Z", "")).replace(tzinfo=None)
    return value


def to_arguments(args):
    if args is None:
        return None
    if isinstance(args, list):
        return [to_parameter(a) for a in args]
    return {name: to_parameter(a) for name, a in args.items()}


def spark_error(error):
    """Spark's error class, SQLSTATE and message: of the innermost cause that has an error class (a task
    failure wraps the constraint violation that caused it)."""
    throwable = getattr(error, "_origin", None) or getattr(error, "java_exception", None)
    found = None
    depth = 0
    while throwable is not None and depth < 20:
        try:
            error_class = throwable.getErrorClass() if hasattr(throwable, "getErrorClass") else None
        except Exception:  # noqa: BLE001  (not a SparkThrowable)
            error_class = None
        if error_class:
            found = (error_class, throwable.getSqlState(), throwable.getMessage())
        try:
            throwable = throwable.getCause()
        except Exception:  # noqa: BLE001
            throwable = None
        depth += 1
    return found


class Worker:
    def __init__(self, session):
        self.session = session
        self.lock = threading.Lock()

    def handle(self, line):
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            statement = request["sql"]
            max_rows = int(request.get("maxRows", 10000))
            args = to_arguments(request.get("args"))
            with self.lock:
                frame = self.session.sql(statement) if args is None else self.session.sql(statement, args=args)
                rows = frame.take(max_rows + 1)
                columns = [{"name": f.name, "type": f.dataType.simpleString()} for f in frame.schema.fields]
            truncated = len(rows) > max_rows
            longs = [c["type"] == "bigint" for c in columns] if request.get("longsAsStrings") else None
            return {
                "id": request_id,
                "ok": True,
                "columns": columns,
                "rows": [
                    [str(v) if longs and longs[i] and v is not None else to_json_value(v) for i, v in enumerate(row)]
                    for row in rows[:max_rows]
                ],
                "truncated": truncated,
            }
        except Exception as error:  # noqa: BLE001  (every failure goes back to the caller)
            message = (getattr(error, "desc", None) or str(error)).strip()
            answer = {"id": request_id, "ok": False, "error": message, "errorClass": type(error).__name__}
            try:
                found = spark_error(error)
            except Exception:  # noqa: BLE001  (the JVM side is gone: keep the plain answer)
                found = None
            if found is not None:
                answer["sparkErrorClass"], answer["sqlState"] = found[0], found[1]
                answer["error"] = (found[2] or message).strip()
            return answer


def serve_stdio(worker, out):
    print(json.dumps({"ready": True}), file=out, flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(worker.handle(line)), file=out, flush=True)


def serve_tcp(worker, port, out):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            for raw in self.rfile:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                answer = json.dumps(worker.handle(line)) + "\n"
                self.wfile.write(answer.encode("utf-8"))
                self.wfile.flush()

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", port), Handler) as server:
        print(json.dumps({"ready": True, "port": port}), file=out, flush=True)
        server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--port", type=int)
    mode.add_argument("--stdio", action="store_true")
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--jars", required=True, help="comma-separated Delta jar paths")
    args = parser.parse_args()
    # Keep stdout for the protocol: the JVM that pyspark launches inherits fd 1, so point fd 1 at stderr.
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    worker = Worker(build_session(args.warehouse, args.jars))
    if args.stdio:
        serve_stdio(worker, out)
    else:
        serve_tcp(worker, args.port, out)


if __name__ == "__main__":
    main()
