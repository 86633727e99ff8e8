// SEBI's static-IP rule on a broker card: the address registered with the broker beside the
// one this server's orders leave from, and what to say when they differ (the API compares).
import type { components } from "@/api/client";

type Credentials = components["schemas"]["CredentialsOut"];

export interface StaticIpNotice {
  color: "yellow" | "teal" | "gray";
  text: string;
}

// SEBI lets a client change the static IP registered with a broker once a week (the
// broker's own rule), and TraderTape refuses a live order from any other known address.
export function staticIpRule(broker: string): string {
  return `${broker} lets you change this address once a week: register the new one with ${broker} before you move the server. Live orders from another address are refused here before they are sent.`;
}

export function staticIpNotice(c: Credentials, broker: string): StaticIpNotice {
  const server = c.server_ip
    ? `${c.server_ip} (${c.server_ip_source === "configured" ? "configured" : "detected"})`
    : "unknown (set TRADERTAPE_EGRESS_IP)";
  if (!c.static_ip) {
    return {
      color: "gray",
      text: `No static IP recorded. This server's orders leave from ${server}; register it with ${broker} and enter it here.`,
    };
  }
  if (c.static_ip_matches === false) {
    return {
      color: "yellow",
      text: `Your registered static IP ${c.static_ip} differs from this server's ${server}: ${broker} will refuse orders sent from here.`,
    };
  }
  if (c.static_ip_matches === true) {
    return { color: "teal", text: `Registered static IP ${c.static_ip} matches this server's ${server}.` };
  }
  return { color: "gray", text: `Registered static IP ${c.static_ip}; this server's address is ${server}.` };
}
