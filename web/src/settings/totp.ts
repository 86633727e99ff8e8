// Groww's Browser Login: Groww's "API secret" for a TOTP key is the authenticator's base32
// seed. The six-digit code (RFC 6238: HMAC-SHA1 over the 30-second step, RFC 4226's dynamic
// truncation) is computed here with WebCrypto, so only the code goes to the server; the
// seed never leaves the browser.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** The bytes of a base32 seed (RFC 4648; spaces, dashes, case and padding forgiven). */
export function base32Bytes(seed: string): Uint8Array<ArrayBuffer> {
  const clean = seed.toUpperCase().replace(/[\s-]/g, "").replace(/=+$/, "");
  if (!clean) throw new Error("the TOTP key is empty");
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`the TOTP key is base32 (A–Z, 2–7): '${char}' is not`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** RFC 4226's HOTP of `counter` under `key`, `digits` long. */
export async function hotp(key: Uint8Array<ArrayBuffer>, counter: number, digits = 6): Promise<string> {
  const message = new Uint8Array(8);
  let rest = counter;
  for (let i = 7; i >= 0; i--) {
    message[i] = rest % 256;
    rest = Math.floor(rest / 256); // counters past 2^32 (year 2106+ at 30 s) stay exact
  }
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new DataView(await crypto.subtle.sign("HMAC", hmacKey, message));
  const offset = mac.getUint8(mac.byteLength - 1) & 0x0f;
  const code = mac.getUint32(offset) & 0x7fffffff;
  return String(code % 10 ** digits).padStart(digits, "0");
}

/** RFC 6238's TOTP for the base32 `seed` at `unixSeconds` (30-second steps from 0). */
export async function totp(seed: string, unixSeconds: number, digits = 6): Promise<string> {
  return hotp(base32Bytes(seed), Math.floor(unixSeconds / 30), digits);
}
