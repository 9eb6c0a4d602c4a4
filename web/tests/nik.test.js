// The app's NIK parser against the cases the server's parser is tested on too
// (tests/unit/test_web_nik_cases.py runs the same file through sutasoma.domain.nik.parse_nik).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { ageOn, maskNik, mismatches, parseNik } from "../js/nik.js";

const fixture = JSON.parse(readFileSync(new URL("./nik_cases.json", import.meta.url), "utf8"));

for (const c of fixture.cases) {
  test(`NIK ${JSON.stringify(c.nik)}: ${c.why}`, () => {
    const parsed = parseNik(c.nik, fixture.today);
    assert.equal(parsed.ok, c.ok, parsed.message ?? "parsed");
    if (c.ok) {
      assert.equal(parsed.sex, c.sex);
      assert.equal(parsed.birthDate, c.birth_date);
      assert.deepEqual(parsed.candidates, c.candidates);
    } else {
      assert.equal(parsed.message, c.message);
    }
  });
}

test("birth date and sex given must agree with the NIK (the server's NIK_MISMATCH)", () => {
  const parsed = parseNik("7312045708800003", fixture.today);
  assert.deepEqual(mismatches(parsed, "1980-08-17", "F"), {});
  assert.deepEqual(mismatches(parsed, null, null), {});
  assert.deepEqual(Object.keys(mismatches(parsed, "1980-08-18", "F")), ["birth_date"]);
  assert.deepEqual(Object.keys(mismatches(parsed, "1980-08-17", "M")), ["sex"]);
  const twoCenturies = parseNik("7312041701270003", fixture.today);
  assert.deepEqual(mismatches(twoCenturies, "2027-01-17", "M"), {}, "either reading of the year is accepted");
});

test("age in whole years, as the server's age_on", () => {
  assert.equal(ageOn("1980-08-17", "2026-12-06"), 46);
  assert.equal(ageOn("1980-12-06", "2026-12-06"), 46);
  assert.equal(ageOn("1980-12-07", "2026-12-06"), 45);
  assert.equal(ageOn("2009-12-07", "2026-12-06"), 16);
});

test("masked like the server: first four and last four digits", () => {
  assert.equal(maskNik("7312045708800003"), "7312********0003");
});
