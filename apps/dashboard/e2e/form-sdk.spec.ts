import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { verifyWebhook } from "@genie/webhook-core";
import { expect, type Page, test } from "@playwright/test";
import {
  type ContactItem,
  ensureSdkBuilt,
  funnelPage,
  ownerApi,
  startFunnelSite,
  startGenie,
} from "./form-sdk-support";
import { type Receiver, startReceiver } from "./receiver";

/**
 * The form SDK on funnel pages of other sites (issue 20): a marketer's page on another loopback origin
 * loads the script from Genie, as the snippet funnels.* hands out says. Genie here is a process of
 * this file's own: one scenario stops it and starts it again.
 */
const SHOTS = fileURLToPath(new URL("screenshots/", import.meta.url));
const HOOK = "/crm/leads";

test.describe.configure({ mode: "serial" });

let genie: Awaited<ReturnType<typeof startGenie>>;
let site: Awaited<ReturnType<typeof startFunnelSite>>;
let foreign: Awaited<ReturnType<typeof startFunnelSite>>;
let receiver: Receiver;
let owner: Awaited<ReturnType<typeof ownerApi>>;
let secret = "";
let projectId = "";
const pages = new Map<string, { html: string; headers?: Record<string, string> }>();
const foreignPages = new Map<string, { html: string; headers?: Record<string, string> }>();

test.beforeAll(async () => {
  test.setTimeout(120_000);
  ensureSdkBuilt();
  [genie, site, foreign, receiver] = await Promise.all([
    startGenie(),
    startFunnelSite(pages),
    startFunnelSite(foreignPages),
    startReceiver(),
  ]);
  owner = await ownerApi(genie.url);
  const project = await owner.mutation<{ id: string; embedSnippet: string }>("funnels.create", {
    name: "Spring launch",
    allowedOrigins: [site.origin],
    defaultCountry: "US",
  });
  projectId = project.id;
  const page = await owner.mutation<{ id: string; embedSnippet: string }>("funnels.pages.create", {
    projectId,
    name: "Register",
    url: `${site.origin}/register`,
  });
  ({ secret } = await owner.mutation<{ secret: string }>("endpoints.create", {
    name: "CRM",
    url: receiver.url(HOOK),
  }));

  // The snippet as handed out, pasted as it is (the default form), or its <form> tag filled with the
  // marketer's own fields: either way the SDK reads exactly the attributes the snippet wrote.
  const [formTag = "", scriptTag = ""] = page.embedSnippet.split("\n");
  const stylesheet = `<link rel="stylesheet" href="${genie.url}/sdk/genie-form.css">`;
  const marketerForm = formTag.replace(
    "></form>",
    `>
      <label for="email">Email</label><input id="email" name="email" type="email" required>
      <label for="name">Name</label><input id="name" name="name">
      <label for="phone">Phone</label><input id="phone" name="phone" type="tel">
      <label for="company">Company</label><input id="company" name="company">
      <label><input type="checkbox" name="consent"> I agree to receive emails about the spring launch.</label>
      <button type="submit">Register</button>
    </form>`,
  );
  pages.set("/landing", {
    html: funnelPage("Spring launch", `<p><a href="/register">Register now</a></p>${scriptTag}`),
  });
  // The script pasted twice: the second copy leaves the first in charge.
  pages.set("/register", { html: funnelPage("Register", `${marketerForm}${scriptTag}${scriptTag}`) });
  pages.set("/default", { html: funnelPage("Register", page.embedSnippet, stylesheet) });
  // The script in <head>, before the form exists.
  pages.set("/strict", {
    html: funnelPage("Register", formTag, `${stylesheet}${scriptTag}`),
    headers: {
      "content-security-policy": `default-src 'none'; script-src ${genie.url}; connect-src ${genie.url}; style-src ${genie.url}`,
    },
  });
  // A page that allows inline script calls the SDK before it has loaded, through the queue stub.
  const queued = `<script>
    window.GenieForm = window.GenieForm || function () { (GenieForm.q = GenieForm.q || []).push(arguments); };
    GenieForm("attach", "#signup", { onSuccess: function (detail) { window.registered = detail.id; } });
  </script>`;
  pages.set("/queued", {
    html: funnelPage(
      "Queued",
      `${marketerForm.replace("<form data-genie-form", '<form id="signup"')}${scriptTag}`,
      queued,
    ),
  });
  foreignPages.set("/register", { html: funnelPage("Copied form", `${marketerForm}${scriptTag}`) });
});

