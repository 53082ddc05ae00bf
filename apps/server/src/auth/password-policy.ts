import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

let common: Set<string> | null = null;

/**
 * The most common passwords (about 49,000, lower-cased): the list zxcvbn-ts ships in
 * `@zxcvbn-ts/language-common`, read from the server's dependencies at first use. It never reaches the
 * dashboard's bundle: only the server checks it.
 */
export function commonPasswords(): Set<string> {
  if (!common) {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@zxcvbn-ts/language-common/package.json"));
    const list = JSON.parse(readFileSync(path.join(dir, "src", "passwords.json"), "utf8")) as string[];
    common = new Set(list.map((word) => word.toLowerCase()));
  }
  return common;
}

/**
 * Why a new password must be refused, in the words of a field error, or null. Length is checked by
 * better-auth (8 to 128); this adds what NIST SP 800-63B asks a verifier to refuse: passwords from
 * lists of commonly used ones, and ones derived from the account's own name (here: the email address).
 */
export function passwordProblem(password: string, email: string | null): string | null {
  if (password.trim() === "") return "must not be only spaces";
  const folded = password.trim().toLowerCase();
  if (email && folded === email.trim().toLowerCase()) return "must not be your email address";
  if (commonPasswords().has(folded)) {
    return "is one of the most common passwords, which are guessed first: choose one that is harder to guess";
  }
  return null;
}
