import { RETRY_PRESET_WAITS_MS } from "@genie/schemas";
import { RETRY_PRESETS } from "@genie/webhook-core";
import { expect, test } from "vitest";

test("the waits the dashboard spells out are the ones the worker uses", () => {
  for (const [name, preset] of Object.entries(RETRY_PRESETS)) {
    expect(RETRY_PRESET_WAITS_MS[name as keyof typeof RETRY_PRESETS]).toEqual(preset.delaysMs);
  }
  expect(Object.keys(RETRY_PRESET_WAITS_MS).sort()).toEqual(Object.keys(RETRY_PRESETS).sort());
});