test.afterAll(async () => {
  await owner?.dispose();
  await Promise.all([genie?.close(), site?.close(), foreign?.close(), receiver?.close()]);
});

const contactsOf = async (email: string) =>
  (await owner.query<{ items: ContactItem[] }>("contacts.list", { search: email })).items;

/** The marketer's form, once the SDK has attached to it (it adds the honeypot). */
async function openRegister(page: Page, origin = site.origin) {
  await page.goto(`${origin}/register`);
  await expect(page.locator("form [name=_hp]")).toHaveCount(1);
  await expect(page.locator("[data-genie-message]")).toHaveCount(1);
}

async function fill(page: Page, email: string, phone = "(415) 555-0132") {
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Name", { exact: true }).fill("Ada Lovelace");
  await page.getByLabel("Phone", { exact: true }).fill(phone);
  await page.getByLabel("Company", { exact: true }).fill("Analytical Engines");
  await page.getByLabel("I agree to receive emails").check();
}

const status = (page: Page) => page.getByRole("status");

test("a UTM visit, a second page view, a registration: the contact and the signed webhook carry the attribution", async ({
  page,
}) => {
  await page.goto(
    `${site.origin}/landing?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=abc123`,
    {
      referer: "https://www.google.com/",
    },
  );
  await page.waitForFunction(() => (window as { GenieForm?: { loaded?: boolean } }).GenieForm?.loaded);
  await page.getByRole("link", { name: "Register now" }).click();
  await expect(page.locator("form [name=_hp]")).toBeAttached();
  await fill(page, "ada@example.com");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(status(page)).toHaveText("Thank you, you are registered.");

  const [contact] = await contactsOf("ada@example.com");
  const landing = `${site.origin}/landing?utm_source=google&utm_medium=cpc&utm_campaign=spring&gclid=abc123`;
  expect(contact).toMatchObject({
    name: "Ada Lovelace",
    phone: "+14155550132",
    consent: { given: true, text: "I agree to receive emails about the spring launch." },
    utm: { source: "google", medium: "cpc", campaign: "spring", term: null, content: null },
    landingPage: landing,
    referrer: "https://www.google.com/",
    pageUrl: `${site.origin}/register`,
    firstTouch: {
      utm: { source: "google", medium: "cpc", campaign: "spring", term: null, content: null },
      landingPage: landing,
      referrer: "https://www.google.com/",
    },
    customFields: { company: "Analytical Engines", gclid: "abc123" },
  });
  expect(contact?.visitorId).toMatch(/^[0-9a-f]{32}$/);

  await expect.poll(() => receiver.requestsTo(HOOK).length, { timeout: 20_000 }).toBe(1);
  const [delivery] = receiver.requestsTo(HOOK);
  expect(() =>
    verifyWebhook(delivery?.body ?? "", delivery?.headers ?? {}, { secrets: secret }),
  ).not.toThrow();
  const { data } = JSON.parse(delivery?.body ?? "{}");
  expect(data).toMatchObject({
    email: "ada@example.com",
    phone: "+14155550132",
    consent: contact?.consent,
    landingPage: landing,
    firstTouch: contact?.firstTouch,
    visitor: { id: contact?.visitorId, referrer: "https://www.google.com/" },
    utm: contact?.utm,
    fields: { company: "Analytical Engines", gclid: "abc123" },
  });
});

test("a double click makes one contact", async ({ page }) => {
  await openRegister(page);
  await fill(page, "double@example.com");
  await page.getByRole("button", { name: "Register" }).dblclick();
  await expect(status(page)).toHaveText("Thank you, you are registered.");
  expect(await contactsOf("double@example.com")).toHaveLength(1);
});

