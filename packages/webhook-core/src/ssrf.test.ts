import type { LookupAddress } from "node:dns";
import { afterEach, describe, expect, test } from "vitest";
import { isSsrfBlockedError } from "./errors";
import { deliverOnce } from "./send";
import { addressRefusal, assertUrlAllowed, createSsrfGuardedAgent, type Resolver } from "./ssrf";
import { type Loopback, startLoopback } from "./test-support/loopback";

describe("addressRefusal", () => {
  test.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "cloud metadata"],
    ["169.254.1.1", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.254", "carrier-grade NAT"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.1", "reserved"],
    ["198.18.0.1", "reserved"],
    ["240.0.0.1", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "link-local"],
    ["fc00::1", "unique-local"],
    ["fd12:3456::1", "unique-local"],
    ["fd00:ec2::254", "cloud metadata"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "cloud metadata"],
    ["::ffff:10.0.0.1", "private"],
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::a9fe:a9fe", "cloud metadata"],
    ["64:ff9b:1::a00:1", "rfc6052"],
    ["2002:7f00:1::", "6to4"],
    ["2001::1", "teredo"],
    ["2001:db8::1", "reserved"],
    ["::7f00:1", "not a global unicast"],
    ["100::1", "discard"],
  ])("refuses %s (%s)", (address, why) => {
    expect(addressRefusal(address)).toContain(why);
  });

  test.each([
    "93.184.215.14",
    "8.8.8.8",
    "1.1.1.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
  ])("allows the public address %s", (address) => {
    expect(addressRefusal(address)).toBeNull();
  });

  test("allows what the allow-list names, by address or CIDR range, and nothing more", () => {
    const allow = ["127.0.0.1", "10.1.0.0/16", "[::1]", "fd00::/8"];
    expect(addressRefusal("127.0.0.1", { allow })).toBeNull();
    expect(addressRefusal("::ffff:127.0.0.1", { allow })).toBeNull();
    expect(addressRefusal("10.1.200.3", { allow })).toBeNull();
    expect(addressRefusal("::1", { allow })).toBeNull();
    expect(addressRefusal("fd00:ec2::254", { allow })).toBeNull();
    expect(addressRefusal("127.0.0.2", { allow })).toContain("loopback");
    expect(addressRefusal("10.2.0.1", { allow })).toContain("private");
  });

  test("refuses a malformed allow-list entry instead of ignoring it", () => {
    expect(() => addressRefusal("8.8.8.8", { allow: ["10.0.0.0/33"] })).toThrow(TypeError);
    expect(() => addressRefusal("8.8.8.8", { allow: ["http://x"] })).toThrow(TypeError);
  });
});

describe("assertUrlAllowed", () => {
  // WHATWG URL parsing turns every IPv4 notation into a dotted quad, so all of these are 127.0.0.1.
  test.each([
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://017700000001/",
    "http://127.1/",
    "http://127.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "https://10.0.0.1:8443/hook",
    "http://localhost:3000/",
    "http://api.localhost/",
  ])("refuses %s", (url) => {
    expect(() => assertUrlAllowed(url)).toThrow(expect.objectContaining({ name: "SsrfBlockedError" }));
  });

  test.each([
    ["file:///etc/passwd", /only http and https/],
    ["gopher://example.com/", /only http and https/],
    ["ftp://example.com/", /only http and https/],
    ["javascript:alert(1)", /only http and https/],
    ["http://user:pass@example.com/", /credentials/],
    ["https://token@example.com/", /credentials/],
    ["not a url", /not a valid URL/],
  ])("refuses %s with a clear reason", (url, reason) => {
    expect(() => assertUrlAllowed(url)).toThrow(reason);
  });

  test("allows public hosts and addresses, and allow-listed ones", () => {
    expect(assertUrlAllowed("https://hooks.example.com/genie").hostname).toBe("hooks.example.com");
    expect(assertUrlAllowed("http://8.8.8.8/").hostname).toBe("8.8.8.8");
    expect(assertUrlAllowed("http://127.0.0.1:3000/", { allow: ["127.0.0.1"] }).port).toBe("3000");
    expect(assertUrlAllowed("http://localhost:3000/", { allow: ["localhost"] }).hostname).toBe("localhost");
  });
});

