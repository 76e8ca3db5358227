# -*- coding: utf-8 -*-

# Copyright: Contributors to the teal.bluegreen project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Print the value of one SSM parameter, for the lifecycle hooks of teal.bluegreen.codedeploy_hooks.

Usage: python3 ssm_parameter.py --name /bluegreen/shop/live --region eu-west-1 [--endpoint-url URL] [--with-decryption]

Runs with the system's Python 3 and its boto3 (Debian's and Ubuntu's python3-boto3, Amazon Linux's
python3-boto3), with the credentials boto3 finds, on EC2 the instance profile's. Exit status 0 with the value
on stdout, 1 with the reason on stderr. With --with-decryption, the value of a SecureString parameter is
decrypted: it is then a secret, which goes to stdout only, for the hook to read from a pipe, and never into a
message.
"""

import argparse
import sys


def parse(argv):
    parser = argparse.ArgumentParser(description="Print the value of one SSM parameter.")
    parser.add_argument("--name", required=True, help="the parameter's name, like /bluegreen/shop/live")
    parser.add_argument("--region", required=True, help="the AWS region of the parameter")
    parser.add_argument("--endpoint-url", help="the SSM endpoint to use instead of AWS's, like a VPC endpoint")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer")
    parser.add_argument(
        "--with-decryption", action="store_true", help="decrypt a SecureString (needs kms:Decrypt on its key)"
    )
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
        parameter = client.get_parameter(Name=args.name, WithDecryption=args.with_decryption)["Parameter"]
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
    if args.with_decryption and parameter.get("Type") != "SecureString":
        sys.stderr.write(
            "parameter %s is a %s, not a SecureString: its value is stored unencrypted and shown to whoever may read"
            " parameters; store it as a SecureString\n" % (args.name, parameter.get("Type"))
        )
    sys.stdout.write(parameter["Value"] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
