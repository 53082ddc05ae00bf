import { verifyWebhook } from "@genie/webhook-core";
import { expect, newAccount, register, signUp, test, toasts, trpcMutation } from "./fixtures";

/**
 * The owner's whole first session, as the issue lists it: connect a CRM, prove it works, survive an
 * outage, rotate the secret, and manage the account. Every check reads what the page shows.
 */
test("connect Zapier, prove it, recover from a 410, rotate, change the password and come back by a deep link", async ({
  page,
  receiver,
}) => {
  const owner = newAccount();
  const hook = "/zapier/catch";
  await signUp(page, owner);

  let secret = "";
  await test.step("create an endpoint with the Zapier preset: the secret is shown once", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Endpoints" }).click();
    await expect(page.getByRole("heading", { name: "No endpoints yet" })).toBeVisible();
    await page.getByRole("link", { name: "Add endpoint" }).click();
    await page.getByRole("radio", { name: /^Zapier/ }).click();
    await expect(page.getByText("Webhooks by Zapier”")).toBeVisible();
    // Zapier's documented limit is the default; the CRM before it (none) had no limit of its own.
    await expect(page.getByLabel("Requests per second")).toHaveValue("30");
    await page.getByRole("radio", { name: /^GoHighLevel/ }).click();
    await expect(page.getByLabel("Requests per second")).toHaveValue("");
    await page.getByRole("radio", { name: /^Zapier/ }).click();
    await expect(page.getByLabel("Requests per second")).toHaveValue("30");
    await page.getByLabel("Requests at once").fill("4");
    await page.getByLabel("Webhook URL").fill(receiver.url(hook));
    await page.getByLabel("Name", { exact: true }).fill("Zapier – new leads");
    await page.getByRole("button", { name: "Create endpoint" }).click();

    await expect(page.getByRole("heading", { name: "Endpoint created" })).toBeVisible();
    await expect(page.getByText("Genie will not show it again")).toBeVisible();
    secret = (await page.getByTestId("signing-secret").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);
  });

  let projectId = "";
  await test.step("a registration reaches the receiver, and the shown secret verifies it", async () => {
    ({ id: projectId } = await trpcMutation<{ id: string }>(page, "funnels.create", { name: "Launch" }));
    await register(page, projectId, "first-lead@example.com");
    await expect.poll(() => receiver.requestsTo(hook).length, { timeout: 20_000 }).toBe(1);
    const [delivery] = receiver.requestsTo(hook);
    expect(() =>
      verifyWebhook(delivery?.body ?? "", delivery?.headers ?? {}, { secrets: secret }),
    ).not.toThrow();
    expect(JSON.parse(delivery?.body ?? "{}").data.email).toBe("first-lead@example.com");
  });

  await test.step("send test shows 200 and the JSON the CRM received", async () => {
    await page.getByRole("link", { name: "Send a test" }).click();
    await expect(page.getByRole("combobox", { name: "Endpoint" })).toHaveValue(/.+/);
    await page.getByRole("button", { name: "Send test webhook" }).click();
    await expect(page.getByText("HTTP 200")).toBeVisible();
    await expect(page.getByText("Delivered: the receiver accepted the test webhook.")).toBeVisible();
    await expect(page.getByTestId("test-payload")).toContainText('"event": "webhook.test"');
    await expect(page.getByText("webhook-signature", { exact: true })).toBeVisible();
  });

  const endpointUrl =
    await test.step("a receiver answering 410 disables the endpoint, and the page says why", async () => {
      receiver.answer(hook, 410, "Gone");
      await register(page, projectId, "second-lead@example.com");
      await expect.poll(() => receiver.requestsTo(hook).length, { timeout: 20_000 }).toBe(3);

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Endpoints" }).click();
      await page.getByRole("link", { name: "Zapier – new leads" }).click();
      // The worker records the outcome just after the receiver answered: look again until it shows.
      await expect(async () => {
        await page.reload();
        await expect(page.getByTestId("disabled-reason")).toContainText("410 Gone", { timeout: 2_000 });
      }).toPass({ timeout: 20_000 });
      await expect(page.getByText(/^Disabled on /)).toBeVisible();
      // Shown once: the endpoint's page has only its hint.
      await expect(page.getByText(secret)).toHaveCount(0);
      await expect(page.getByText(`whsec_…${secret.slice(-4)}`)).toBeVisible();
      return page.url();
    });

  await test.step("re-enable, then redeliver what failed meanwhile", async () => {
    receiver.answer(hook, 200);
    const failedId = receiver.requestsTo(hook)[2]?.headers["webhook-id"];
    await page.getByRole("button", { name: "Re-enable" }).click();
    await expect(page.getByText("1 delivery failed while this endpoint was down")).toBeVisible();
    await page.getByRole("button", { name: "Redeliver 1" }).click();
    await expect(toasts(page).getByText("1 delivery queued again")).toBeVisible();
    await expect.poll(() => receiver.requestsTo(hook).length, { timeout: 20_000 }).toBe(4);
    // The same event again: receivers dedupe on webhook-id.
    expect(receiver.requestsTo(hook)[3]?.headers["webhook-id"]).toBe(failedId);
    await expect(page.getByTestId("disabled-reason")).toHaveCount(0);
  });

  await test.step("rotate: the new secret is shown once", async () => {
    await page.getByRole("button", { name: "Rotate secret" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Keep the current secret signing for").selectOption({ label: "1 hour" });
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    const rotated = (await dialog.getByTestId("signing-secret").textContent()) ?? "";
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);
    await expect(page.getByText(rotated)).toHaveCount(0);
    await expect(page.getByText(`whsec_…${rotated.slice(-4)}`)).toBeVisible();
    await expect(page.getByText(/^Still signing until /)).toBeVisible();
  });

  await test.step("pacing: the page shows the limits set at creation, and an edit changes them", async () => {
    const pacing = page
      .locator("section")
      .filter({ has: page.getByRole("heading", { name: "Pacing", exact: true }) });
    await expect(pacing.getByRole("definition")).toHaveText(["At most 30", "At most 4"]);
    await expect(page.getByLabel("Requests per second")).toHaveValue("30");
    await expect(page.getByLabel("Requests at once")).toHaveValue("4");

    await page.getByLabel("Requests at once").fill("0");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(
      page.getByText("Requests at once must be a whole number from 1 to 10,000, or empty for no limit."),
    ).toBeVisible();
    await expect(page.getByLabel("Requests at once")).toBeFocused();

    await page.getByLabel("Requests per second").fill("12");
    await page.getByLabel("Requests at once").fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(toasts(page).getByText("Endpoint saved")).toBeVisible();
    await page.reload();
    await expect(pacing.getByRole("definition")).toHaveText(["At most 12", "No limit"]);
    await expect(page.getByLabel("Requests per second")).toHaveValue("12");
    await expect(page.getByLabel("Requests at once")).toHaveValue("");
  });

  const newPassword = "a much longer passphrase";
  await test.step("account: change the password, then sign out", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
    await page.getByLabel("Current password").fill(owner.password);
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Repeat the new password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(toasts(page).getByText("Password changed")).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in to Genie" })).toBeVisible();
  });

  await test.step("a deep link leads to sign-in, and back to it after signing in", async () => {
    await page.goto(endpointUrl);
    await expect(page.getByRole("heading", { name: "Sign in to Genie" })).toBeVisible();
    await expect(page.getByText("Sign in to continue where you were.")).toBeVisible();
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("Wrong email or password.")).toBeVisible();
    await page.getByLabel("Password").fill(newPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: /Zapier – new leads/, level: 1 })).toBeVisible();
    expect(page.url()).toBe(endpointUrl);
  });
});
