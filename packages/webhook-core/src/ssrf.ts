import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector } from "undici";
import { SsrfBlockedError } from "./errors";

export type SsrfGuardOptions = {
  /**
   * Let these through anyway: host names (exact match) and IP addresses or CIDR ranges
   * (`127.0.0.1`, `10.0.0.0/8`, `::1`). For development and tests; keep it empty in production.
   * @default []
   */
  allow?: readonly string[];
};

type Allow = { hosts: Set<string>; ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] };

function parseAllow(entries: readonly string[] = []): Allow {
  const allow: Allow = { hosts: new Set(), ranges: [] };
  for (const entry of entries) {
    const value = entry.trim().toLowerCase();
    if (value.includes("/")) allow.ranges.push(ipaddr.parseCIDR(value));
    else if (ipaddr.isValid(value)) {
      const address = ipaddr.parse(value);
      allow.ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else allow.hosts.add(value);
  }
  return allow;
}

/**
 * Why an IP address may not be connected to, or `null` when it is a public unicast address (or on the
 * allow-list). Refused: loopback, private, link-local (cloud metadata 169.254.169.254 among them),
 * CGNAT, multicast, broadcast, unspecified, reserved and documentation ranges, IPv6 unique-local
 * (fd00:ec2::254 among them), and IPv4 embedded in IPv6 forms (mapped, NAT64, 6to4, Teredo) whose
 * IPv4 part would be refused — those are refused outright except IPv4-mapped, which is unwrapped.
 */
export function addressRefusal(address: string, options: SsrfGuardOptions = {}): string | null {
  return refusal(address, parseAllow(options.allow));
}

function refusal(address: string, allow: Allow): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  for (const [range, bits] of allow.ranges) {
    if (range.kind() === parsed.kind() && parsed.match(range, bits)) return null;
  }
  const kind = parsed.range();
  return kind === "unicast" ? null : `${parsed.toString()} is a ${kind} address`;
}

/**
 * Checks a URL before anything is sent: http(s) only, no credentials in it, and a literal IP host must
 * be allowed. Host names are checked on their resolved addresses at connect time by the agent of
 * `createSsrfGuardedAgent`, so DNS rebinding cannot slip past.
 *
 * @throws SsrfBlockedError with a reason that can be shown to the user.
 * @example assertUrlAllowed("http://169.254.169.254/latest/meta-data") // throws
 */
export function assertUrlAllowed(url: string | URL, options: SsrfGuardOptions = {}): URL {
  checkUrl(url, parseAllow(options.allow));
  return new URL(url);
}

function checkUrl(url: string | URL, allow: Allow): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SsrfBlockedError(`"${String(url)}" is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new SsrfBlockedError(`only http and https URLs are allowed, not ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) throw new SsrfBlockedError("URLs with credentials are not allowed");
  // WHATWG URL parsing already turned decimal, hex and octal IPv4 forms into dotted quads.
  const host = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (allow.hosts.has(host)) return;
  if (isIP(host)) {
    const reason = refusal(host, allow);
    if (reason) throw new SsrfBlockedError(`refused to connect to ${host}: ${reason}`);
  } else if (host === "localhost" || host.endsWith(".localhost")) {
    throw new SsrfBlockedError(`refused to connect to ${host}: a loopback name`);
  }
}

/**
 * An undici Agent (keep-alive pool per origin) whose every connection is checked: literal IP hosts
 * before connecting, host names on each address DNS returns, right before the socket connects.
 *
 * @example
 * const dispatcher = createSsrfGuardedAgent({ allow: ["127.0.0.1"] });
 * await deliverOnce({ url, body, headers, dispatcher });
 */
export function createSsrfGuardedAgent(options: SsrfGuardOptions & Agent.Options = {}): Agent {
  const { allow: allowList, ...agentOptions } = options;
  const allow = parseAllow(allowList);
  const guardedLookup = (hostname: string, lookupOptions: LookupAllOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const reason = allow.hosts.has(hostname.toLowerCase()) ? null : refusal(address, allow);
        if (reason) return callback(new SsrfBlockedError(`refused to connect to ${hostname}: ${reason}`), []);
      }
      if (lookupOptions.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      return (callback as unknown as (e: null, a: string, f: number) => void)(
        null,
        first.address,
        first.family,
      );
    });
  };
  const connector = buildConnector({ lookup: guardedLookup as never });
  return new Agent({
    ...agentOptions,
    connect(connectOptions, callback) {
      try {
        const host =
          isIP(connectOptions.hostname) === 6 ? `[${connectOptions.hostname}]` : connectOptions.hostname;
        checkUrl(`${connectOptions.protocol}//${host}:${connectOptions.port}`, allow);
      } catch (error) {
        return callback(error as Error, null);
      }
      return connector(connectOptions, callback);
    },
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
