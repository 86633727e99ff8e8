import { describe, expect, it } from "vitest";
import type { components } from "@/api/client";
import { staticIpNotice, staticIpRule } from "./staticIp";

type Credentials = components["schemas"]["CredentialsOut"];
const base: Credentials = {
  broker: "kite", configured: true, api_key: "k", api_secret_masked: null, has_secret: false,
  has_access_token: true, connected: true, status: "connected", access_token_expires_at: null,
  broker_user_id: null, redirect_url: "http://x/cb", login_url: null, updated_at: null,
  static_ip: null, server_ip: "203.0.113.9", server_ip_source: "detected", static_ip_matches: null,
};

describe("static IP notice", () => {
  it("warns when the registered address differs from the server's", () => {
    const notice = staticIpNotice({ ...base, static_ip: "198.51.100.4", static_ip_matches: false }, "Zerodha Kite");
    expect(notice.color).toBe("yellow");
    expect(notice.text).toContain("198.51.100.4 differs from this server's 203.0.113.9 (detected)");
    expect(notice.text).toContain("will refuse orders");
  });
  it("confirms a match and asks for the address when none is recorded", () => {
    expect(staticIpNotice({ ...base, static_ip: "203.0.113.9", static_ip_matches: true }, "Kite").color).toBe("teal");
    const none = staticIpNotice({ ...base, server_ip: null, server_ip_source: null }, "Kite");
    expect(none.text).toContain("unknown (set TRADERTAPE_EGRESS_IP)");
  });
  it("states the broker's weekly-change rule where the address is edited", () => {
    expect(staticIpRule("Upstox")).toContain("Upstox lets you change this address once a week");
  });
});