describe("createSsrfGuardedAgent", () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A resolver stub: names map to fixed addresses; the real DNS is never asked. */
  const resolver = (table: Record<string, string[]>): Resolver & { asked: string[] } => {
    const asked: string[] = [];
    const resolve = async (hostname: string): Promise<LookupAddress[]> => {
      asked.push(hostname);
      const found = table[hostname];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
    return Object.assign(resolve, { asked });
  };

  const send = (url: string, dispatcher: ReturnType<typeof createSsrfGuardedAgent>) =>
    deliverOnce({ url, body: "{}", dispatcher, timeoutMs: 5000 });

  test.each([
    ["a private address", ["10.0.0.7"], "private"],
    ["the metadata address", ["169.254.169.254"], "cloud metadata"],
    ["loopback", ["127.0.0.1"], "loopback"],
    ["IPv6 loopback", ["::1"], "loopback"],
    ["an IPv4-mapped loopback", ["::ffff:127.0.0.1"], "loopback"],
    ["a public and a private address (rebinding)", ["93.184.215.14", "10.0.0.7"], "private"],
  ])("refuses a name that resolves to %s, before connecting", async (_, addresses, why) => {
    const resolve = resolver({ "hooks.example.test": addresses });
    const result = await send("http://hooks.example.test/", createSsrfGuardedAgent({ resolve }));
    expect(result).toMatchObject({ ok: false, errorKind: "ssrf-blocked" });
    expect(result.errorMessage).toContain(why);
    expect(resolve.asked).toEqual(["hooks.example.test"]);
  });

  test("connects to a name whose addresses are allowed, through the stubbed resolver", async () => {
    server = await startLoopback((_, response) => response.end("hello"));
    const port = new URL(server.url()).port;
    const resolve = resolver({ "crm.example.test": ["127.0.0.1"] });
    const dispatcher = createSsrfGuardedAgent({ resolve, allow: ["127.0.0.1"] });
    const result = await send(`http://crm.example.test:${port}/hook`, dispatcher);
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseExcerpt: "hello" });
    expect(server.requests[0]?.headers.host).toBe(`crm.example.test:${port}`);
    await dispatcher.close();
  });

  test("lets an allow-listed host name through whatever it resolves to", async () => {
    server = await startLoopback();
    const port = new URL(server.url()).port;
    const dispatcher = createSsrfGuardedAgent({
      resolve: resolver({ "dev.test": ["127.0.0.1"] }),
      allow: ["dev.test"],
    });
    expect(await send(`http://dev.test:${port}/`, dispatcher)).toMatchObject({ ok: true });
    await dispatcher.close();
  });

  test("reports a name that does not resolve as a dns failure", async () => {
    const result = await send(
      "http://missing.example.test/",
      createSsrfGuardedAgent({ resolve: resolver({}) }),
    );
    expect(result).toMatchObject({ ok: false, errorKind: "dns" });
  });

  test.each([
    "http://127.0.0.1:9/",
    "http://2130706433:9/",
    "http://0x7f.1:9/",
    "http://0177.0.0.1:9/",
    "http://[::1]:9/",
    "http://[::ffff:127.0.0.1]:9/",
    "http://[::ffff:7f00:1]:9/",
    "http://0.0.0.0:9/",
    "http://169.254.169.254/",
    "http://[fd00:ec2::254]/",
    "http://100.64.0.1/",
    "http://[fe80::1]/",
  ])("refuses the literal address in %s without resolving or connecting", async (url) => {
    const resolve = resolver({});
    const result = await send(url, createSsrfGuardedAgent({ resolve }));
    expect(result).toMatchObject({ ok: false, errorKind: "ssrf-blocked" });
    expect(resolve.asked).toEqual([]);
  });

  test("refuses a loopback address that is not on the allow-list even when another one is", async () => {
    const result = await send("http://127.0.0.2:9/", createSsrfGuardedAgent({ allow: ["127.0.0.1"] }));
    expect(result).toMatchObject({ errorKind: "ssrf-blocked" });
  });

  test("refuses non-http schemes and credentials before any connection", async () => {
    const dispatcher = createSsrfGuardedAgent({ allow: ["127.0.0.1"] });
    expect(await send("file:///etc/passwd", dispatcher)).toMatchObject({ errorKind: "ssrf-blocked" });
    const withCredentials = await send("http://admin:secret@127.0.0.1:9/", dispatcher);
    expect(withCredentials).toMatchObject({ errorKind: "ssrf-blocked" });
    expect(withCredentials.errorMessage).toMatch(/credentials/);
  });

  test("reports a redirect and does not follow it", async () => {
    server = await startLoopback((_, response) => {
      response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end("moved");
    });
    const result = await send(server.url("/hook"), createSsrfGuardedAgent({ allow: ["127.0.0.1"] }));
    expect(result).toMatchObject({ ok: false, statusCode: 302, responseExcerpt: "moved" });
    expect(result.errorMessage).toBe("redirect to http://169.254.169.254/latest/meta-data/ not followed");
    expect(server.requests).toHaveLength(1);
  });

  test("fails the request with an SsrfBlockedError when used with undici directly", async () => {
    const { request } = await import("undici");
    const dispatcher = createSsrfGuardedAgent({ resolve: resolver({ "internal.test": ["192.168.0.10"] }) });
    const error = await request("http://internal.test/", { dispatcher }).catch((e: unknown) => e);
    expect(isSsrfBlockedError(error)).toBe(true);
    expect(error).toMatchObject({ hostname: "internal.test", address: "192.168.0.10" });
  });
});
