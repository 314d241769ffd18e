import { describe, expect, it } from "vitest";
import { AddressPolicy, allowedHostsEntryProblem } from "./address-policy.js";

describe("AddressPolicy", () => {
  it("refuses loopback, private, link-local and non-public addresses, IPv4 within IPv6 included", () => {
    const policy = new AddressPolicy();
    expect(policy.refusal("127.0.0.1")).toBe("a loopback address");
    expect(policy.refusal("::ffff:127.0.0.1")).toBe("a loopback address");
    expect(policy.refusal("10.1.2.3")).toBe("a private address");
    expect(policy.refusal("169.254.169.254")).toBe("a link-local address");
    expect(policy.refusal("0.0.0.0")).toBe("a non-public address");
    expect(policy.refusal("93.184.216.34")).toBeNull();
    expect(policy.refusal("2606:2800:220:1::1")).toBeNull();
  });

  it("opens what its list names: host names (any case), addresses and ranges", () => {
    const policy = new AddressPolicy(["Models.Internal", "127.0.0.1", "10.0.0.0/8", "[::1]"]);
    expect(policy.allowsName("models.internal")).toBe(true);
    expect(policy.allowsName("other.internal")).toBe(false);
    expect(policy.refusal("127.0.0.1")).toBeNull();
    expect(policy.refusal("::1")).toBeNull();
    expect(policy.refusal("10.200.0.1")).toBeNull();
    expect(policy.refusal("127.0.0.2")).toBe("a loopback address");
  });
});

describe("allowedHostsEntryProblem", () => {
  it("accepts host names, addresses and CIDR ranges only", () => {
    for (const entry of ["ollama.internal", "localhost", "10.0.0.5", "[::1]", "10.0.0.0/8"]) expect(allowedHostsEntryProblem(entry)).toBeNull();
    expect(allowedHostsEntryProblem("http://ollama:11434")).toBe('"http://ollama:11434" is not a host name, an address or a CIDR range');
  });
});
