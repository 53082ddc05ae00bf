import type { DeliveryState } from "@genie/schemas";
import { Badge, type Tone } from "../../components/ui";

const STATES: Record<DeliveryState, { label: string; tone: Tone }> = {
  pending: { label: "Pending", tone: "info" },
  retrying: { label: "Retrying", tone: "warning" },
  succeeded: { label: "Succeeded", tone: "success" },
  failed: { label: "Failed", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "neutral" },
};

export const STATE_LABELS = Object.fromEntries(
  Object.entries(STATES).map(([state, { label }]) => [state, label]),
) as Record<DeliveryState, string>;

export function DeliveryStateBadge({ state }: { state: DeliveryState }) {
  const { label, tone } = STATES[state];
  return <Badge tone={tone}>{label}</Badge>;
}

/** "200", "503", or what happened instead of an answer. */
export function statusText(statusCode: number | null, error: string | null): string {
  if (statusCode !== null) return String(statusCode);
  return error ? "no answer" : "—";
}
