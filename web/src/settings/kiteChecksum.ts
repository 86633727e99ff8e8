// Kite's Browser Login: the checksum Kite wants is sha256(api_key + request_token + api_secret)
// in hex. It is computed here, with WebCrypto, so the API secret never leaves the browser.

export async function kiteChecksum(apiKey: string, requestToken: string, apiSecret: string): Promise<string> {
  const bytes = new TextEncoder().encode(apiKey + requestToken + apiSecret);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
