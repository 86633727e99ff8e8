import { describe, expect, it } from "vitest";
import { hookBody } from "./WebhooksSection";

describe("a new webhook's body", () => {
  it("starts from the sender's template and is signed by default", () => {
    expect(hookBody({ name: "", preset: "chartink", auth: "hmac", ips: "" })).toEqual({ name: "Chartink", auth: "hmac", preset: "chartink" });
  });

  it("names the addresses a token hook accepts", () => {
    expect(hookBody({ name: " TV ", preset: "tradingview", auth: "token", ips: "52.89.214.238, 34.212.75.30\n54.218.53.128" })).toEqual({
      name: "TV",
      auth: "token",
      preset: "tradingview",
      allowed_ips: ["52.89.214.238", "34.212.75.30", "54.218.53.128"],
    });
  });

  it("leaves the template to the user without a sender", () => {
    expect(hookBody({ name: "Mine", preset: "", auth: "hmac", ips: "" })).toEqual({ name: "Mine", auth: "hmac" });
  });
});
