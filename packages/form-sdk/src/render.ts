// The default form (/sdk/genie-form-render.js), loaded by genie-form.js only for a
// <form data-genie-form> with no fields: labelled inputs, ready for the enhance script. No <style>:
// the optional /sdk/genie-form.css styles the `genie-*` classes.

const w = window as unknown as { GenieForm?: { render?: (form: HTMLFormElement) => void } };

let ids = 0;

function field(form: HTMLFormElement, label: string, attributes: Record<string, string>) {
  const id = `genie-${attributes.name}-${++ids}`;
  const row = document.createElement("div");
  row.className = `genie-field genie-${attributes.type}`;
  const tag = document.createElement("label");
  tag.htmlFor = id;
  tag.textContent = label;
  const input = document.createElement("input");
  input.id = id;
  for (const [name, value] of Object.entries(attributes)) input.setAttribute(name, value);
  if (attributes.type === "checkbox") row.append(input, tag);
  else row.append(tag, input);
  form.append(row);
}

/**
 * Fills an empty form with email (required), name, and, when the form asks for them, phone
 * (`data-phone`) and a consent checkbox (`data-consent="I agree to …"`), and a submit button
 * (`data-submit`, default "Register").
 */
function render(form: HTMLFormElement) {
  const data = form.dataset;
  if (form.classList.contains("genie-form")) return;
  form.classList.add("genie-form");
  field(form, data.labelEmail ?? "Email", {
    name: "email",
    type: "email",
    autocomplete: "email",
    required: "",
  });
  field(form, data.labelName ?? "Name", {
    name: "name",
    type: "text",
    autocomplete: "name",
    maxlength: "200",
  });
  if (data.phone !== undefined) {
    field(form, data.phone || "Phone", { name: "phone", type: "tel", autocomplete: "tel", maxlength: "40" });
  }
  if (data.consent) field(form, data.consent, { name: "consent", type: "checkbox" });
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "genie-submit";
  button.textContent = data.submit ?? "Register";
  form.append(button);
}

if (w.GenieForm) w.GenieForm.render = render;
