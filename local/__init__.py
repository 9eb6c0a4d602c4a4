"""SUTASOMA's Docker-free local stack: moto + the template's resources + an API gateway.

Run it with `python -m local` (or `make run`); see docs/local-stack.md.
Importing this package has no side effects: boto3 is imported only once the stack starts.
"""
