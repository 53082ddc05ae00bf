import { z } from "zod";
import { storableText } from "./errors";

/**
 * A point in time in a response: the server returns a Date, the wire and the client see ISO-8601
 * (the tRPC API has no transformer, so the type says what actually arrives).
 */
export const timestampSchema = z.date().transform((date) => date.toISOString());

/** A point in time in a request: ISO-8601 with an offset, parsed to a Date. */
export const dateInputSchema = z.iso
  .datetime({ offset: true, error: "must be an ISO-8601 date-time" })
  .transform((value) => new Date(value));

/** NIST 800-63B: at least 8 characters, and long passphrases allowed. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** The sign-up form; the server's auth library enforces the same password lengths. */
export const signUpSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .check(storableText),
  email: z.email({ error: "must be a valid email address" }).max(254).check(storableText),
  password: z
    .string()
    .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
    .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`),
});
export type SignUp = z.infer<typeof signUpSchema>;

/** What an account owner may change about themselves (better-auth's update-user): the name only. */
export const profileUpdateSchema = signUpSchema.pick({ name: true });
export type ProfileUpdate = z.infer<typeof profileUpdateSchema>;

export const signInSchema = z.strictObject({
  email: z.email({ error: "must be a valid email address" }).max(254),
  password: z.string().min(1, "must not be empty").max(PASSWORD_MAX_LENGTH),
});
export type SignIn = z.infer<typeof signInSchema>;

/** `account.me`: who is signed in. */
export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  createdAt: timestampSchema,
});
/** As the server returns it (Dates); clients receive the schema's output (ISO strings). */
export type AccountView = z.input<typeof accountSchema>;
