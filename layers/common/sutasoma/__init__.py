"""SUTASOMA: BPJS Ketenagakerjaan protection for the farmers of Kabupaten Soppeng.

Layers, each calling only the one below it:
handlers (functions/*/app.py) -> services (farmers, ...) -> store / queue / secrets (boto3).
"""
