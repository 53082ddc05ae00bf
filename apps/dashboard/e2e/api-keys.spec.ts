import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, expectAccessible, newAccount, signUp, test } from "./fixtures";

const SHOTS = fileURLToPath(new URL("screenshots/", import.meta.url));
mkdirSync(SHOTS, { recursive: true });

/** The request a script makes: plain fetch from Node, no cookie, no Origin, the key as a bearer. */
async function listEndpointsWith(baseUrl: string, key: string) {
  const response = await fetch(`${baseUrl}/trpc/endpoints.list`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { data: { reason: string } } },
  };
}

test("an API key is created and copied on the account page, works from a script, and is refused once revoked", async ({
  page,
  context,
  server,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await signUp(page, newAccount());
  await page.goto("/account");
  const section = page.locator("section").filter({ has: page.getByRole("heading", { name: "API keys" }) });
  await expect(section.getByText("No API keys yet.")).toBeVisible();

  // An empty name is refused next to its field, before anything is sent.
  await section.getByRole("button", { name: "Create API key" }).click();
  await expect(section.getByText("Name must not be empty.")).toBeVisible();
  await expect(section.getByLabel("Name")).toBeFocused();

  // By keyboard: name, scope, create.
  await section.getByLabel("Name").fill("Deploy script");
  await section.getByLabel(/^Write:/).check();
  await section.getByLabel("Name").press("Enter");
  const shown = page.getByTestId("api-key");
  await expect(shown).toHaveText(/^gk_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
  const key = (await shown.textContent()) ?? "";

  await section.getByRole("button", { name: "Copy key" }).click();
  await expect(section.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

  const list = page.getByRole("list", { name: "API keys" });
  await expect(list.getByRole("listitem").filter({ hasText: "Deploy script" })).toBeVisible();
  await expect(list.getByText(key.slice(0, 28))).toBeVisible();
  await expect(list.getByText("never used")).toBeVisible();
  await expectAccessible(page, "account page with a new API key");
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [device, width] of [
      ["desktop", 1280],
      ["phone", 390],
    ] as const) {
      await page.setViewportSize({ width, height: 844 });
      await section.screenshot({ path: `${SHOTS}account-api-keys-${scheme}-${device}.png` });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: "light" });

  const used = await listEndpointsWith(server.url, key);
  expect(used.status).toBe(200);
  await page.reload();
  await expect(list.getByText(/last used/)).toBeVisible();
  // Shown once: after a reload the page has only the prefix.
  await expect(page.getByTestId("api-key")).toHaveCount(0);

  await list.getByRole("button", { name: "Revoke Deploy script" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Every request made with this key is refused");
  await dialog.getByRole("button", { name: "Revoke key" }).click();
  await expect(dialog).toBeHidden();
  await expect(section.getByText("No API keys yet.")).toBeVisible();

  const refused = await listEndpointsWith(server.url, key);
  expect(refused.status).toBe(401);
  expect(refused.body.error?.data.reason).toBe("unauthorized");
  expect(consoleErrors).toEqual([]);
});
