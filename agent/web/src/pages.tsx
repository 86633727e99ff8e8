// The agent's pages (seed 000): Dashboard, Signals, Holdings / Positions, Mutual Funds,
// Brokers and Settings (Mutual funds and Uploads load on demand: filePages.tsx). Real figures:
// the broker is read on this machine.
import { useState, type FormEvent } from "react";
import { BROKER_ROWS, brokerLabel, inr, instrumentLabel, istDateTime, plain, qty, words } from "@format";
import {
  call,
  useApi,
  type BrokerRow,
  type Dashboard,
  type Holding,
  type Position,
  type Settings,
  type Signal,
  type Signals,
  type Status,
  type Trouble,
} from "./api";
import { BrokerName, Card, Figure, Loading, Notice, Pnl } from "./ui";

function Troubles({ trouble }: { trouble: Trouble[] }) {
  return (
    <>
      {trouble.map((t) => (
        <Notice key={t.broker} tone="warn">
          {t.message}
        </Notice>
      ))}
    </>
  );
}

// -- Dashboard ------------------------------------------------------------------------------

/** What became of an alert fire's order, as the cloud's Alerts page words it. */
const ALERT_OUTCOMES: Record<string, string> = {
  placed: "· order placed",
  rejected: "· order rejected",
  refused: "· order refused",
  awaiting: "· order waits for your approval in TraderTape",
  failed: "· basket not placed",
  partial: "· basket partly placed",
  unwound: "· basket stopped and unwound",
};

export function DashboardPage({ go }: { go: (page: string) => void }) {
  const { data, error, reload } = useApi<Dashboard>("/api/dashboard");
  if (!data) return <Loading error={error} reload={reload} />;
  const { total, status } = data;
  return (
    <>
      {status.kill_switch && (
        <Notice tone="bad">Kill switch on in the cloud: the agent places nothing. {status.kill_switch}</Notice>
      )}
      {status.waiting > 0 && (
        <button type="button" className="notice warn as-button" onClick={() => go("signals")}>
          {status.waiting === 1 ? "1 signal waits" : `${status.waiting} signals wait`} for your approval →
        </button>
      )}
      <Troubles trouble={data.trouble} />
      <Card title="All brokers">
        <div className="hero">
          <span className="label">Current value</span>
          <span className="big">{inr(total.value)}</span>
          <Pnl value={total.day_change} percent={total.day_change_pct} />
          <span className="muted small"> today</span>
        </div>
        <div className="figures">
          <Figure label="Invested">{inr(total.invested)}</Figure>
          <Figure label="Total P&L">
            <Pnl value={total.pnl} percent={total.pnl_pct} />
          </Figure>
          <Figure label="Cash available">{inr(total.cash)}</Figure>
          <Figure label="Positions P&L">
            <Pnl value={total.positions_pnl} />
          </Figure>
        </div>
      </Card>
      {data.brokers.length > 1 &&
        data.brokers.map((b) => (
          <Card key={b.broker} title={b.primary ? `${brokerLabel(b.broker)} (places orders)` : `${brokerLabel(b.broker)} (read only)`}>
            <div className="figures">
              <Figure label="Value">{inr(b.value)}</Figure>
              <Figure label="P&L">
                <Pnl value={b.pnl} />
              </Figure>
              <Figure label="Cash">{inr(b.cash)}</Figure>
              <Figure label="Holdings">{qty(b.holdings)}</Figure>
            </div>
          </Card>
        ))}
      <Card title="Agent">
        <dl className="facts">
          <dt>Mode</dt>
          <dd>{status.auto_execute ? "Auto-execute" : "Manual approval"}</dd>
          <dt>Last poll</dt>
          <dd>{status.last_poll ? istDateTime(status.last_poll) : "Not yet"}</dd>
          <dt>Polls every</dt>
          <dd>{status.poll_interval} s</dd>
          <dt>Last result</dt>
          <dd>{status.last_result ?? "None yet"}</dd>
        </dl>
        {status.errors.map((e) => (
          <Notice key={e} tone="warn">
            {e}
          </Notice>
        ))}
        {status.outbox.waiting.length > 0 && (
          <Notice tone="warn">
            {status.outbox.waiting.length === 1 ? "1 report waits" : `${status.outbox.waiting.length} reports wait`} for the
            cloud; the agent sends again until it answers.
          </Notice>
        )}
      </Card>
      {status.outbox.refused.length > 0 && (
        <Card title="Refused by the cloud">
          <ul className="rows">
            {status.outbox.refused.map((r) => (
              <li key={`${r.what}-${r.since}`} className="row">
                <div className="row-main">
                  <strong>{r.what}</strong>
                  <span className="muted small">{istDateTime(r.since)}</span>
                </div>
                <div className="small">{r.answer}</div>
              </li>
            ))}
          </ul>
        </Card>
      )}
      {status.alerts.length > 0 && (
        <Card title="Alerts">
          <ul className="rows">
            {status.alerts.map((a) => (
              <li key={a.id} className="row">
                <div className="row-main">
                  <strong>{instrumentLabel(a.symbol)}</strong>
                  <span>{a.price ? inr(a.price) : "—"}</span>
                </div>
                <div className="muted small">
                  {a.fired_at ? istDateTime(a.fired_at) : ""} {ALERT_OUTCOMES[a.order_status ?? "none"] ?? ""}
                </div>
              </li>
            ))}
          </ul>
        </Card>
      )}
      <Card title="Reconciliation">
        {status.drift.length === 0 ? (
          <p className="muted">{reconciliationLine(status.reconciliation, brokerLabel(status.primary_broker))}</p>
        ) : (
          <ul className="rows">
            {status.drift.map((d) => (
              <li key={d.symbol} className="row">
                <div className="row-main">
                  <strong>{instrumentLabel(d.symbol)}</strong>
                  <span>
                    cloud {qty(d.cloud)} · broker {qty(d.broker)}
                  </span>
                </div>
                <div className="muted small">Likely {d.cause}</div>
              </li>
            ))}
          </ul>
        )}
      </Card>
      {data.top.length > 0 && (
        <Card title="Largest holdings" aside={<button type="button" className="link" onClick={() => go("holdings")}>All</button>}>
          <HoldingList rows={data.top} showBroker={data.brokers.length > 1} />
        </Card>
      )}
    </>
  );
}

