"""LocalStack ready hook: create Delta CI's resources from infra/template.yaml.

Follows the same rules as the Java Provisioner (local/src/main/java/.../stack/Provisioner.java):
tables and queues are named by their logical ids, buckets "deltaci-<logical id in lower case>",
dead-letter queues are created before the queues that redrive to them. Safe to re-run.
"""
import json

import boto3
import yaml

TEMPLATE = "/etc/delta/template.yaml"
ENDPOINT = "http://localhost:4566"
QUEUE_ATTRIBUTES = ["VisibilityTimeout", "ReceiveMessageWaitTimeSeconds", "MessageRetentionPeriod",
                    "DelaySeconds", "MaximumMessageSize"]


class CfnLoader(yaml.SafeLoader):
    """Reads !Ref, !GetAtt, !Sub ... as plain {"Ref": x} / {"Fn::GetAtt": [id, attr]} maps."""


def _intrinsic(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node)
    else:
        value = loader.construct_mapping(node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {"Fn::" + suffix: value}


CfnLoader.add_multi_constructor("!", _intrinsic)


def referenced_id(value):
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def main():
    with open(TEMPLATE) as f:
        resources = yaml.load(f, Loader=CfnLoader)["Resources"]
    session = dict(endpoint_url=ENDPOINT, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
    dynamo, sqs, s3 = (boto3.client(s, **session) for s in ("dynamodb", "sqs", "s3"))

    for name, res in resources.items():
        if res["Type"] != "AWS::DynamoDB::Table":
            continue
        p = res["Properties"]
        args = dict(TableName=name, AttributeDefinitions=p["AttributeDefinitions"], KeySchema=p["KeySchema"],
                    BillingMode="PAY_PER_REQUEST")
        if p.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = [{k: g[k] for k in ("IndexName", "KeySchema", "Projection")}
                                              for g in p["GlobalSecondaryIndexes"]]
        try:
            dynamo.create_table(**args)
        except dynamo.exceptions.ResourceInUseException:
            pass

    queues = {n: r for n, r in resources.items() if r["Type"] == "AWS::SQS::Queue"}
    arns = {}
    while len(arns) < len(queues):
        progressed = False
        for name, res in queues.items():
            p = res.get("Properties", {})
            redrive = p.get("RedrivePolicy")
            target = referenced_id(redrive["deadLetterTargetArn"]) if redrive else None
            if name in arns or (target and target not in arns):
                continue
            attributes = {k: str(p[k]) for k in QUEUE_ATTRIBUTES if k in p}
            if redrive:
                attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": arns[target],
                                                          "maxReceiveCount": int(redrive["maxReceiveCount"])})
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            progressed = True
        if not progressed:
            raise SystemExit("queue redrive policies form a cycle in the template")

    for name, res in resources.items():
        if res["Type"] == "AWS::S3::Bucket":
            bucket = "deltaci-" + name.lower()
            try:
                s3.create_bucket(Bucket=bucket)
            except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
                pass
    print("delta: provisioned", ", ".join(n for n, r in resources.items()
                                          if r["Type"] in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")))


main()
