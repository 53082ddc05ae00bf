export type SseEvent = { event: string; id?: string; data: string };

/**
 * A dashboard tab's (or an API client's) live stream over real HTTP: the events read so far,
 * whether the server ended the stream, and `close()` (the tab goes away).
 */
export function openStream(baseUrl: string, credential: string | { apiKey: string }, input?: unknown) {
  // A string is the session cookie; an API key goes as a bearer token.
  const auth: Record<string, string> =
    typeof credential === "string"
      ? { cookie: credential }
      : { authorization: `Bearer ${credential.apiKey}` };
  const events: SseEvent[] = [];
  const aborter = new AbortController();
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const state = { ended: false, status: 0 };
  const done = (async () => {
    const response = await fetch(`${baseUrl}/trpc/live.deliveries${query}`, {
      headers: { ...auth, accept: "text/event-stream" },
      signal: aborter.signal,
    });
    state.status = response.status;
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: "message", data: "" };
        for (const line of block.split("\n")) {
          const [field, ...rest] = line.split(":");
          const text = rest.join(":").trimStart();
          if (field === "event") event.event = text;
          else if (field === "id") event.id = text;
          else if (field === "data") event.data += text;
        }
        events.push(event);
        end = buffer.indexOf("\n\n");
      }
    }
    state.ended = true;
  })().catch(() => {
    state.ended = true;
  });
  return {
    events,
    state,
    /** The change events (tracked, with an id): pings and the greeting are not changes. */
    changes: () => events.filter((event) => event.id !== undefined && event.event === "message"),
    done,
    close: () => aborter.abort(),
  };
}
