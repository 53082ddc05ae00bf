import { beforeAll, describe, expect, test } from "vitest";

type Global = { GenieForm?: { render?: (form: HTMLFormElement) => void } };
let render: (form: HTMLFormElement) => void;

beforeAll(async () => {
  // The renderer registers itself on the global the enhance script created.
  (window as unknown as Global).GenieForm = {};
  await import("./render");
  render = (window as unknown as Global).GenieForm?.render as typeof render;
});

const formWith = (attributes = "") => {
  document.body.innerHTML = `<form data-genie-form ${attributes}></form>`;
  return document.querySelector("form") as HTMLFormElement;
};

describe("the default form", () => {
  test("labelled email (required) and name inputs and a submit button, no <style> and no inline style", () => {
    const form = formWith();
    render(form);
    const email = form.querySelector("input[name=email]") as HTMLInputElement;
    expect(email.labels?.[0]?.textContent).toBe("Email");
    expect(email.required).toBe(true);
    expect(email.type).toBe("email");
    expect(email.autocomplete).toBe("email");
    expect((form.querySelector("input[name=name]") as HTMLInputElement).labels?.[0]?.textContent).toBe(
      "Name",
    );
    expect(form.querySelector("button")?.type).toBe("submit");
    expect(form.querySelector("button")?.textContent).toBe("Register");
    expect(form.querySelector("[name=phone], [name=consent]")).toBeNull();
    expect(document.querySelector("style, [style]")).toBeNull();
  });

  test("phone and consent when the form asks, words from its attributes, ids unique across forms", () => {
    document.body.innerHTML = `
      <form data-phone="Mobile" data-consent="I agree to the terms." data-submit="Sign up" data-label-email="E-Mail"></form>
      <form></form>`;
    const [first, second] = [...document.querySelectorAll("form")] as [HTMLFormElement, HTMLFormElement];
    render(first);
    render(second);
    const phone = first.querySelector("input[name=phone]") as HTMLInputElement;
    expect(phone.type).toBe("tel");
    expect(phone.labels?.[0]?.textContent).toBe("Mobile");
    const consent = first.querySelector("input[name=consent]") as HTMLInputElement;
    expect(consent.type).toBe("checkbox");
    expect(consent.labels?.[0]?.textContent).toBe("I agree to the terms.");
    expect(first.querySelector("button")?.textContent).toBe("Sign up");
    expect((first.querySelector("input[name=email]") as HTMLInputElement).labels?.[0]?.textContent).toBe(
      "E-Mail",
    );
    const ids = [...document.querySelectorAll("input")].map((input) => input.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("rendering a form twice adds nothing", () => {
    const form = formWith();
    render(form);
    render(form);
    expect(form.querySelectorAll("input[name=email]")).toHaveLength(1);
  });
});
