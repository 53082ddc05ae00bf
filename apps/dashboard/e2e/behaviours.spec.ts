import { expect, newAccount, signUp, test, trpcMutation } from "./fixtures";

test("what a receiver answers is shown as text, never run as HTML", async ({ page, receiver }) => {
  const hostile = `<img src=x onerror="document.title='pwned'"><b>bold</b>`;
  receiver.answer("/hostile", 500, hostile);
  await signUp(page, newAccount());
  const title = await page.title();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Send test" }).click();
  // No saved endpoint yet: the form offers a URL.
  await page.getByLabel("URL", { exact: true }).fill(receiver.url("/hostile"));
  await page.getByRole("button", { name: "Send test webhook" }).click();
  await expect(page.getByText("HTTP 500")).toBeVisible();
  await expect(page.getByText("The receiver answered with an error status.")).toBeVisible();
  const excerpt = page.getByTestId("response-excerpt");
  await expect(excerpt).toHaveText(hostile);
  await expect(excerpt.locator("img, b")).toHaveCount(0);
  expect(await page.title()).toBe(title);
});

test("sign-up errors appear next to their fields, and focus goes to the first", async ({ page }) => {
  const taken = newAccount();
  await signUp(page, taken);
  await page.context().clearCookies();

  await page.goto("/sign-up");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("Your name must not be empty.")).toBeVisible();
  await expect(page.getByText("Password must be at least 8 characters.")).toBeVisible();
  await expect(page.getByLabel("Your name")).toBeFocused();
  await expect(page.getByLabel("Your name")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Your name").fill("Someone Else");
  await page.getByLabel("Email").fill(taken.email);
  await page.getByLabel("Password").fill("another long password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("An account with this email exists already. Sign in instead.")).toBeVisible();
  await expect(page.getByLabel("Email")).toBeFocused();
});

test("a session that ends while a page is open leads to sign-in, and back after it", async ({ page }) => {
  const owner = newAccount();
  await signUp(page, owner);
  const { endpoint } = await trpcMutation<{ endpoint: { id: string } }>(page, "endpoints.create", {
    url: "https://hooks.zapier.com/hooks/catch/1/abc/",
    name: "Zapier",
    crm: "zapier",
  });
  // Signed out elsewhere: the cookie is gone, the page does not know yet.
  await page.context().clearCookies();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Endpoints" }).click();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Sign in to Genie" })).toBeVisible();
  await page.goto(`/endpoints/${endpoint.id}`);
  await expect(page).toHaveURL(/\/sign-in\?redirect=/);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(owner.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: /Zapier/, level: 1 })).toBeVisible();
});

test("an endpoint can be added by keyboard alone", async ({ page, receiver }) => {
  await signUp(page, newAccount());
  await page.goto("/endpoints");
  await expect(page.getByRole("heading", { name: "No endpoints yet" })).toBeVisible();
  // From the page's start: skip link, then the app's links, to "Add endpoint".
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.getByRole("link", { name: "Add endpoint" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Add an endpoint" })).toBeVisible();

  // The CRM picker is one radio group: arrow keys move between the choices.
  // locator.press focuses the radio and presses in one step. Under CI's load a key pressed while the
  // form re-renders (its zod loads lazily) was still lost once (Make.com never checked), so the key is
  // pressed again until the choice has moved: what is tested is that the arrow moves it.
  const zapier = page.getByRole("radio", { name: /^Zapier/ });
  const make = page.getByRole("radio", { name: /Make\.com/ });
  await expect(async () => {
    if (!(await make.isChecked())) await zapier.press("ArrowLeft");
    await expect(make).toBeChecked({ timeout: 2000 });
  }).toPass({ timeout: 15_000 });
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Webhook URL")).toBeFocused();
  await page.keyboard.type(receiver.url("/keyboard"));
  await page.keyboard.press("Tab");
  await page.keyboard.type("Make by keyboard");
  // Past the retry choices to the header row Make.com needs: its name is filled, its value is not.
  await page.getByLabel("Header 1 value").focus();
  await page.keyboard.type("make-key-by-keyboard-1234");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Endpoint created" })).toBeVisible();
  await expect(page.getByTestId("signing-secret")).toHaveText(/^whsec_/);
});

test("when the server cannot be reached, the page says so and recovers on Try again", async ({ page }) => {
  await signUp(page, newAccount());
  await page.route("**/trpc/endpoints.*", (route) => route.abort("connectionrefused"));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Send test" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Endpoints" }).click();
  await page.reload();
  // The page's loader could not get its data: the route's error state says why, inside the app.
  await expect(page.getByRole("heading", { name: "This page could not be shown" })).toBeVisible();
  await expect(page.getByText("Genie's server could not be reached").first()).toBeVisible();

  await page.unroute("**/trpc/endpoints.*");
  await page.getByRole("main").getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("heading", { name: "No endpoints yet" })).toBeVisible();
  await expect(
    page.getByRole("alert").filter({ hasText: "Genie's server could not be reached" }),
  ).toHaveCount(0);
});

test("on a phone the links scroll sideways, and the current page's link is in view", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signUp(page, newAccount());
  const nav = page.getByRole("navigation", { name: "Main" });
  // The last link starts off screen: the sidebar of the desktop is a row here.
  await expect(nav.getByRole("link", { name: "Account" })).not.toBeInViewport();
  // Reached from the account menu, not by the link (a click would scroll the link into view itself).
  await page.getByRole("button", { name: /Ada Lovelace/ }).click();
  await page.getByRole("menuitem", { name: "Account settings" }).click();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Account" })).toBeInViewport();
  await expect(nav.getByRole("link", { name: "Overview" })).not.toBeInViewport();
  // Home by the logo: the first link comes back into view.
  await page.getByRole("link", { name: "Genie", exact: true }).click();
  await expect(nav.getByRole("link", { name: "Overview" })).toBeInViewport();

  // The row's scrolling leaves the page's alone: back and forth, the account page is where it was left.
  await page.goBack();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeVisible();
  await page.mouse.wheel(0, 1200);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(600);
  await page.goBack();
  await page.goForward();
  await expect(page.getByRole("heading", { name: "Account", level: 1 })).toBeAttached();
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(600);
});
