import assert from "node:assert/strict";
import { test } from "node:test";

import { oneLine } from "../js/format.js";

test("a textarea's line breaks and tabs become single spaces (the API refuses control characters)", () => {
  assert.equal(oneLine("Jatuh di sawah\nsaat panen,\r\n\tkaki terkilir  "), "Jatuh di sawah saat panen, kaki terkilir");
  assert.equal(oneLine("  satu baris  "), "satu baris");
  assert.equal(oneLine(undefined), "");
  assert.ok(!/[\u0000-\u001f]/.test(oneLine("a\u000bb\fc\n\n\nd")));
});
