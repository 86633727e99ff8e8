// Small building blocks of the agent's pages: a card, a figure, a signed P&L, a notice.
import type { ReactNode } from "react";
import { brokerLabel, direction, pct, signedInr, type Amount } from "@format";

export function Card({ title, children, aside }: { title?: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section className="card">
      {title !== undefined && (
        <header className="card-head">
          <h2>{title}</h2>
          {aside}
        </header>
      )}
      {children}
    </section>
  );
}

export function Figure({ label, children, small }: { label: string; children: ReactNode; small?: ReactNode }) {
  return (
    <div className="figure">
      <span className="label">{label}</span>
      <span className="value">{children}</span>
      {small !== undefined && <span className="small">{small}</span>}
    </div>
  );
}

/** +₹1,250.00 (+2.10 %) in green, or red when down; the percent takes a line of its own when
 * a half-width figure has no room for both (it once ran out of its card). */
export function Pnl({ value, percent }: { value: Amount; percent?: Amount }) {
  const way = direction(value);
  return (
    <span className={`pnl ${way}`}>
      <span>{signedInr(value)}</span>
      {percent !== undefined && percent !== null && <> <span>({pct(percent, { signed: true })})</span></>}
    </span>
  );
}

export function Notice({ tone = "info", children }: { tone?: "info" | "warn" | "bad" | "good"; children: ReactNode }) {
  return (
    <div className={`notice ${tone}`} role={tone === "bad" || tone === "warn" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Loading({ error, reload }: { error?: string | undefined; reload?: () => void }) {
  if (error)
    return (
      <Notice tone="bad">
        {error}{" "}
        {reload && (
          <button type="button" className="link" onClick={reload}>
            Try again
          </button>
        )}
      </Notice>
    );
  return <p className="muted">Loading…</p>;
}

export function BrokerName({ name }: { name: string }) {
  return <>{brokerLabel(name)}</>;
}
