import { BlockList, isIP } from "node:net";

/** Why an address is not one the service may reach by default, by kind, for the message. */
const DENIED: [kind: string, ranges: [address: string, prefix: number, family: "ipv4" | "ipv6"][]][] = [
  ["loopback", [["127.0.0.0", 8, "ipv4"], ["::1", 128, "ipv6"]]],
  ["private", [["10.0.0.0", 8, "ipv4"], ["172.16.0.0", 12, "ipv4"], ["192.168.0.0", 16, "ipv4"], ["100.64.0.0", 10, "ipv4"], ["fc00::", 7, "ipv6"]]],
  ["link-local", [["169.254.0.0", 16, "ipv4"], ["fe80::", 10, "ipv6"]]],
  [
    "non-public",
    [
      ["0.0.0.0", 8, "ipv4"], ["192.0.0.0", 24, "ipv4"], ["198.18.0.0", 15, "ipv4"], ["224.0.0.0", 4, "ipv4"], ["240.0.0.0", 4, "ipv4"],
      ["::", 128, "ipv6"], ["ff00::", 8, "ipv6"],
    ],
  ],
];

const denied = DENIED.map(([kind, ranges]) => {
  const list = new BlockList();
  for (const [address, prefix, family] of ranges) list.addSubnet(address, prefix, family);
  return { kind, list };
});

const family = (address: string): "ipv4" | "ipv6" => (isIP(address) === 6 ? "ipv6" : "ipv4");

/**
 * Where the service's outgoing requests to URLs its users give (webhooks, model providers) may go:
 * anywhere public, and not to loopback, private, link-local or other non-public addresses (IPv4
 * within IPv6 included) unless the setting naming the allowed hosts (WEBHOOK_ALLOWED_HOSTS,
 * PROVIDER_ALLOWED_HOSTS) opens them, by host name (the URL's), address, or CIDR range.
 */
export class AddressPolicy {
  private readonly names = new Set<string>();
  private readonly addresses = new BlockList();

  /** `allowed`: host names, addresses and CIDR ranges, as checked by `allowedHostsEntryProblem`. */
  constructor(allowed: readonly string[] = []) {
    for (const entry of allowed) {
      const [address, prefix] = entry.split("/");
      if (prefix !== undefined && isIP(address!)) this.addresses.addSubnet(address!, Number(prefix), family(address!));
      else if (isIP(entry.replace(/^\[|\]$/g, ""))) this.addresses.addAddress(entry.replace(/^\[|\]$/g, ""), family(entry.replace(/^\[|\]$/g, "")));
      else this.names.add(entry.toLowerCase());
    }
  }

  /** Whether the setting names this host (then any address it resolves to is allowed). */
  allowsName(host: string): boolean {
    return this.names.has(host.toLowerCase());
  }

  /** Why the address is refused ("a loopback address"), or null when it may be reached. */
  refusal(address: string): string | null {
    if (this.addresses.check(address, family(address))) return null;
    const hit = denied.find((d) => d.list.check(address, family(address)));
    return hit ? `a ${hit.kind} address` : null;
  }
}

/** Why an entry of WEBHOOK_ALLOWED_HOSTS or PROVIDER_ALLOWED_HOSTS is not a host name, an address or a CIDR range, or null. */
export function allowedHostsEntryProblem(entry: string): string | null {
  const [address, prefix, ...rest] = entry.split("/");
  const kind = isIP(address!);
  if (prefix !== undefined && kind) {
    if (rest.length || !/^\d{1,3}$/.test(prefix) || Number(prefix) > (kind === 6 ? 128 : 32)) return `"${entry}" is not a CIDR range (like 10.0.0.0/8 or fd00::/8)`;
    return null;
  }
  if (isIP(entry.replace(/^\[|\]$/g, ""))) return null;
  return /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i.test(entry) ? null : `"${entry}" is not a host name, an address or a CIDR range`;
}