/** What the reconciliation found when it lists no drift: nothing, until a broker answers. */
function reconciliationLine(state: Status["reconciliation"], broker: string): string {
  if (state === "no-broker") {
    return `No broker connected: once you log in to ${broker} (Brokers), each poll checks what it holds against the cloud.`;
  }
  if (state === "pending") return `Not checked yet: the next poll compares what ${broker} holds with the cloud.`;
  return `${broker} holds what the cloud expects.`;
}

// -- Signals --------------------------------------------------------------------------------

const STATE_WORDS: Record<Signal["state"], string> = {
  waiting: "Waiting for you",
  awaiting: "Awaiting approval",
  approved: "Approved",
  rejected: "Rejected",
  placed: "Placed",
  refused: "Refused by risk",
};

export function SignalsPage() {
  const loaded = useApi<Signals>("/api/signals", 5_000);
  const [busy, setBusy] = useState<number>();
  const [problem, setProblem] = useState<string>();
  const { data, error, reload, set } = loaded;
  if (!data) return <Loading error={error} reload={reload} />;

  async function decide(signal: Signal, verb: "approve" | "reject") {
    setBusy(signal.id);
    setProblem(undefined);
    try {
      set(await call<Signals>("POST", `/api/signals/${signal.id}/${verb}`));
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <>
      {data.kill_switch && <Notice tone="bad">Kill switch on in the cloud: nothing is placed. {data.kill_switch}</Notice>}
      <Notice>
        {data.auto_execute
          ? "Auto-execute is on: new signals are placed at the next poll without asking."
          : "Manual mode: a signal goes to the broker only after you approve it here."}
      </Notice>
      {problem && <Notice tone="bad">{problem}</Notice>}
      <Card title="Pending signals">
        {data.signals.length === 0 ? (
          <p className="muted">No signals from the cloud right now.</p>
        ) : (
          <ul className="rows">
            {data.signals.map((s) => (
              <li key={s.id} className={`row signal ${s.state}`}>
                <div className="row-main">
                  <strong>
                    <span className={`side ${s.side === "SELL" ? "sell" : "buy"}`}>{s.side === "SELL" ? "Sell" : "Buy"}</span>{" "}
                    {qty(s.quantity)} {instrumentLabel(s.symbol)}
                  </strong>
                  <span className={`chip ${s.state}`}>{STATE_WORDS[s.state]}</span>
                </div>
                <div className="muted small">
                  {words(s.signal_type)} · {s.placement === "order" ? "Order" : "GTT"}
                  {s.trigger_price && <> · trigger {inr(s.trigger_price)}</>}
                  {s.limit_price && <> · limit {inr(s.limit_price)}</>}
                  {s.stop_price && <> · stop {inr(s.stop_price)}</>}
                  {!s.trigger_price && s.close_price && <> · close {inr(s.close_price)}</>}
                </div>
                <div className="small">{s.note}</div>
                {(s.state === "waiting" || s.state === "awaiting") && (
                  <div className="actions">
                    <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void decide(s, "approve")}>
                      Approve
                    </button>
                    <button type="button" className="secondary" disabled={busy !== undefined} onClick={() => void decide(s, "reject")}>
                      Reject
                    </button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Recent placements">
        {data.recent.length === 0 ? (
          <p className="muted">Nothing placed yet.</p>
        ) : (
          <ul className="rows">
            {data.recent.map((p) => (
              <li key={p.key} className="row">
                <div className="row-main">
                  <strong>
                    {words(p.leg)} · {instrumentLabel(p.symbol)}
                  </strong>
                  <span className={`chip ${p.status}`}>{words(p.status)}</span>
                </div>
                <div className="muted small">
                  <BrokerName name={p.broker} /> {p.kind === "gtt" ? "GTT" : "order"} {p.broker_id ?? ""}
                  {p.fill_price && <> · filled at {inr(p.fill_price)}</>}
                  {p.reason && <> · {p.reason}</>}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}

// -- Holdings / Positions -------------------------------------------------------------------

function HoldingList({ rows, showBroker }: { rows: Holding[]; showBroker: boolean }) {
  return (
    <ul className="rows">
      {rows.map((h) => (
        <li key={`${h.broker}:${h.symbol}`} className="row">
          <div className="row-main">
            <strong>
              {instrumentLabel(h.symbol)}
              {showBroker && (
                <span className="muted small">
                  {" "}
                  · <BrokerName name={h.broker} />
                </span>
              )}
            </strong>
            <span className="num">{inr(h.value)}</span>
          </div>
          <div className="row-main small">
            <span className="muted">
              {qty(h.quantity)} × {plain(h.average_price)}
            </span>
            <Pnl value={h.pnl} percent={h.pnl_pct} />
          </div>
          <div className="row-main small muted">
            <span>LTP {plain(h.last_price)}</span>
            <span>
              Today <Pnl value={h.day_change} percent={h.day_change_pct} />
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}

export function HoldingsPage() {
  const [tab, setTab] = useState<"holdings" | "positions">("holdings");
  const holdings = useApi<{ holdings: Holding[]; trouble: Trouble[] }>("/api/holdings");
  const positions = useApi<{ positions: Position[]; trouble: Trouble[] }>("/api/positions");
  const many = new Set(holdings.data?.holdings.map((h) => h.broker) ?? []).size > 1;
  return (
    <>
      <div className="segmented" role="tablist">
        <button type="button" role="tab" aria-selected={tab === "holdings"} onClick={() => setTab("holdings")}>
          Holdings
        </button>
        <button type="button" role="tab" aria-selected={tab === "positions"} onClick={() => setTab("positions")}>
          Positions
        </button>
      </div>
      {tab === "holdings" ? (
        holdings.data ? (
          <>
            <Troubles trouble={holdings.data.trouble} />
            <Card title={`${holdings.data.holdings.length} holdings`}>
              {holdings.data.holdings.length === 0 ? <p className="muted">No holdings at the brokers.</p> : <HoldingList rows={holdings.data.holdings} showBroker={many} />}
            </Card>
          </>
        ) : (
          <Loading error={holdings.error} reload={holdings.reload} />
        )
      ) : positions.data ? (
        <>
          <Troubles trouble={positions.data.trouble} />
          <Card title="Today's positions">
            {positions.data.positions.length === 0 ? (
              <p className="muted">No open positions today.</p>
            ) : (
              <ul className="rows">
                {positions.data.positions.map((p) => (
                  <li key={`${p.broker}:${p.symbol}:${p.product}`} className="row">
                    <div className="row-main">
                      <strong>{instrumentLabel(p.symbol)}</strong>
                      <Pnl value={p.pnl} />
                    </div>
                    <div className="muted small">
                      {qty(p.quantity)} {p.product} at {plain(p.average_price)} · LTP {plain(p.last_price)} · <BrokerName name={p.broker} />
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </>
      ) : (
        <Loading error={positions.error} reload={positions.reload} />
      )}
    </>
  );
}

// -- Brokers --------------------------------------------------------------------------------

const BROKER_STATE: Record<BrokerRow["state"], string> = {
  connected: "Connected",
  trouble: "Not answering",
  "not-connected": "Not logged in",
  "not-configured": "Not set up",
};

export function BrokersPage({ broker, result }: { broker: string | null; result: string | null }) {
  const { data, error, reload } = useApi<{ brokers: BrokerRow[] }>("/api/brokers");
  const [problem, setProblem] = useState<string>();
  if (!data) return <Loading error={error} reload={reload} />;

  async function logIn(name: string) {
    setProblem(undefined);
    try {
      const { url } = await call<{ url: string }>("POST", `/api/brokers/${name}/login`);
      window.location.assign(url);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  }

  const title = brokerLabel(broker ?? "");
  const said: Record<string, [tone: "good" | "warn" | "bad", text: string]> = {
    ok: ["good", `Logged in to ${title}. The session is saved on this machine.`],
    cancelled: ["warn", `The ${title} login was cancelled.`],
    failed: ["bad", `${title} refused the login; check its API key and secret in Settings.`],
    unknown: ["bad", `That ${title} login was not started from this page (or took too long); try again.`],
  };
  const told = result ? said[result] : undefined;
  return (
    <>
      {told && <Notice tone={told[0]}>{told[1]}</Notice>}
      {problem && <Notice tone="bad">{problem}</Notice>}
      {data.brokers.map((b) => (
        <Card key={b.broker} title={b.title} aside={<span className={`chip ${b.state}`}>{BROKER_STATE[b.state]}</span>}>
          <p className="small">
            {b.primary ? "Primary: places the signals." : b.configured ? "Read only: its holdings show in the dashboard." : ""} {b.note}
          </p>
          {b.login === "button" && (
            <button type="button" className={b.state === "connected" ? "secondary" : "primary"} onClick={() => void logIn(b.broker)}>
              {b.state === "connected" ? "Log in again" : `Log in to ${b.title}`}
            </button>
          )}
          {b.login === "key" && <GrowwLogin connected={b.state === "connected"} onDone={reload} />}
          {b.login === "none" && <p className="muted small">Add its API key and secret in Settings to use it.</p>}
        </Card>
      ))}
      <p className="muted small pad">
        The broker sends you back here after its login: in its developer console, set the app's redirect URL to{" "}
        <code>{`${window.location.origin}/brokers/kite/callback`}</code> (Kite) or <code>{`${window.location.origin}/brokers/upstox/callback`}</code>{" "}
        (Upstox).
      </p>
    </>
  );
}

function GrowwLogin({ connected, onDone }: { connected: boolean; onDone: () => void }) {
  const [totp, setTotp] = useState("");
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<[tone: "good" | "bad", text: string]>();
  async function logIn(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setSaid(undefined);
    try {
      await call("POST", "/api/brokers/groww/login", totp ? { totp } : {});
      setSaid(["good", "Logged in to Groww. The session is saved on this machine (until 06:00 tomorrow)."]);
      setTotp("");
      onDone();
    } catch (err) {
      setSaid(["bad", err instanceof Error ? err.message.replace(/^(groww|totp): /, "") : String(err)]);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="stack" onSubmit={(e) => void logIn(e)}>
      <p className="muted small">
        Groww has no login page: its session is made here from your API key and secret (approve the key in the Groww app each day), or
        from a TOTP key and the code your authenticator shows.
      </p>
      <label>
        TOTP code (only for a TOTP key)
        <input value={totp} inputMode="numeric" pattern="[0-9]{6}" maxLength={6} autoComplete="one-time-code" placeholder="123456" onChange={(e) => setTotp(e.target.value.trim())} />
      </label>
      {said && <Notice tone={said[0]}>{said[1]}</Notice>}
      <button type="submit" className={connected ? "secondary" : "primary"} disabled={busy}>
        {busy ? "Logging in…" : connected ? "Log in to Groww again" : "Log in to Groww"}
      </button>
    </form>
  );
}

// -- Settings -------------------------------------------------------------------------------

export function SettingsPage() {
  const { data, error, reload, set } = useApi<Settings>("/api/settings", 60_000);
  const [saved, setSaved] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [symbol, setSymbol] = useState("");
  const [pin, setPin] = useState("");
  const [creds, setCreds] = useState({ broker: "kite", key: "", secret: "" });
  if (!data) return <Loading error={error} reload={reload} />;

  async function put(change: Partial<Settings> | { credentials: Record<string, string> }, what: string) {
    setProblem(undefined);
    setSaved(undefined);
    try {
      set(await call<Settings>("PUT", "/api/settings", change));
      setSaved(what);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  }

  function numberForm(name: "stop_loss_pct" | "poll_interval", label: string, unit: string) {
    return (
      <form
        className="inline"
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          const value = Number(new FormData(e.currentTarget).get(name));
          void put({ [name]: value }, `${label} saved`);
        }}
      >
        <label>
          {label}
          <span className="with-unit">
            <input name={name} type="number" inputMode="decimal" step="any" defaultValue={data?.[name]} key={data?.[name]} />
            <span>{unit}</span>
          </span>
        </label>
        <button type="submit" className="secondary">
          Save
        </button>
      </form>
    );
  }

  async function setPinTo(value: string | null) {
    setProblem(undefined);
    try {
      await call("PUT", "/api/pin", { pin: value });
      setPin("");
      setSaved(value ? "PIN set: other browsers must enter it" : "PIN removed");
      reload();
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <>
      {saved && <Notice tone="good">{saved}</Notice>}
      {problem && <Notice tone="bad">{problem}</Notice>}
      <Card title="Placing signals">
        <label className="switch">
          <input
            type="checkbox"
            checked={data.auto_execute}
            onChange={(e) => {
              const on = e.target.checked;
              if (on && !window.confirm("Turn on auto-execute? New signals go to the broker at the next poll without asking you.")) return;
              void put({ auto_execute: on }, on ? "Auto-execute on" : "Auto-execute off: signals wait for approval");
            }}
          />
          <span>
            <strong>Auto-execute</strong>
            <span className="muted small">
              {data.auto_execute ? "New signals are placed at once." : "Off: each signal waits for Approve on the Signals page."}
            </span>
          </span>
        </label>
        {numberForm("stop_loss_pct", "Stop loss", "%")}
        {numberForm("poll_interval", "Poll every", "s")}
      </Card>
      <Card title="Ignore for reconciliation">
        <p className="muted small">Symbols held outside TraderTape on purpose: no drift warning for them.</p>
        {data.ignore_symbols.length > 0 && (
          <ul className="tags">
            {data.ignore_symbols.map((s) => (
              <li key={s}>
                {s}
                <button
                  type="button"
                  aria-label={`Stop ignoring ${s}`}
                  onClick={() => void put({ ignore_symbols: data.ignore_symbols.filter((x) => x !== s) }, `${s} reconciled again`)}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            if (!symbol.trim()) return;
            void put({ ignore_symbols: [...data.ignore_symbols, symbol] }, `${symbol.toUpperCase()} ignored`).then(() => setSymbol(""));
          }}
        >
          <label>
            Symbol
            <input value={symbol} placeholder="NSE:RELIANCE" autoCapitalize="characters" onChange={(e) => setSymbol(e.target.value)} />
          </label>
          <button type="submit" className="secondary">
            Ignore
          </button>
        </form>
      </Card>
      <Card title="Broker credentials">
        <p className="muted small">
          Kept in this machine's settings file only and never shown again. Used from the next start of the agent. Primary broker:{" "}
          <BrokerName name={data.primary_broker} />.
        </p>
        <ul className="rows compact">
          {Object.entries(data.credentials).map(([name, c]) => (
            <li key={name} className="row-main">
              <BrokerName name={name} />
              <span className="muted small">{c.api_key_set && c.api_secret_set ? "Key and secret saved" : "Not set"}</span>
            </li>
          ))}
        </ul>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void put(
              { credentials: { [`${creds.broker}_api_key`]: creds.key, [`${creds.broker}_api_secret`]: creds.secret } },
              "Credentials saved; restart the agent to use them",
            ).then(() => setCreds({ ...creds, key: "", secret: "" }));
          }}
        >
          <label>
            Broker
            <select value={creds.broker} onChange={(e) => setCreds({ ...creds, broker: e.target.value })}>
              {BROKER_ROWS.map((row) => <option key={row.name} value={row.name}>{row.label}</option>)}
            </select>
          </label>
          <label>
            API key
            <input value={creds.key} autoComplete="off" onChange={(e) => setCreds({ ...creds, key: e.target.value })} />
          </label>
          <label>
            API secret
            <input type="password" value={creds.secret} autoComplete="new-password" onChange={(e) => setCreds({ ...creds, secret: e.target.value })} />
          </label>
          <button type="submit" className="secondary" disabled={!creds.key || !creds.secret}>
            Save credentials
          </button>
        </form>
      </Card>
      <Card title="PIN for this page">
        <p className="muted small">
          {data.pin_set
            ? "A PIN is set: a browser must enter it before it sees or changes anything."
            : "No PIN: anyone on your network can open this page. Pages on other sites can never use it."}
        </p>
        {data.pin_weak && (
          <Notice tone="warn">Your PIN is shorter than 6 digits, easy to guess from your network: set a longer one (it still works until you do).</Notice>
        )}
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void setPinTo(pin);
          }}
        >
          <label>
            {data.pin_set ? "New PIN" : "PIN"}
            <input type="password" autoComplete="new-password" value={pin} onChange={(e) => setPin(e.target.value)} placeholder="6+ digits, or a 10+ character passphrase" />
          </label>
          <button type="submit" className="secondary" disabled={pin.length < 6}>
            Set PIN
          </button>
        </form>
        {data.pin_set && (
          <button type="button" className="link" onClick={() => void setPinTo(null)}>
            Remove the PIN
          </button>
        )}
      </Card>
      <Card title="Cloud">
        <dl className="facts">
          <dt>URL</dt>
          <dd>{data.cloud_url}</dd>
          <dt>Obfuscation factor</dt>
          <dd>{data.obfuscation ? "Kept on this machine" : "None"}</dd>
        </dl>
        <p className="muted small">Change the cloud URL or key with tradertape-agent configure.</p>
      </Card>
    </>
  );
}
