// libphonenumber-js with its "min" metadata (about 80 KB, loaded once with this module): enough to
// tell a number from text and to write it in E.164, without the 145 KB of the full set.
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/min";

/** True when libphonenumber can read national numbers of this ISO 3166-1 alpha-2 country. */
export function isPhoneCountry(country: string): boolean {
  return isSupportedCountry(country);
}

/**
 * A phone number as typed (`(415) 555-0123`, `+44 20 7946 0018`, `0201 234 5678`) in E.164
 * (`+14155550123`), reading national numbers as numbers of `defaultCountry`; null when the text is
 * not a valid number (or is national and there is no default country).
 *
 * @example
 * toE164("020 7946 0018", "GB"); // "+442079460018"
 */
export function toE164(text: string, defaultCountry: string | null): string | null {
  const country =
    defaultCountry !== null && isSupportedCountry(defaultCountry)
      ? (defaultCountry as CountryCode)
      : undefined;
  const parsed = parsePhoneNumberFromString(text, country && { defaultCountry: country });
  return parsed?.isValid() ? parsed.number : null;
}
