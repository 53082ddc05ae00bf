import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";
import { expect, expectAccessible, newAccount, register, signUp, test, trpcMutation } from "./fixtures";

/** Where every run's screenshots go (README "Dashboard"); a few are committed, the rest ignored. */
const SHOTS = fileURLToPath(new URL("screenshots/", import.meta.url));
mkdirSync(SHOTS, { recursive: true });

const DEVICES = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;
const SCHEMES = ["light", "dark"] as const;

/**
 * Shows the page as it is now in light and dark, at desktop and phone width: a full-page screenshot
 * of each. Axe scans light at desktop width and dark at phone width, so every state is checked in
 * both schemes (contrast) and both layouts, at half the cost of scanning all four.
 */
async function capture(page: Page, name: string) {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const device of DEVICES) {
      await page.setViewportSize(device.viewport);
      await page.screenshot({ path: `${SHOTS}${name}-${scheme}-${device.name}.png`, fullPage: true });
      if ((scheme === "light") === (device.name === "desktop")) {
        await expectAccessible(page, `${name} (${scheme}, ${device.name})`);
      }
    }
  }
  await page.setViewportSize(DEVICES[0].viewport);
  await page.emulateMedia({ colorScheme: "light" });
}

type Endpoint = { endpoint: { id: string }; secret: string };

