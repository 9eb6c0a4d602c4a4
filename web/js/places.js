// Soppeng's kecamatan and villages (Kemendagri codes), from the server's own list.
import { KECAMATAN } from "./reference-data.js";

const byCode = new Map(KECAMATAN.map((k) => [k.code, k]));
const villages = new Map(
  KECAMATAN.flatMap((k) => k.villages.map(([code, name, level]) => [code, { code, name, level, kecamatan: k.code }])),
);

export function kecamatanList() {
  return KECAMATAN.map((k) => ({ code: k.code, name: k.name }));
}

export function kecamatanName(code) {
  return byCode.get(code)?.name ?? code ?? "–";
}

/** Villages of one kecamatan, by name: [{code, name, level}]. */
export function villagesOf(kecamatanCode) {
  const k = byCode.get(kecamatanCode);
  if (!k) return [];
  return k.villages
    .map(([code, name, level]) => ({ code, name, level }))
    .sort((a, b) => a.name.localeCompare(b.name, "id"));
}

export function villageName(code) {
  const v = villages.get(code);
  if (!v) return code ?? "–";
  return `${v.level === "kelurahan" ? "Kel." : "Desa"} ${v.name}`;
}
