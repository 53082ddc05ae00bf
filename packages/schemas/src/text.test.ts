import { describe, expect, test } from "vitest";
import { textProblem, toStorableText } from "./text";

describe("textProblem", () => {
  test("accepts any well-formed text, tabs and line breaks included", () => {
    for (const value of ["", "Ann", "O'Brien\tand\r\nco", "😀 astral", "\u202e bidi", "\u00a0\ufeff"]) {
      expect(textProblem(value)).toBeNull();
    }
  });

  test("names the control character it found", () => {
    expect(textProblem("a\u0000b")).toBe("must not contain control characters (found U+0000)");
    expect(textProblem("bell\u0007")).toBe("must not contain control characters (found U+0007)");
    expect(textProblem("\u001f")).toContain("U+001F");
  });

  test("refuses a lone high or low surrogate but not a pair", () => {
    expect(textProblem("Ann \ud800")).toBe("must be valid Unicode (found a lone surrogate U+D800)");
    expect(textProblem("\udc00 first")).toContain("U+DC00");
    expect(textProblem("\ud800\ud800")).toContain("U+D800");
    expect(textProblem("\ud83d\ude00")).toBeNull();
  });
});

describe("toStorableText", () => {
  test("escapes NUL and lone surrogates visibly and leaves everything else as it was", () => {
    expect(toStorableText("ok\u0000then")).toBe("ok\\u0000then");
    expect(toStorableText("a\ud800b\udfffc")).toBe("a\\ud800b\\udfffc");
    expect(toStorableText("😀 fine\u0007")).toBe("😀 fine\u0007");
  });

  test("what it returns has neither NUL nor a lone surrogate left", () => {
    const stored = toStorableText("x\u0000\ud800y\udc00");
    expect(stored).toBe("x\\u0000\\ud800y\\udc00");
    expect(textProblem(stored)).toBeNull();
  });
});
