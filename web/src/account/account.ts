// The account on screen: the paper account or one connected broker's, chosen in one place
// (the header's account switch) and followed by every page and the header's totals. Kept in
// this browser (one choice per browser, as a Kite tab shows one account); every portfolio
// view names it to the API (`book=paper` or `book=live:<broker>`), so nothing switches
// silently when a broker connects (issue 64).
import { useSyncExternalStore } from "react";
import { useBrokerStatus } from "@/shell/deskApi";
import { brokerLabel } from "@/shell/brokerSessionWords";

export const PAPER_ACCOUNT = "paper";
const KEY = "tradertape.account";

const listeners = new Set<() => void>();
function read(): string {
  try {
    return window.localStorage.getItem(KEY) ?? PAPER_ACCOUNT;
  } catch {
    return PAPER_ACCOUNT; // storage refused (a private window): paper
  }
}
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("storage", listener); // another tab switched
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", listener);
  };
}
export function chooseAccount(account: string): void {
  try {
    window.localStorage.setItem(KEY, account);
  } catch {
    // the choice lasts for this page only
  }
  for (const listener of listeners) listener();
}

export interface AccountChoice {
  value: string;
  label: string;
}

/** The choices: the paper account, then each broker with a live session. */
export function accountChoices(brokers: readonly { broker: string; connected: boolean }[]): AccountChoice[] {
  return [
    { value: PAPER_ACCOUNT, label: "Paper" },
    ...brokers.filter((b) => b.connected).map((b) => ({ value: `live:${b.broker}`, label: brokerLabel(b.broker) })),
  ];
}

/** The account a choice resolves to: a broker only while its session is live (else paper). */
export function resolveAccount(chosen: string, choices: readonly AccountChoice[]): AccountChoice {
  return choices.find((c) => c.value === chosen) ?? { value: PAPER_ACCOUNT, label: "Paper" };
}

/** The account on screen (`value`: the API's `book`), its name, the choices and the switch. */
export function useAccount() {
  const chosen = useSyncExternalStore(subscribe, read, () => PAPER_ACCOUNT);
  const status = useBrokerStatus();
  const choices = accountChoices(status.data?.brokers ?? []);
  // until the broker status arrives a broker choice is not known to be live: wait for it
  const pending = chosen !== PAPER_ACCOUNT && !status.data;
  const account = pending ? { value: chosen, label: "" } : resolveAccount(chosen, choices);
  return { ...account, paper: account.value === PAPER_ACCOUNT, pending, choices, choose: chooseAccount };
}
