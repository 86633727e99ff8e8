import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { kiteChecksum } from "./kiteChecksum";

describe("kiteChecksum", () => {
  it("is the hex sha256 of key + request token + secret, as Kite computes it", async () => {
    const expected = createHash("sha256").update("kitekey" + "reqtok123" + "s3cret").digest("hex");
    expect(await kiteChecksum("kitekey", "reqtok123", "s3cret")).toBe(expected);
    expect(expected).toHaveLength(64);
  });
});
