import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Page, request as playwrightRequest } from "@playwright/test";
import { expectAccessible, newAccount, register, signUp, trpcMutation } from "./fixtures";
import { expect, mailTo, test } from "./mail-server";

const SHOTS = fileURLToPath(new URL("screenshots/", import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const DEVICES = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;

/** Light and dark, desktop and phone screenshots of the page as it is; axe in two of the four. */
async function capture(page: Page, name: string) {
  for (const scheme of ["light", "dark"] as const) {
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

/** An endpoint of the signed-in owner whose receiver answers 410, and a lead sent to it. */
async function goneEndpoint(
  page: Page,
  receiver: { url(path: string): string; answer(path: string, status: number): void },
  name: string,
) {
  const hook = `/gone-${Date.now()}`;
  receiver.answer(hook, 410);
  const { endpoint } = await trpcMutation<{ endpoint: { id: string } }>(page, "endpoints.create", {
    name,
    url: receiver.url(hook),
  });
  const { id: projectId } = await trpcMutation<{ id: string }>(page, "funnels.create", { name: "Launch" });
  await register(page, projectId, `lead-${Date.now()}@example.com`);
  return endpoint.id;
}

test("forgot password: the mailed link sets a new password, the old one is refused, other sessions end", async ({
  page,
  browser,
  mailServer: server,
}) => {
  const account = newAccount("Grace Hopper");
  await signUp(page, account);

  const other = await browser.newContext();
  const visitor = await other.newPage();
  await test.step("Forgot password? on sign-in asks for a link", async () => {
    await visitor.goto("/sign-in");
    await visitor.getByRole("link", { name: "Forgot password?" }).click();
    await expect(visitor.getByRole("heading", { name: "Reset your password" })).toBeVisible();
    await capture(visitor, "forgot-password");
    await visitor.getByLabel("Email").fill(account.email);
    await visitor.getByRole("button", { name: "Send the link" }).click();
    await expect(visitor.getByRole("status")).toContainText(account.email);
    await capture(visitor, "forgot-password-sent");
  });

  const mail = await mailTo(server, account.email, /Reset your Genie password/);
  const link = mail.links[0] ?? "";
  expect(link.startsWith(`${server.url}/reset-password?token=`)).toBe(true);

  await test.step("the link's page refuses a common password, then sets a good one", async () => {
    await visitor.goto(link);
    await expect(visitor.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
    await capture(visitor, "reset-password");
    await visitor.getByLabel("New password", { exact: true }).fill("password123");
    await visitor.getByLabel("Repeat the new password").fill("password123");
    await visitor.getByRole("button", { name: "Set the new password" }).click();
    await expect(visitor.getByText(/most common passwords/)).toBeVisible();
    await visitor.getByLabel("New password", { exact: true }).fill("saffron kettle orbit 19");
    await visitor.getByLabel("Repeat the new password").fill("saffron kettle orbit 19");
    await visitor.getByRole("button", { name: "Set the new password" }).click();
    await expect(visitor.getByRole("heading", { name: "Password changed" })).toBeVisible();
  });

  await test.step("the old password is refused, the new one signs in", async () => {
    await visitor.getByRole("link", { name: "Sign in" }).click();
    await visitor.getByLabel("Email").fill(account.email);
    await visitor.getByLabel("Password").fill(account.password);
    await visitor.getByRole("button", { name: "Sign in" }).click();
    await expect(visitor.getByText("Wrong email or password.")).toBeVisible();
    await visitor.getByLabel("Password").fill("saffron kettle orbit 19");
    await visitor.getByRole("button", { name: "Sign in" }).click();
    await expect(visitor.getByRole("heading", { name: "Overview", level: 1 })).toBeVisible();
  });

  await test.step("the session that was open elsewhere is signed out", async () => {
    await page.goto("/account");
    await expect(page).toHaveURL(/\/sign-in/);
  });
  await other.close();
});

test("a 410 disables the endpoint: the alert mail's link opens its page; unsubscribe asks, then turns the kind off", async ({
  page,
  receiver,
  mailServer: server,
}) => {
  const account = newAccount("Alan Turing");
  await signUp(page, account);
  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Email and alerts" })).toBeVisible();
  await expect(page.getByRole("checkbox", { name: "An endpoint was disabled" })).toBeChecked();
  await capture(page, "account-mail");

  const endpointId = await goneEndpoint(page, receiver, "Acme CRM");
  const mail = await mailTo(server, account.email, /Genie stopped delivering to "Acme CRM"/);
  expect(mail.text).not.toMatch(/lead-\d+@example\.com|Grace Hopper/);
  const endpointLink = mail.links.find((l) => l.includes("/endpoints/")) ?? "";
  expect(endpointLink).toBe(`${server.url}/endpoints/${endpointId}`);

  await test.step("the mail's link opens the endpoint page, which says why it is disabled", async () => {
    await page.goto(endpointLink);
    await expect(page.getByRole("heading", { name: "Acme CRM", level: 1 })).toBeVisible();
  });

  await test.step("the unsubscribe link shows a confirmation page; confirming turns the kind off", async () => {
    const unsubscribe = mail.links.find((l) => l.includes("/api/mail/unsubscribe")) ?? "";
    await page.goto(unsubscribe);
    await expect(page.getByRole("heading", { name: "Stop these alert mails?" })).toBeVisible();
    await capture(page, "unsubscribe");
    // Opening the page changed nothing.
    await page.goto("/account");
    await expect(page.getByRole("checkbox", { name: "An endpoint was disabled" })).toBeChecked();
    await page.goto(unsubscribe);
    await page.getByRole("button", { name: "Turn these alerts off" }).click();
    await expect(page.getByRole("heading", { name: "Alerts turned off" })).toBeVisible();
    await page.goto("/account");
    await expect(page.getByRole("checkbox", { name: "An endpoint was disabled" })).not.toBeChecked();
    await expect(page.getByRole("checkbox", { name: "An endpoint is failing" })).toBeChecked();
  });

  await test.step("the switch on the account page turns it back on", async () => {
    // The switch follows the saved settings (checked once the mutation has begun, a tick after the
    // click), so the test clicks and waits for it rather than using check(), which looks at once.
    const disabledSwitch = page.getByRole("checkbox", { name: "An endpoint was disabled" });
    const saved = page.waitForResponse((r) => r.url().includes("account.updateAlerts") && r.ok());
    await disabledSwitch.click();
    await expect(disabledSwitch).toBeChecked();
    await saved;
    await page.reload();
    await expect(page.getByRole("checkbox", { name: "An endpoint was disabled" })).toBeChecked();
  });
});

test("the one-click POST from the mail's List-Unsubscribe header works without a session", async ({
  page,
  receiver,
  mailServer: server,
}) => {
  const account = newAccount("Katherine Johnson");
  await signUp(page, account);
  await goneEndpoint(page, receiver, "Zapier hook");
  const mail = await mailTo(server, account.email, /Genie stopped delivering to "Zapier hook"/);
  // The headers as the mail client reads them (folded lines joined).
  const head = (mail.raw.split(/\r?\n\r?\n/)[0] ?? "").replace(/\r?\n[ \t]+/g, " ");
  expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
  const target = /^List-Unsubscribe: <([^>]+)>$/m.exec(head)?.[1]?.replace(/ /g, "") ?? "";
  expect(target).toContain("/api/mail/unsubscribe?token=");

  // A mail client: no cookie, no Origin, form-encoded, exactly as RFC 8058 says.
  const client = await playwrightRequest.newContext();
  const response = await client.post(target, {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: "List-Unsubscribe=One-Click",
  });
  expect(response.status()).toBe(200);
  await client.dispose();

  await page.goto("/account");
  await expect(page.getByRole("checkbox", { name: "An endpoint was disabled" })).not.toBeChecked();
});
