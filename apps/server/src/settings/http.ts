import { isIP } from "node:net";

/**
 * Which proxies' `X-Forwarded-For`, `-Proto` and `-Host` are believed, in the forms Fastify's
 * `trustProxy` takes: `false` (none: the connection's address is the client), a hop count, or the
 * proxies' addresses and CIDR ranges (`proxy-addr`'s names `loopback`, `linklocal`, `uniquelocal` too).
 */
export type TrustProxy = false | number | string[];

const PROXY_ADDR_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/**
 * Reads GENIE_TRUST_PROXY: empty, `false`, `off` or `0` trust nobody; a whole number is a hop count;
 * anything else is a comma-separated list of addresses, CIDR ranges and proxy-addr's names. `true`
 * is refused: it believes the left-most X-Forwarded-For, which every client writes itself.
 */
export function trustProxyOf(value: string): TrustProxy | { problem: string } {
  const text = value.trim().toLowerCase();
  if (text === "" || text === "false" || text === "off" || text === "0") return false;
  if (text === "true") {
    return {
      problem:
        "would believe any client's X-Forwarded-For; give the number of proxies in front (1) or their addresses (127.0.0.1, 10.0.0.0/8)",
    };
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= 10 ? hops : { problem: "must be at most 10 proxies" };
  }
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.find((entry) => !PROXY_ADDR_NAMES.has(entry) && !isAddressOrRange(entry));
  if (bad !== undefined) {
    return {
      problem: `"${bad}" is neither a hop count, an IP address, a CIDR range nor loopback/linklocal/uniquelocal`,
    };
  }
  return entries;
}

function isAddressOrRange(entry: string): boolean {
  const [address = "", bits, ...rest] = entry.split("/");
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * Why GENIE_PUBLIC_URL cannot be used, or null: it must be an http(s) origin, because Genie serves
 * the dashboard, the API and sign-in at the root of its address.
 */
export function publicUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be a URL like https://genie.example.com";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http:// or https:// URL";
  if (url.username || url.password || url.search || url.hash || url.pathname !== "/") {
    return `must be an origin only, like ${url.protocol}//${url.host} (Genie serves at the root of its address)`;
  }
  return null;
}
