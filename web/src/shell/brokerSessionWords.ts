// What the desk says of a broker session: when a live one dies (each broker's daily cut-off:
// Kite and Groww 06:00 IST, Upstox 03:30 IST), and "log in again" once it has expired or the
// broker ended it (a master logout). The API says which; these are only the words.
import { brokerLabel, istDateTime } from "@/format";

export interface SessionFacts {
  broker: string;
  status: string;
  access_token_expires_at?: string | null;
}

export { brokerLabel };

/** "Kite session until 21 Nov 2026, 06:00:00 IST" (null when the expiry is unknown). */
export function sessionUntil(s: SessionFacts): string | null {
  if (!s.access_token_expires_at) return null;
  return `${brokerLabel(s.broker)} session until ${istDateTime(s.access_token_expires_at)}`;
}

/** The badge of a session that is not live: why it ended, in words. */
export function sessionEnded(s: SessionFacts): string {
  const name = brokerLabel(s.broker);
  if (s.status === "logged_out") return `${name} logged you out`;
  if (s.status === "expired") return `${name} session expired`;
  return `${name} session ${s.status.replace(/_/g, " ")}`;
}
