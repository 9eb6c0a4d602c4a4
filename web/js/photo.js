// Photos (KTP, claim documents) from the camera, shrunk in the browser to a JPEG of at most
// 1 MB before they are stored or sent: a phone photo is 3-8 MB, the signal in the villages is weak.
export const MAX_PHOTO_BYTES = 1_000_000;
const START_SIDE = 1800; // px on the long side: a KTP stays readable
const MIN_SIDE = 480;

function toBlob(canvas, quality) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("gagal membuat JPEG"))), "image/jpeg", quality),
  );
}

function canvasOf(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/** A JPEG Blob of at most maxBytes from an image File (orientation from its EXIF applied). */
export async function shrinkPhoto(file, maxBytes = MAX_PHOTO_BYTES) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    throw new Error("Berkas ini bukan foto yang dapat dibaca. Ambil foto lagi.");
  }
  try {
    let side = Math.min(START_SIDE, Math.max(bitmap.width, bitmap.height));
    let quality = 0.85;
    for (;;) {
      const scale = side / Math.max(bitmap.width, bitmap.height);
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const canvas = canvasOf(width, height);
      const context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // transparent PNGs become white, not black
      context.fillRect(0, 0, width, height);
      context.drawImage(bitmap, 0, 0, width, height);
      const blob = await toBlob(canvas, quality);
      if (blob.size <= maxBytes) return blob;
      if (quality > 0.6) quality -= 0.1;
      else if (side > MIN_SIDE) side = Math.round(side * 0.8);
      else throw new Error("Foto tidak dapat diperkecil sampai 1 MB.");
    }
  } finally {
    bitmap.close?.();
  }
}
