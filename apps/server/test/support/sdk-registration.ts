import type { RegistrationInput } from "@genie/schemas";
import type { SeededAccount } from "./fixtures";

/**
 * A registration as the form SDK sends it from a real funnel page: name, a national phone number,
 * consent, every UTM value of the last touch, a click id among the fields, the visitor's first
 * touch, landing page, page URL, referrer and visitor id. The storage benchmark measures this body,
 * so its bytes per registration are those of what a real registration holds.
 */
export function sdkRegistrationBody(
  account: SeededAccount,
  overrides: Partial<RegistrationInput> = {},
): RegistrationInput {
  return {
    email: "visitor@example.com",
    name: "Visitor One",
    phone: "(415) 555-0132",
    consent: {
      text: "I agree to receive emails about the spring launch. Unsubscribe at any time.",
      given: true,
      at: "2026-12-02T09:15:00.000Z",
    },
    projectId: account.projectId,
    pageId: account.pageId,
    pageUrl: "https://funnel.example.com/spring/register",
    landingPage:
      "https://funnel.example.com/spring?utm_source=google&utm_medium=cpc&utm_campaign=spring_launch&gclid=EAIaIQobChMI8_example",
    referrer: "https://www.google.com/",
    visitorId: "5b0c1f9e-2f4a-4d8b-9a51-3e7c2d9f0a14",
    utm: {
      source: "google",
      medium: "cpc",
      campaign: "spring_launch",
      term: "webinar signup",
      content: "headline_b",
    },
    firstTouch: {
      utm: { source: "newsletter", medium: "email", campaign: "november_digest" },
      landingPage:
        "https://funnel.example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=november_digest",
      referrer: "https://mail.example.com/",
      at: "2026-11-20T18:02:11.000Z",
    },
    fields: { company: "Acme", seats: 5, gclid: "EAIaIQobChMI8_example" },
    ...overrides,
  };
}
