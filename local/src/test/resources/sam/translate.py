"""Translates a SAM template into the CloudFormation it deploys as (aws-sam-translator, no AWS calls).

Usage: translate.py TEMPLATE > cloudformation.json. Exits 3 when samtranslator is not installed.
The local CodeUri is replaced by an S3 URI, as `sam package` does before a deploy.
"""
import json
import os
import sys

try:
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse
except ImportError as e:
    print("aws-sam-translator is not installed: %s" % e, file=sys.stderr)
    sys.exit(3)


class NoManagedPolicies:
    def load(self):
        return {}


os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
template = yaml_parse(open(sys.argv[1]).read())
template.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://bucket/delta-functions.jar"
print(json.dumps(transform(template, {}, NoManagedPolicies())))