test("every page and state, light and dark, desktop and phone: screenshots and no serious axe violations", async ({
  page,
  receiver,
}) => {
  test.setTimeout(300_000);
  await page.goto("/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in to Genie" })).toBeVisible();
  await capture(page, "sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Email must be a valid email address.")).toBeVisible();
  await capture(page, "sign-in-errors");

  await signUp(page, newAccount("Margaret Hamilton"));
  await expect(page.getByText("Get your first lead into your CRM")).toBeVisible();
  await capture(page, "overview-empty");
  await page.goto("/deliveries");
  await expect(page.getByRole("heading", { name: "No deliveries yet" })).toBeVisible();
  await capture(page, "deliveries-empty");
  await page.goto("/funnels");
  await expect(page.getByRole("heading", { name: "No funnel yet" })).toBeVisible();
  await capture(page, "funnels-empty");
  await page.goto("/contacts");
  await expect(page.getByRole("heading", { name: "No contacts yet" })).toBeVisible();
  await capture(page, "contacts-empty");
  await page.goto("/endpoints");
  await expect(page.getByRole("heading", { name: "No endpoints yet" })).toBeVisible();
  await capture(page, "endpoints-empty");

  await page.getByRole("link", { name: "Add endpoint" }).click();
  await page.getByRole("radio", { name: /Make\.com/ }).click();
  await expect(page.getByLabel("Header 1 name")).toHaveValue("x-make-apikey");
  await capture(page, "endpoint-new");
  await page.getByLabel("Webhook URL").fill("ftp://example.com");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await expect(page.getByText("Webhook URL must be an http:// or https:// URL.")).toBeVisible();
  await expect(page.getByText("Value must not be empty")).toBeVisible();
  await capture(page, "endpoint-new-errors");
  await page.getByLabel("Webhook URL").fill(receiver.url("/make"));
  await page.getByLabel("Header 1 value").fill("make-api-key-0123456789");
  await page.getByRole("button", { name: "Create endpoint" }).click();
  await expect(page.getByTestId("signing-secret")).toBeVisible();
  await capture(page, "secret-once");

  // A healthy, a failing and a disabled endpoint, with one registration delivered to each.
  receiver.answer("/failing", 503, "Service Unavailable");
  receiver.answer("/gone", 410, "Gone");
  const failing = await trpcMutation<Endpoint>(page, "endpoints.create", {
    url: receiver.url("/failing"),
    name: "GoHighLevel – webinar",
    crm: "gohighlevel",
  });
  const gone = await trpcMutation<Endpoint>(page, "endpoints.create", {
    url: receiver.url("/gone"),
    name: "Old Zapier hook",
    crm: "zapier",
  });
  const project = await trpcMutation<{ id: string }>(page, "funnels.create", { name: "Webinar" });
  await register(page, project.id, "lead@example.com");
  // The standard schedule: 3 attempts to the failing one; one to the others.
  await expect.poll(() => receiver.requestsTo("/failing").length, { timeout: 20_000 }).toBe(3);

  // The pages of issue 19, with this traffic in them.
  await trpcMutation(page, "funnels.pages.create", {
    projectId: project.id,
    name: "Landing",
    url: "https://funnel.example.com/webinar",
  });
  await register(page, project.id, "second-lead@example.com");
  const started = Date.now();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Delivery log" }).click();
  await expect(page.getByTestId("delivery-row").first()).toBeVisible();
  console.log(`first rows of the delivery log on screen after navigation: ${Date.now() - started} ms`);
  await expect(page.getByTestId("live-state")).toHaveText(/Live/);
  await capture(page, "deliveries");
  await page.getByRole("combobox", { name: "Status" }).selectOption("failed");
  await expect(page).toHaveURL(/state=failed/);
  await capture(page, "deliveries-filtered");
  await page.getByRole("tab", { name: "Test sends" }).click();
  await capture(page, "deliveries-test-sends");
  await page.goto("/deliveries?state=failed");
  await page.getByTestId("delivery-row").first().getByRole("link").first().click();
  await expect(page.getByTestId("attempt")).toHaveCount(3);
  await capture(page, "delivery");
  await trpcMutation(page, "funnels.update", { id: project.id, defaultCountry: "US" });
  await page.goto("/funnels");
  await expect(page.getByText(/registrations? so far/).first()).toBeVisible();
  await expect(page.getByLabel("Default phone country")).toHaveValue("US");
  await capture(page, "funnels");
  await page.getByRole("button", { name: "Delete" }).first().click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  await capture(page, "funnel-delete-confirm");
  await page.getByRole("button", { name: "Cancel" }).click();
  // A national number read in the funnel's country, and consent: the contact's newest row and page.
  const withPhone = await page.request.post("/api/contacts", {
    data: {
      projectId: project.id,
      email: "phone-lead@example.com",
      name: "Dorothy Vaughan",
      phone: "(415) 555-0132",
      consent: { given: true, text: "I agree to receive emails about the webinar and its replay." },
    },
  });
  expect(withPhone.status(), await withPhone.text()).toBe(201);
  await page.goto("/contacts");
  await expect(page.getByTestId("contact-phone").first()).toHaveText("Phone +14155550132");
  await capture(page, "contacts");
  await page.getByTestId("contact-row").first().getByRole("link").click();
  await expect(page.getByText("Webhooks about this contact")).toBeVisible();
  await expect(page.getByTestId("consent-text")).toBeVisible();
  await capture(page, "contact");
  await page.getByRole("button", { name: "Erase this contact" }).click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  await capture(page, "contact-erase-confirm");
  await page.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
  await expect(page.getByTestId("attempts-chart")).toBeVisible();
  await expect(page.getByTestId("troubled-endpoints")).toBeVisible();
  await capture(page, "overview");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Endpoints" }).click();
  await expect(async () => {
    await page.reload();
    await expect(page.getByText("Failing", { exact: true })).toBeVisible({ timeout: 2_000 });
    await expect(page.getByText("Disabled", { exact: true })).toBeVisible({ timeout: 2_000 });
    await expect(page.getByText("Healthy", { exact: true })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await capture(page, "endpoints");

  await page.goto(`/endpoints/${failing.endpoint.id}`);
  await expect(page.getByRole("heading", { name: /GoHighLevel – webinar/ })).toBeVisible();
  await expect(page.getByText("Failures in a row")).toBeVisible();
  await trpcMutation(page, "endpoints.update", { id: failing.endpoint.id, maxConcurrency: 5 });
  await page.reload();
  await expect(page.getByText("At most 5", { exact: true })).toBeVisible();
  await capture(page, "endpoint");

  await page.getByRole("button", { name: "Rotate secret" }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await capture(page, "rotate-dialog");
  await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
  await expect(page.getByRole("dialog").getByTestId("signing-secret")).toBeVisible();
  await capture(page, "rotate-secret-once");
  await page.getByRole("button", { name: "I have copied it" }).click();

  await page.getByRole("button", { name: "Delete endpoint" }).click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  await capture(page, "delete-confirm");
  await page.getByRole("button", { name: "Cancel" }).click();

  await page.goto(`/endpoints/${gone.endpoint.id}`);
  await expect(page.getByTestId("disabled-reason")).toContainText("410 Gone");
  await capture(page, "endpoint-disabled");
  receiver.answer("/gone", 200);
  await page.getByRole("button", { name: "Re-enable" }).click();
  await expect(page.getByText("1 delivery failed while this endpoint was down")).toBeVisible();
  await capture(page, "endpoint-redeliver");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Send test" }).click();
  await expect(page.getByRole("button", { name: "Send test webhook" })).toBeVisible();
  await capture(page, "send-test");
  await page.getByRole("button", { name: "Send test webhook" }).click();
  await expect(page.getByTestId("test-payload")).toBeVisible();
  await capture(page, "send-test-result");
  await page.getByRole("combobox", { name: "Endpoint" }).selectOption(failing.endpoint.id);
  await page.getByRole("button", { name: "Send test webhook" }).click();
  await expect(page.getByText("HTTP 503")).toBeVisible();
  await capture(page, "send-test-failed");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await expect(page.getByText("This device", { exact: true })).toBeVisible();
  await capture(page, "account");

  await page
    .getByRole("button", { name: /Account menu/ })
    .first()
    .click();
  await expect(page.getByRole("menu")).toBeVisible();
  await capture(page, "account-menu");
  await page.keyboard.press("Escape");

  await page.goto("/no-such-page");
  await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
  await capture(page, "not-found");
});
