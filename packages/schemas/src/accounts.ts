import { z } from "zod";
import { storableText, timestampSchema } from "./common";
import { MAX_EMAIL_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./limits";

/** The sign-up form; the server's auth library enforces the same password lengths. */
export const signUpSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .check(storableText),
  email: z.email({ error: "must be a valid email address" }).max(MAX_EMAIL_LENGTH).check(storableText),
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
  email: z.email({ error: "must be a valid email address" }).max(MAX_EMAIL_LENGTH),
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

/** account.delete: the owner confirms with their password. */
export const accountDeleteSchema = z.strictObject({
  password: z.string().min(1, "must not be empty").max(PASSWORD_MAX_LENGTH),
});
