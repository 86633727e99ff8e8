import { describe, expect, it } from "vitest";
import { base32Bytes, totp } from "./totp";

// RFC 6238 Appendix B, the SHA-1 rows: the seed is the ASCII "12345678901234567890".
const SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("totp", () => {
  it("decodes the RFC's seed from base32", () => {
    expect(new TextDecoder().decode(base32Bytes(SEED))).toBe("12345678901234567890");
    expect(new TextDecoder().decode(base32Bytes("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq===="))).toBe(
      "12345678901234567890",
    );
  });

  it.each(VECTORS)("matches RFC 6238 at T=%i", async (seconds, expected) => {
    expect(await totp(SEED, seconds, 8)).toBe(expected);
  });

  it("gives an authenticator's six digits: the last six of the eight", async () => {
    for (const [seconds, expected] of VECTORS) {
      expect(await totp(SEED, seconds)).toBe(expected.slice(2));
    }
    expect(await totp(SEED, 60)).not.toBe(await totp(SEED, 59)); // a new step, a new code
  });

  it("refuses what is not base32", () => {
    expect(() => base32Bytes("GEZD1")).toThrow("'1' is not");
    expect(() => base32Bytes("  ")).toThrow("empty");
  });
});