test("the server's field error appears next to its field, and the form can be corrected", async ({
  page,
}) => {
  await openRegister(page);
  await fill(page, "typo@example.com", "12");
  await page.getByRole("button", { name: "Register" }).click();
  const phone = page.getByLabel("Phone", { exact: true });
  await expect(phone).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#phone + .genie-error")).toHaveText(
    "must be a phone number: a US number, or one starting with + and the country code",
  );
  await expect(phone).toHaveAccessibleDescription(/must be a phone number/);
  await expect(phone).toBeFocused();
  await expect(status(page)).toHaveText("Please check the marked fields.");
  await page.screenshot({ path: `${SHOTS}form-sdk-field-error-light-desktop.png` });
  await phone.fill("+44 20 7946 0018");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(status(page)).toHaveText("Thank you, you are registered.");
  await expect(phone).not.toHaveAttribute("aria-invalid");
  expect((await contactsOf("typo@example.com"))[0]?.phone).toBe("+442079460018");
});

test("a page on an origin the project does not allow is refused with a clear message", async ({ page }) => {
  await openRegister(page, foreign.origin);
  await fill(page, "copied@example.com");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(status(page)).toHaveText(
    `Not registered: Origin ${foreign.origin} is not among this project's allowed origins.`,
  );
  expect(await contactsOf("copied@example.com")).toHaveLength(0);
});

test("with Genie stopped the visitor is told, and the same submission goes through once it is back", async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openRegister(page);
  await fill(page, "outage@example.com");
  await genie.stop();
  try {
    await page.getByRole("button", { name: "Register" }).click();
    // Three retries (1 s, 3 s, 9 s), then the message.
    await expect(status(page)).toHaveText("No connection. Please try again.", { timeout: 30_000 });
    await expect(page.getByRole("button", { name: "Register" })).toBeEnabled();
  } finally {
    await genie.start();
  }
  await page.getByRole("button", { name: "Register" }).click();
  await expect(status(page)).toHaveText("Thank you, you are registered.");
  expect(await contactsOf("outage@example.com")).toHaveLength(1);
});

test("calls queued before the script loaded are run: a form attached by the stub, with its callback", async ({
  page,
}) => {
  await page.goto(`${site.origin}/queued`);
  await expect(page.locator("#signup [name=_hp]")).toHaveCount(1);
  await fill(page, "queued@example.com");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(status(page)).toHaveText("Thank you, you are registered.");
  const [contact] = await contactsOf("queued@example.com");
  expect(await page.evaluate(() => (window as { registered?: string }).registered)).toBe(contact?.id);
});

test("a page with a strict CSP (Genie's origin only, nothing inline) and the script in <head> works without a violation", async ({
  page,
}) => {
  const violations: string[] = [];
  await page.exposeFunction("reportViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(
        `${event.violatedDirective} ${event.blockedURI}`,
      );
    });
  });
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  await page.goto(`${site.origin}/strict`);
  await page.getByLabel("Email", { exact: true }).fill("strict@example.com");
  await page.getByLabel("Name", { exact: true }).fill("Grace Hopper");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(status(page)).toHaveText("Thank you, you are registered.");
  expect(await contactsOf("strict@example.com")).toHaveLength(1);
  expect(violations).toEqual([]);
});

test("the default form is accessible: labels, keyboard, axe, light and dark, desktop and phone", async ({
  page,
}) => {
  await page.goto(`${site.origin}/default`);
  await expect(page.getByLabel("Email", { exact: true })).toBeVisible();
  // By keyboard: Tab reaches the fields and the button, never the honeypot.
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Email", { exact: true })).toBeFocused();
  await page.keyboard.type("keyboard@example.com");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Name", { exact: true })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Register" })).toBeFocused();
  for (const colorScheme of ["light", "dark"] as const) {
    for (const [device, width] of [
      ["desktop", 1280],
      ["phone", 390],
    ] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height: 720 });
      await page.screenshot({
        path: `${SHOTS}form-sdk-default-${colorScheme}-${device}.png`,
        fullPage: true,
      });
      const results = await new AxeBuilder({ page }).analyze();
      const severe = results.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.help} – ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      expect(severe, `${colorScheme} ${device}`).toEqual([]);
    }
  }
  await page.keyboard.press("Enter");
  await expect(status(page)).toHaveText("Thank you, you are registered.");
  expect(await contactsOf("keyboard@example.com")).toHaveLength(1);
});
