// Every schema a dashboard form checks its values with, in one module that is loaded when a form is
// first used (lib/form.ts): the zod library weighs ~25 KiB gzipped, a sixth of the first visit's budget.
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@genie/schemas";
import { z } from "zod";

export {
  apiKeyCreateSchema,
  endpointCreateSchema,
  endpointUpdateSchema,
  sendTestSchema,
  signInSchema,
  signUpSchema,
} from "@genie/schemas";

/** Account page: the name better-auth stores (same bounds as sign-up). */
export const nameSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
});

/** Account page: the password change, with the new one typed twice. */
export const passwordChangeSchema = z
  .object({
    currentPassword: z.string().min(1, "must not be empty"),
    newPassword: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`),
    confirm: z.string(),
  })
  .refine((v) => v.newPassword === v.confirm, {
    message: "does not match the new password",
    path: ["confirm"],
  });
