import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector } from "undici";
import { SsrfBlockedError } from "./errors";

/** Resolves a host name to all its addresses, like `dns.lookup(name, { all: true })`. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The allow-list shared by every SSRF check. */
export type SsrfGuardOptions = {
  /**
   * Let these through anyway: host names (exact, case-insensitive) and IP addresses or CIDR ranges
   * (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`). For development and tests; keep it empty in
   * production.
   * @default []
   */
  allow?: readonly string[];
};

/** Options of `createSsrfGuardedAgent`; undici `Agent` options (keep-alive, connections…) pass through. */
export type SsrfGuardedAgentOptions = SsrfGuardOptions &
  Omit<Agent.Options, "connect" | "factory"> & {
    /**
     * How host names are resolved; every address it returns is checked.
     * @default dns.lookup with { all: true } (the system resolver, /etc/hosts included)
     */
    resolve?: Resolver;
    /**
     * Connect (and TLS handshake) timeout, in ms.
     * @default 10_000
     */
    connectTimeoutMs?: number;
  };

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];
type Allow = { hosts: Set<string>; ranges: Range[] };

function parseAllow(entries: readonly string[] = []): Allow {
  const allow: Allow = { hosts: new Set(), ranges: [] };
  for (const entry of entries) {
    const value = entry
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, "$1");
    if (ipaddr.isValidCIDR(value)) allow.ranges.push(ipaddr.parseCIDR(value));
    else if (ipaddr.isValid(value)) {
      const address = ipaddr.parse(value);
      allow.ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else if (/^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(value)) allow.hosts.add(value.replace(/\.$/, ""));
    else
      throw new TypeError(
        `allow-list entry "${entry}" is neither a host name, an IP address nor a CIDR range`,
      );
  }
  return allow;
}

const allowed = (address: ipaddr.IPv4 | ipaddr.IPv6, allow: Allow) =>
  allow.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

const NAT64 = ipaddr.parseCIDR("64:ff9b::/96");
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");
const METADATA = new Set(["169.254.169.254", "fd00:ec2::254"]);

const RANGE_NAMES: Record<string, string> = {
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast",
  linkLocal: "link-local",
  loopback: "loopback",
  carrierGradeNat: "carrier-grade NAT (shared)",
  private: "private",
  reserved: "reserved",
  uniqueLocal: "unique-local (private)",
};

/**
 * Why an IP address must not be connected to, or `null` when it is a public unicast address (or on
 * the allow-list). Refused: loopback, private (RFC 1918, IPv6 unique-local fc00::/7), link-local,
 * carrier-grade NAT 100.64.0.0/10, multicast, broadcast, unspecified (0.0.0.0, ::), reserved and
 * documentation ranges, cloud metadata endpoints (169.254.169.254, fd00:ec2::254), 6to4, Teredo and any
 * IPv6 outside 2000::/3. IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses are judged
 * by the IPv4 address they carry.
 *
 * @example
 * addressRefusal("10.1.2.3") // "10.1.2.3 is a private address"
 * addressRefusal("93.184.215.14") // null
 */
export function addressRefusal(address: string, options: SsrfGuardOptions = {}): string | null {
  return refusal(address, parseAllow(options.allow));
}

function refusal(address: string, allow: Allow): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (allowed(parsed, allow)) return null;
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    const embedded = v6.isIPv4MappedAddress()
      ? v6.toIPv4Address()
      : v6.match(NAT64)
        ? ipaddr.fromByteArray(v6.toByteArray().slice(12))
        : undefined;
    if (embedded) {
      const inner = refusal(embedded.toString(), allow);
      return inner && `${address} carries IPv4 ${embedded.toString()}: ${inner}`;
    }
  }
  const text = parsed.toString();
  if (METADATA.has(text)) return `${text} is a cloud metadata endpoint`;
  const range = parsed.range();
  if (range !== "unicast") return `${text} is a ${RANGE_NAMES[range] ?? range} address`;
  if (parsed.kind() === "ipv6" && !parsed.match(GLOBAL_UNICAST))
    return `${text} is not a global unicast address`;
  return null;
}

