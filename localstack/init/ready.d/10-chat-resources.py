"""
LocalStack ready hook: the chat service's tables and queues, from infra/definitions.json — the
same file serverless.yml deploys and the Node local stack reads (local/local-stack.ts).

  chat-<stage>                      table: PK/SK + GSI1, on-demand, stream, TTL on expiresAt
  chat-<stage>-tasks                table: PK, TTL on expiresAt
  chat-<stage>-messages-dlq.fifo    dead-letter queue
  chat-<stage>-messages.fifo        message queue, redrive to the DLQ after maxReceiveCount

Idempotent: anything that exists is left as it is. LocalStack runs this file inside its own Python
(which has boto3) when it is ready; it can also be run by hand against any endpoint:

  CHAT_ENDPOINT=http://localhost:4566 CHAT_DEFINITIONS=infra/definitions.json python3 <this file>

Environment: CHAT_STAGE (default local), CHAT_DEFINITIONS (default
/etc/localstack/chat/definitions.json), CHAT_ENDPOINT (default http://localhost:4566),
CHAT_DYNAMODB_ENDPOINT / CHAT_SQS_ENDPOINT (override CHAT_ENDPOINT per service), AWS_DEFAULT_REGION
(default us-east-1). Names must match resourceNames() in local/local-stack.ts and custom.names in
serverless.yml.
"""

import json
import os
import time

import boto3
from botocore.exceptions import ClientError

SERVICE = "chat"


def _attributes(values):
    """SQS attributes are strings; JSON booleans become "true"/"false"."""
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in values.items()}


def _log(line):
    print(f"chat-resources: {line}", flush=True)


def create_chat_resources():
    stage = os.environ.get("CHAT_STAGE") or "local"
    region = os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    endpoint = os.environ.get("CHAT_ENDPOINT") or "http://localhost:4566"
    path = os.environ.get("CHAT_DEFINITIONS") or "/etc/localstack/chat/definitions.json"
    with open(path, encoding="utf-8") as f:
        defs = json.load(f)

    # LocalStack's documented dummy credentials: account 000000000000, the one the Node side uses.
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)
    ddb = session.client("dynamodb", endpoint_url=os.environ.get("CHAT_DYNAMODB_ENDPOINT") or endpoint)
    sqs = session.client("sqs", endpoint_url=os.environ.get("CHAT_SQS_ENDPOINT") or endpoint)

    chat_table = f"{SERVICE}-{stage}"
    tasks_table = f"{SERVICE}-{stage}-tasks"
    message_queue = f"{SERVICE}-{stage}-messages.fifo"
    dead_letter_queue = f"{SERVICE}-{stage}-messages-dlq.fifo"

    def ensure_table(name, spec):
        try:
            ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **spec)
            _log(f"table {name} created")
        except ClientError as e:
            if e.response["Error"]["Code"] != "ResourceInUseException":
                raise
            _log(f"table {name} exists")
        deadline = time.time() + 30
        while ddb.describe_table(TableName=name)["Table"]["TableStatus"] != "ACTIVE":
            if time.time() > deadline:
                raise RuntimeError(f"table {name} did not become ACTIVE")
            time.sleep(0.2)

    # The chat table's stream feeds the live-delivery fan-out (CloudFormation's shape has no StreamEnabled).
    chat_stream = {"StreamEnabled": True, "StreamViewType": defs["chatTable"]["StreamSpecification"]["StreamViewType"]}
    ensure_table(
        chat_table,
        {**{k: defs["chatTable"][k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")}, "StreamSpecification": chat_stream},
    )
    if not ddb.describe_table(TableName=chat_table)["Table"].get("StreamSpecification", {}).get("StreamEnabled"):
        ddb.update_table(TableName=chat_table, StreamSpecification=chat_stream)
        _log(f"stream on {chat_table}")
    ensure_table(tasks_table, {k: defs["tasksTable"][k] for k in ("AttributeDefinitions", "KeySchema")})
    for name, spec in ((chat_table, defs["chatTable"]), (tasks_table, defs["tasksTable"])):
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=spec["TimeToLiveSpecification"])
            _log(f"TTL on {name}.{spec['TimeToLiveSpecification']['AttributeName']}")

    def ensure_queue(name, attributes):
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            _log(f"queue {name} exists")
            return url
        except ClientError as e:
            if e.response["Error"]["Code"] not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
                raise
        url = sqs.create_queue(QueueName=name, Attributes=attributes())["QueueUrl"]
        _log(f"queue {name} created")
        return url

    dlq_url = ensure_queue(dead_letter_queue, lambda: _attributes(defs["deadLetterQueue"]))

    def message_queue_attributes():
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": defs["maxReceiveCount"]}
        return {**_attributes(defs["messageQueue"]), "RedrivePolicy": json.dumps(redrive)}

    ensure_queue(message_queue, message_queue_attributes)
    _log(f"stage {stage} ready")


# LocalStack executes ready.d scripts in its own interpreter (not as __main__): run unconditionally.
# An exception marks the script ERROR in /_localstack/init/ready (and the compose healthcheck).
create_chat_resources()
