"""Private document buckets (KTP copies, claim documents): presigned uploads only."""

from __future__ import annotations

from typing import Any

from sutasoma.adapters import aws


class DocumentBucket:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._client = client

    client = aws.LazyClient("s3")

    def presign_put(self, object_key: str, content_type: str, expires_in: int) -> str:
        # Signing is local (no AWS call); the content type is part of the signature, so the
        # app must send the same Content-Type header with its PUT.
        url: str = self.client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": object_key, "ContentType": content_type},
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )
        return url

    def presign_get(self, object_key: str, expires_in: int) -> str:
        """A link to read one object, for the minutes a reader needs (signed locally)."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": object_key},
            ExpiresIn=expires_in,
            HttpMethod="GET",
        )
        return url

    def latest(self, prefix: str) -> str | None:
        """The key of the newest non-empty object under `prefix`, if any."""
        found: list[tuple[Any, str]] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            found += [
                (item["LastModified"], item["Key"])
                for item in page.get("Contents", [])
                if item.get("Size", 0) > 0
            ]
        return max(found)[1] if found else None

    def exists(self, object_key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def uploaded_types(self, prefix: str) -> set[str]:
        """The document types present under `prefix` (keys `<prefix><doc_type>/<file>`)."""
        found: set[str] = set()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                rest = item["Key"][len(prefix) :]
                if "/" in rest and item.get("Size", 0) > 0:
                    found.add(rest.split("/", 1)[0])
        return found

    def put(self, object_key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=object_key, Body=body, ContentType=content_type)
