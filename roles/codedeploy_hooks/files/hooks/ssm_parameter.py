# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Print the value of one SSM parameter, for the lifecycle hooks of teal.bluegreen.codedeploy_hooks.

Usage: python3 ssm_parameter.py --name /bluegreen/shop/live --region eu-west-1 [--endpoint-url URL]

Runs with the system's Python 3 and its boto3 (Debian's and Ubuntu's python3-boto3, Amazon Linux's
python3-boto3), with the credentials boto3 finds, on EC2 the instance profile's. Exit status 0 with the value
on stdout, 1 with the reason on stderr.
"""

import argparse
import sys


def parse(argv):
    parser = argparse.ArgumentParser(description="Print the value of one SSM parameter.")
    parser.add_argument("--name", required=True, help="the parameter's name, like /bluegreen/shop/live")
    parser.add_argument("--region", required=True, help="the AWS region of the parameter")
    parser.add_argument("--endpoint-url", help="the SSM endpoint to use instead of AWS's, like a VPC endpoint")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
        from botocore.exceptions import ClientError
    except ImportError:
        sys.stderr.write("boto3 is not installed for %s: install python3-boto3\n" % sys.executable)
        return 1

    config = Config(
        connect_timeout=args.timeout,
        read_timeout=args.timeout,
        retries={"mode": "standard", "max_attempts": 5},
    )
    client = boto3.client("ssm", region_name=args.region, endpoint_url=args.endpoint_url or None, config=config)
    try:
        value = client.get_parameter(Name=args.name)["Parameter"]["Value"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ParameterNotFound":
            sys.stderr.write("parameter %s does not exist in %s\n" % (args.name, args.region))
        else:
            sys.stderr.write("could not read parameter %s: %s\n" % (args.name, error))
        return 1
    except BotoCoreError as error:
        sys.stderr.write("could not read parameter %s: %s\n" % (args.name, error))
        return 1
    sys.stdout.write(value + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
