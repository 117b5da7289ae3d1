"""DynamoDB on this machine: dynalite (npm) on a free loopback port, in memory.

boto3, and so the ASK SDK's DynamoDbAdapter, reach it through the standard AWS
variables (``environ()``): AWS_ENDPOINT_URL_DYNAMODB, a region and dummy
credentials. Tests start one for their session; the web-service tests point
two servers at it; ``python -m tools.dynalite`` runs one by hand and prints the
variables to export before ``make dynamodb-table`` and ``make serve``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading

from tools import node_packages

REGION = "us-east-1"
#: Starts dynalite on a port the system picks and prints it (its own CLI cannot use port 0).
_SERVE = """
const dynalite = require(process.argv[1]);
const server = dynalite({createTableMs: 0, deleteTableMs: 0, updateTableMs: 0});
server.listen(0, "127.0.0.1", () => console.log("port " + server.address().port));
process.stdin.on("end", () => process.exit(0));  // the parent went away: so do we
process.stdin.resume();
"""


class Dynalite:
    """One dynalite process; ``stop()`` (or the end of the parent) ends it."""

    def __init__(self, start_timeout: float = 20.0):
        package = node_packages.require("dynalite")
        self.process = subprocess.Popen([node_packages.node(), "-e", _SERVE, package],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        first = []
        reader = threading.Thread(target=lambda: first.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(start_timeout)
        line = first[0] if first else ""
        if not line.startswith("port "):
            self.stop()
            raise node_packages.Unavailable("dynalite did not start: {!r} {}".format(
                line, self.process.stderr.read()[-300:] if self.process.stderr else ""))
        self.port = int(line.split()[1])
        self.endpoint = "http://127.0.0.1:{}".format(self.port)

    def environ(self, table: str | None = None) -> dict:
        """The variables a deployment sets, pointed at this dynalite (and at ``table``)."""
        from back_spasm_coach import persistence

        env = {"AWS_ENDPOINT_URL_DYNAMODB": self.endpoint, "AWS_DEFAULT_REGION": REGION,
               "AWS_ACCESS_KEY_ID": "dynalite", "AWS_SECRET_ACCESS_KEY": "dynalite",
               persistence.DYNAMODB_REGION_ENV: REGION}
        if table:
            env[persistence.DYNAMODB_TABLE_ENV] = table
        return env

    def resource(self):
        import boto3

        return boto3.resource("dynamodb", region_name=REGION, endpoint_url=self.endpoint,
                              aws_access_key_id="dynalite", aws_secret_access_key="dynalite")

    def create_table(self, table: str) -> bool:
        """The table as ``make dynamodb-table`` creates it."""
        from back_spasm_coach import persistence

        return persistence.create_table_if_missing(table, self.resource())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream:
                stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="back-spasm-coach", help="create this table (default %(default)s)")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda"))
    with Dynalite() as server:
        server.create_table(args.table)
        print("dynalite at {} with table {}; in another shell:".format(server.endpoint, args.table))
        for key, value in server.environ(args.table).items():
            print("  export {}={}".format(key, value))
        print("then `make serve`. Ctrl-C stops dynalite (its data lives in memory).", flush=True)
        try:
            server.process.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
