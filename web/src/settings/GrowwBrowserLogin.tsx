// Groww has no login redirect: today's token is minted from the API key and a TOTP code.
// The TOTP key (Groww's "secret", a base32 seed) is typed here and the code computed in this
// browser (./totp.ts); only the six digits go to the server. Six digits typed straight from
// an authenticator app are sent as they are.
import { useQueryClient } from "@tanstack/react-query";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { SecretLoginForm } from "./SecretLoginForm";
import { totp } from "./totp";

export function GrowwBrowserLogin() {
  const client = useQueryClient();
  const exchange = async (typed: string) => {
    const seed = typed.trim();
    const code = /^\d{6}$/.test(seed) ? seed : await totp(seed, Date.now() / 1000);
    unwrap(await api.POST("/api/brokers/groww/session", { body: { totp: code } }));
    await client.invalidateQueries({ queryKey: ["broker-credentials", "groww"] });
  };
  return (
    <SecretLoginForm formLabel="Groww Browser Login" label="Groww TOTP key or code" action="Log in to Groww" exchange={exchange}>
      Browser Login: type your Groww TOTP key (or the six digits your authenticator shows).
      This browser computes the code; the key is never sent to the server.
    </SecretLoginForm>
  );
}
