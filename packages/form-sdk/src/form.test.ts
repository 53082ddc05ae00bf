import { embedSnippet } from "@genie/schemas/embed";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { attachForm, readForm } from "./form";
import { type Answer, startIntake } from "./test-server";

const PROJECT = "5a1fa0a4-846d-478f-b080-882c4740440a";
const PAGE = "2008d631-433f-4896-b07b-fb37641d9ae6";
const happyDOM = (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM;

let intake: Awaited<ReturnType<typeof startIntake>>;
beforeEach(() => {
  localStorage.clear();
  // http: happy-dom blocks an https page's requests to the http stand-in (mixed content), as browsers do.
  happyDOM.setURL("http://funnel.example.com/spring?utm_source=newsletter");
});
afterEach(() => intake?.close());

/** The marketer's own markup, attached to a stand-in intake answering `script`. */
async function marketerForm(script: Answer[] = [], extra = "") {
  intake = await startIntake(script);
  document.body.innerHTML = `
    <form data-genie-form data-project="${PROJECT}">
      <label for="email">Email</label><input id="email" name="email" type="email" aria-describedby="email-hint">
      <p id="email-hint">We never share it.</p>
      <label for="company">Company</label><input id="company" name="company">
      <label><input type="checkbox" name="consent"> I agree to receive emails about the launch.</label>
      ${extra}
      <button>Register</button>
    </form>`;
  const form = document.querySelector("form") as HTMLFormElement;
  (form.querySelector("[name=email]") as HTMLInputElement).value = "ada@example.com";
  (form.querySelector("[name=company]") as HTMLInputElement).value = "Acme";
  return form;
}

/** Resolves with the next `type` event's detail. */
const next = (form: HTMLFormElement, type: string) =>
  new Promise<unknown>((resolve) =>
    form.addEventListener(type, (e) => resolve((e as CustomEvent).detail), { once: true }),
  );

describe("attachForm", () => {
  test("the snippet funnels.* hands out is what the SDK reads: project, page and Genie's address", async () => {
    intake = await startIntake();
    // Parsed, not run: this test drives the SDK's functions with what the tags say.
    const snippet = new DOMParser().parseFromString(embedSnippet(intake.url, PROJECT, PAGE), "text/html");
    const script = snippet.querySelector("script") as HTMLScriptElement;
    expect(script.src).toBe(`${intake.url}/sdk/genie-form.js`);
    const form = document.body.appendChild(
      document.importNode(snippet.querySelector("form[data-genie-form]") as HTMLFormElement, true),
    );
    // What browser.ts does with the <script> tag's data-api.
    attachForm(form, { api: script.dataset.api });
    form.insertAdjacentHTML("afterbegin", `<input name="email" value="grace@example.com">`);
    const done = next(form, "genie:success");
    form.requestSubmit();
    await done;
    expect(intake.requests[0]?.body).toMatchObject({
      projectId: PROJECT,
      pageId: PAGE,
      email: "grace@example.com",
    });
  });

  test("submits the fields, consent and attribution with one key; genie:success carries the id", async () => {
    const form = await marketerForm();
    const successes: unknown[] = [];
    attachForm(form, { api: intake.url, onSuccess: (detail) => successes.push(detail) });
    (form.querySelector("[name=consent]") as HTMLInputElement).checked = true;
    const done = next(form, "genie:success");
    form.requestSubmit();
    expect(await done).toEqual({ id: "contact-1", replayed: false });
    expect(successes).toEqual([{ id: "contact-1", replayed: false }]);
    const body = intake.requests[0]?.body as Record<string, unknown>;
    expect(body).toMatchObject({
      projectId: PROJECT,
      email: "ada@example.com",
      fields: { company: "Acme" },
      consent: { text: "I agree to receive emails about the launch.", given: true },
      utm: { source: "newsletter" },
      landingPage: "http://funnel.example.com/spring?utm_source=newsletter",
      pageUrl: "http://funnel.example.com/spring?utm_source=newsletter",
      firstTouch: { utm: { source: "newsletter" } },
    });
    expect(body).not.toHaveProperty("_hp");
    expect(body.visitorId).toMatch(/^[0-9a-f]{32}$/);
    expect(form.querySelector("[role=status]")?.textContent).toBe("Thank you, you are registered.");
  });

  test("a retry after a failure reuses the key; the next registration gets a new one", async () => {
    const form = await marketerForm([{ status: 503 }]);
    attachForm(form, { api: intake.url, retryDelays: [] });
    const failed = next(form, "genie:error");
    form.requestSubmit();
    expect(await failed).toEqual({ status: 503, error: "http", fieldErrors: {} });
    expect(form.querySelector("[role=status]")?.textContent).toBe("Not registered: HTTP 503");
    const retried = next(form, "genie:success");
    form.requestSubmit();
    await retried;
    (form.querySelector("[name=email]") as HTMLInputElement).value = "second@example.com";
    const second = next(form, "genie:success");
    form.requestSubmit();
    await second;
    const keys = intake.requests.map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[1]);
  });

  test("while sending, the button is disabled and a second submit sends nothing", async () => {
    const form = await marketerForm();
    attachForm(form, { api: intake.url });
    const button = form.querySelector("button") as HTMLButtonElement;
    const done = next(form, "genie:success");
    form.requestSubmit();
    expect(button.disabled).toBe(true);
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await done;
    expect(button.disabled).toBe(false);
    expect(intake.requests).toHaveLength(1);
  });

  test("field errors appear beside their fields, custom fields included; the first invalid one gets focus", async () => {
    const fieldErrors = {
      email: ["must be a valid email address"],
      "fields.company": ["must be at most 2000 characters"],
      "consent.text": ["must not be empty"],
      "utm.source": ["must not contain control characters"],
    };
    const form = await marketerForm([
      { status: 400, body: { error: "validation_failed", message: "x", fieldErrors } },
    ]);
    attachForm(form, { api: intake.url });
    const failed = next(form, "genie:error");
    form.requestSubmit();
    expect(await failed).toEqual({ status: 400, error: "validation_failed", fieldErrors });
    const email = form.querySelector("[name=email]") as HTMLInputElement;
    const company = form.querySelector("[name=company]") as HTMLInputElement;
    const consent = form.querySelector("[name=consent]") as HTMLInputElement;
    for (const [input, message] of [
      [email, "must be a valid email address"],
      [company, "must be at most 2000 characters"],
      [consent, "must not be empty"],
    ] as const) {
      expect(input.getAttribute("aria-invalid")).toBe("true");
      const ids = (input.getAttribute("aria-describedby") ?? "").split(" ");
      expect(ids.map((id) => document.getElementById(id)?.textContent)).toContain(message);
    }
    expect(email.getAttribute("aria-describedby")).toMatch(/^email-hint genie-error-\d+$/);
    expect(document.activeElement).toBe(email);
    // What no input shows is said in the live region.
    expect(form.querySelector("[role=status]")?.textContent).toBe(
      "Not registered: utm.source: must not contain control characters",
    );
    // The next answer clears them.
    const done = next(form, "genie:success");
    form.requestSubmit();
    await done;
    expect(form.querySelectorAll("[aria-invalid]")).toHaveLength(0);
    expect([...form.querySelectorAll(".genie-error")].map((n) => n.textContent)).toEqual(["", "", ""]);
  });

  test("a redirect opens the thank-you page unless a genie:success listener prevents it", async () => {
    const form = await marketerForm();
    form.dataset.genieRedirect = "http://funnel.example.com/thanks";
    attachForm(form, { api: intake.url });
    form.addEventListener("genie:success", (event) => event.preventDefault(), { once: true });
    let done = next(form, "genie:success");
    form.requestSubmit();
    await done;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(location.href).toBe("http://funnel.example.com/spring?utm_source=newsletter");
    (form.querySelector("[name=email]") as HTMLInputElement).value = "b@example.com";
    done = next(form, "genie:success");
    form.requestSubmit();
    await done;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(location.href).toBe("http://funnel.example.com/thanks");
  });

  test("adds a honeypot hidden from people and assistive tech, and attaching twice changes nothing", async () => {
    const form = await marketerForm();
    attachForm(form, { api: intake.url });
    attachForm(form, { api: intake.url });
    const traps = form.querySelectorAll("[name=_hp]");
    expect(traps).toHaveLength(1);
    const trap = traps[0] as HTMLInputElement;
    expect(trap.tabIndex).toBe(-1);
    expect(trap.closest("[aria-hidden=true]")).not.toBeNull();
    expect(form.querySelectorAll("[role=status]")).toHaveLength(1);
    const done = next(form, "genie:success");
    form.requestSubmit();
    await done;
    expect(intake.requests).toHaveLength(1);
  });
});

describe("readForm", () => {
  test("known names as they are, a checked box's value, nothing for empty or unchecked controls", () => {
    document.body.innerHTML = `<form>
      <input name="email" value="a@b.co"><input name="name" value=""><input name="phone" value="+1 415 555 0132">
      <input type="checkbox" name="newsletter" value="yes" checked><input type="checkbox" name="sms">
      <input type="radio" name="plan" value="pro" checked><input type="radio" name="plan" value="free">
      <select name="seats"><option>5</option></select><textarea name="note">hi</textarea>
      <input type="checkbox" name="consent" id="c"><label for="c">  Email me  </label>
      <input name="off" value="x" disabled><button name="go" value="1">Go</button>
    </form>`;
    const form = document.querySelector("form") as HTMLFormElement;
    const read = readForm(form);
    expect(read).toEqual({
      email: "a@b.co",
      phone: "+1 415 555 0132",
      consent: { text: "Email me", given: false, at: expect.any(String) },
      fields: { newsletter: "yes", plan: "pro", seats: "5", note: "hi" },
    });
  });
});
