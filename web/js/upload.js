// Uploads to S3 through the URL the API presigned. CONTRACT.md r2: a presigned POST
// ({upload_url, fields, max_bytes}: multipart/form-data with the fields, then the file);
// before r2, a presigned PUT ({upload_url}: the file as the body, with its Content-Type).
import { NetworkError } from "./api.js";

export class UploadError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "UploadError";
    this.status = status;
  }
}

function s3Message(text) {
  const code = /<Code>([^<]+)<\/Code>/.exec(text ?? "")?.[1];
  if (code === "EntityTooLarge") return "Berkas terlalu besar.";
  if (code === "AccessDenied" || code === "SignatureDoesNotMatch") return "Izin unggah ditolak atau kedaluwarsa.";
  return code ? `Unggahan ditolak penyimpanan (${code}).` : "Unggahan ditolak penyimpanan.";
}

export async function uploadPresigned(target, blob, contentType = "image/jpeg", filename = "foto.jpg") {
  if (target.max_bytes && blob.size > target.max_bytes) {
    throw new UploadError(413, `Berkas ${Math.ceil(blob.size / 1024)} KB melebihi batas ${Math.floor(target.max_bytes / 1024)} KB.`);
  }
  let response;
  try {
    if (target.fields) {
      const form = new FormData();
      for (const [name, value] of Object.entries(target.fields)) form.append(name, value);
      form.append("file", blob, filename); // S3 ignores every field after the file
      response = await fetch(target.upload_url, { method: "POST", body: form });
    } else {
      response = await fetch(target.upload_url, { method: "PUT", body: blob, headers: { "Content-Type": contentType } });
    }
  } catch {
    throw new NetworkError("Tidak ada sinyal: foto belum terunggah.");
  }
  if (!response.ok) throw new UploadError(response.status, s3Message(await response.text().catch(() => "")));
}
