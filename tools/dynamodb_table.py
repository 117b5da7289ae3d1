"""``make dynamodb-table``: create the skill's DynamoDB table if it is missing.

The table is named by DYNAMODB_PERSISTENCE_TABLE_NAME (or ``--table``); the region,
credentials and endpoint come from the standard AWS variables, as for the skill
itself. The key schema is the one the ASK SDK's DynamoDbAdapter reads and writes:
a string hash key ``id`` (the Alexa user id), on-demand billing. An existing table
is left as it is.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda"))

from back_spasm_coach import persistence  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].strip("`: "))
    parser.add_argument("--table", default=os.environ.get(persistence.DYNAMODB_TABLE_ENV),
                        help="table name (default: $%s)" % persistence.DYNAMODB_TABLE_ENV)
    args = parser.parse_args(argv)
    if not args.table:
        parser.error("name the table: {}=... or --table".format(persistence.DYNAMODB_TABLE_ENV))
    try:
        created = persistence.create_table_if_missing(args.table)
    except Exception as error:  # boto3: no region, no credentials, no endpoint...
        print("could not create table {}: {}".format(args.table, error), file=sys.stderr)
        return 1
    print("table {} {}".format(args.table, "created" if created else "already exists; left as it is"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
