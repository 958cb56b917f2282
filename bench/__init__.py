"""Benchmarks: pulumi-workmail against the AWS CLI and a boto3 script, on the local WorkMail emulator.

``make bench`` / ``make bench-quick`` run :mod:`bench.run`; see ``bench/README.md``.
"""
