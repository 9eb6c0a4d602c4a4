"""The imports bucket: presigned uploads and downloads, the uploaded file read from disk, the
results file written to disk then uploaded, and the chunks of valid rows (JSON lines).

An uploaded file is copied to the function's /tmp (Lambda gives 512 MB; files are ≤ 20 MB) and
read from there row by row: openpyxl needs a seekable file, and nothing is held in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sutasoma.adapters import aws
from sutasoma.adapters.tabular import reader, results_writer
from sutasoma.app.ports import PresignedPost, ResultWriter, RowReader
from sutasoma.domain.import_plan import PlannedRow
from sutasoma.domain.imports import CONTENT_TYPES

COPY_CHUNK_BYTES = 1024 * 1024


def chunk_key(import_id: str, chunk: int) -> str:
    return f"work/{import_id}/chunks/{chunk:06d}.jsonl"


class ImportBucket:
    client = aws.LazyClient("s3")

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._client = client

    def presign_post(
        self, object_key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedPost:
        """A form S3 accepts only for this key, this content type and 1..max_bytes bytes."""
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=object_key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=str(post["url"]), fields={str(k): str(v) for k, v in post["fields"].items()})

    def presign_get(self, object_key: str, filename: str, expires_in: int) -> str:
        file_type = filename.rsplit(".", 1)[-1]
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket, "Key": object_key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": CONTENT_TYPES.get(file_type, "application/octet-stream"),
            },
            ExpiresIn=expires_in,
        )  # fmt: skip
        return url

    def size(self, object_key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    @contextmanager
    def rows(self, object_key: str, file_type: str) -> Iterator[RowReader]:
        with tempfile.TemporaryDirectory(prefix="import-") as folder:
            path = Path(folder) / f"upload.{file_type}"
            body = self.client.get_object(Bucket=self.bucket, Key=object_key)["Body"]
            with path.open("wb") as out:
                for part in body.iter_chunks(COPY_CHUNK_BYTES):
                    out.write(part)
            yield reader(path, file_type)

    @contextmanager
    def results(self, object_key: str, file_type: str) -> Iterator[ResultWriter]:
        """Written on disk, uploaded when the block ends without an error (else dropped)."""
        with tempfile.TemporaryDirectory(prefix="results-") as folder:
            path = Path(folder) / f"results.{file_type}"
            writer = results_writer(path, file_type)
            try:
                yield writer
            finally:
                writer.close()
            with path.open("rb") as body:  # streamed from disk
                self.client.put_object(
                    Bucket=self.bucket, Key=object_key, Body=body, ContentType=CONTENT_TYPES[file_type]
                )

    def put_chunk(self, import_id: str, chunk: int, rows: Sequence[PlannedRow]) -> None:
        body = "\n".join(row.model_dump_json() for row in rows).encode()
        self.client.put_object(
            Bucket=self.bucket, Key=chunk_key(import_id, chunk), Body=body, ContentType="application/x-ndjson"
        )

    def chunk(self, import_id: str, chunk: int) -> list[PlannedRow]:
        body = self.client.get_object(Bucket=self.bucket, Key=chunk_key(import_id, chunk))["Body"].read()
        return [PlannedRow.model_validate_json(line) for line in body.splitlines() if line.strip()]