/**
 * Checks a URL without connecting, for validating a receiver URL when it is entered: http or https
 * only, no credentials in it, and a literal IP host (in any notation: `http://2130706433/`,
 * `http://0x7f.1/` and `http://[::ffff:127.0.0.1]/` all mean 127.0.0.1) must be allowed. Host names
 * cannot be judged here (their addresses can change); the agent of `createSsrfGuardedAgent` checks
 * them at connect time, except `localhost` names, which are refused here already.
 *
 * @throws SsrfBlockedError with a reason that can be shown to the user.
 * @returns the parsed URL.
 * @example
 * assertUrlAllowed("http://169.254.169.254/latest/meta-data") // throws: a cloud metadata endpoint
 */
export function assertUrlAllowed(url: string | URL, options: SsrfGuardOptions = {}): URL {
  const allow = parseAllow(options.allow);
  const parsed = checkUrlShape(url);
  const host = bareHost(parsed);
  if (allow.hosts.has(host)) return parsed;
  if (isIP(host)) {
    const reason = refusal(host, allow);
    if (reason) throw new SsrfBlockedError(`refused ${host}: ${reason}`, { hostname: host, address: host });
  } else if (host === "localhost" || host.endsWith(".localhost")) {
    throw new SsrfBlockedError(`refused ${host}: a loopback name`, { hostname: host });
  }
  return parsed;
}

/** The checks that need no allow-list: a parseable http(s) URL without credentials. */
export function checkUrlShape(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SsrfBlockedError(`"${String(url)}" is not a valid URL`, { hostname: "" });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new SsrfBlockedError(`only http and https URLs are allowed, not ${parsed.protocol}`, {
      hostname: parsed.hostname,
    });
  }
  // Credentials in a URL end up in logs and in the Authorization header of a third party.
  if (parsed.username || parsed.password) {
    throw new SsrfBlockedError("URLs with credentials are not allowed", { hostname: parsed.hostname });
  }
  return parsed;
}

const bareHost = (url: URL) =>
  url.hostname
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "")
    .toLowerCase();

const systemResolve: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

type LookupOptions = { family?: number | string; all?: boolean };
type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An undici `Agent` (keep-alive connection pool per origin) that refuses to connect to internal
 * addresses. The check runs when a socket is about to connect, on the address it will connect to:
 * a literal IP host directly, a host name on every address DNS returns (one bad address refuses the
 * name). So a name that resolves to a private address, DNS rebinding and redirects (should a caller
 * follow them) are all caught. Refusals fail the request with `SsrfBlockedError`.
 *
 * @example
 * const dispatcher = createSsrfGuardedAgent({ allow: process.env.NODE_ENV === "test" ? ["127.0.0.1"] : [] });
 * const result = await deliverOnce({ url, body, headers, dispatcher });
 * // or with undici's fetch: await fetch(url, { dispatcher })
 */
export function createSsrfGuardedAgent(options: SsrfGuardedAgentOptions = {}): Agent {
  const { allow: allowList, resolve = systemResolve, connectTimeoutMs, ...agentOptions } = options;
  const allow = parseAllow(allowList);

  // Node's net.connect calls this for host names (never for IP literals), with `all` when it will
  // try several addresses (happy eyeballs).
  const lookup = (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback) => {
    resolve(hostname).then(
      (found) => {
        const family = Number(lookupOptions.family) || 0;
        const addresses = found.filter((a) => family === 0 || a.family === family);
        if (!allow.hosts.has(hostname.toLowerCase())) {
          for (const { address } of found) {
            const reason = refusal(address, allow);
            if (reason) {
              const error = new SsrfBlockedError(`refused ${hostname}: ${reason}`, { hostname, address });
              return callback(error, lookupOptions.all ? [] : "");
            }
          }
        }
        const first = addresses[0];
        if (!first) {
          const error = Object.assign(new Error(`no address found for ${hostname}`), { code: "ENOTFOUND" });
          return callback(error, lookupOptions.all ? [] : "");
        }
        return lookupOptions.all
          ? callback(null, [...addresses])
          : callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, lookupOptions.all ? [] : ""),
    );
  };

  const connector = buildConnector({
    lookup,
    timeout: connectTimeoutMs ?? 10_000,
  } as buildConnector.BuildOptions);
  return new Agent({
    ...agentOptions,
    connect(connectOptions, callback) {
      const host = connectOptions.hostname.replace(/^\[(.*)\]$/, "$1");
      if (isIP(host) && !allow.hosts.has(host.toLowerCase())) {
        const reason = refusal(host, allow);
        if (reason)
          return callback(
            new SsrfBlockedError(`refused ${host}: ${reason}`, { hostname: host, address: host }),
            null,
          );
      }
      return connector(connectOptions, callback);
    },
  });
}
