// The agent's shell: a header with the agent's state, the page, and a bottom tab bar sized for
// a thumb (the UI is opened from a phone on the same Wi-Fi as often as from the desk).
import { lazy, Suspense, useEffect, useState, type FormEvent, type ReactNode } from "react";
import { call, changed, locked, useApi, type Session, type Status } from "./api";
import { BrokersPage, DashboardPage, HoldingsPage, SettingsPage, SignalsPage } from "./pages";
import { Card, Loading, Notice } from "./ui";

const MutualFundsPage = lazy(() => import("./filePages").then((m) => ({ default: m.MutualFundsPage })));
const UploadsPage = lazy(() => import("./filePages").then((m) => ({ default: m.UploadsPage })));

const PAGES = {
  dashboard: "Dashboard",
  signals: "Signals",
  holdings: "Holdings",
  brokers: "Brokers",
  more: "More",
  "mutual-funds": "Mutual funds",
  settings: "Settings",
  uploads: "Uploads",
} as const;
type Page = keyof typeof PAGES;
const TABS: Page[] = ["dashboard", "signals", "holdings", "brokers", "more"];
const MORE: Page[] = ["mutual-funds", "settings", "uploads"];

function route(): { page: Page; query: URLSearchParams } {
  const [path = "", query = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  const page = (path in PAGES ? path : "dashboard") as Page;
  return { page, query: new URLSearchParams(query) };
}

function useRoute() {
  const [now, setNow] = useState(route);
  useEffect(() => {
    const changed = () => setNow(route());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return now;
}

function go(page: string) {
  window.location.hash = `#/${page}`;
}

function TabIcon({ page }: { page: Page }) {
  const paths: Partial<Record<Page, ReactNode>> = {
    dashboard: <path d="M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z" />,
    signals: <path d="M3 17l6-6 4 4 8-8v4h2V3h-8v2h4l-6 6-4-4-7 7z" />,
    holdings: <path d="M4 19h16v2H4zm2-9h3v7H6zm5-4h3v11h-3zm5 7h3v4h-3z" />,
    brokers: <path d="M4 10h16v2H4zm2 3h2v5H6zm5 0h2v5h-2zm5 0h2v5h-2zM4 19h16v2H4zM12 2l9 5H3z" />,
    more: <path d="M5 10a2 2 0 100 4 2 2 0 000-4zm7 0a2 2 0 100 4 2 2 0 000-4zm7 0a2 2 0 100 4 2 2 0 000-4z" />,
  };
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" width="22" height="22" fill="currentColor">
      {paths[page]}
    </svg>
  );
}

function PinScreen({ onOpen }: { onOpen: () => void }) {
  const [pin, setPin] = useState("");
  const [problem, setProblem] = useState<string>();
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await call<Session>("POST", "/api/session", { pin });
      onOpen();
    } catch (err) {
      const text = err instanceof Error ? err.message.replace(/^pin: /, "") : String(err);
      setProblem(text.charAt(0).toUpperCase() + text.slice(1));
      setPin("");
    }
  }
  return (
    <main className="page narrow">
      <h1 className="brand">TraderTape agent</h1>
      <Card title="Enter the PIN">
        <form className="stack" onSubmit={(e) => void submit(e)}>
          <label>
            PIN or passphrase
            <input autoFocus type="password" autoComplete="current-password" value={pin} onChange={(e) => setPin(e.target.value)} />
          </label>
          {problem && <Notice tone="bad">{problem}</Notice>}
          <button type="submit" className="primary" disabled={pin.length < 4}>
            Open
          </button>
        </form>
      </Card>
    </main>
  );
}

function Header({ data }: { data: Status | undefined }) {
  const healthy = data && data.errors.length === 0 && !data.kill_switch;
  return (
    <header className="top">
      <h1 className="brand">TraderTape agent</h1>
      {data && (
        <span className={`health ${healthy ? "ok" : "bad"}`} title={data.errors.join("\n")}>
          <span className="dot" aria-hidden="true" />
          {data.kill_switch ? "Kill switch on" : healthy ? "Running" : "Needs attention"} · {data.auto_execute ? "Auto" : "Manual"}
        </span>
      )}
    </header>
  );
}

function Shell() {
  const { page, query } = useRoute();
  const { data: status, reload } = useApi<Status>("/api/status", 10_000);
  useEffect(() => {
    changed.addEventListener("changed", reload);
    return () => changed.removeEventListener("changed", reload);
  }, [reload]);
  const waiting = status?.waiting ?? 0;
  const active: Page = MORE.includes(page) ? "more" : page;
  return (
    <>
      <Header data={status} />
      <main className="page">
        <h2 className="page-title">{PAGES[page]}</h2>
        {page === "dashboard" && <DashboardPage go={go} />}
        {page === "signals" && <SignalsPage />}
        {page === "holdings" && <HoldingsPage />}
        {page === "brokers" && <BrokersPage broker={query.get("broker")} result={query.get("login")} />}
        <Suspense fallback={<Loading />}>
          {page === "mutual-funds" && <MutualFundsPage />}
          {page === "uploads" && <UploadsPage />}
        </Suspense>
        {page === "settings" && <SettingsPage />}
        {page === "more" && (
          <Card>
            <ul className="rows">
              {MORE.map((p) => (
                <li key={p} className="row">
                  <a className="row-main nav-link" href={`#/${p}`}>
                    <strong>{PAGES[p]}</strong>
                    <span aria-hidden="true">›</span>
                  </a>
                </li>
              ))}
            </ul>
          </Card>
        )}
      </main>
      <nav className="tabs" aria-label="Pages">
        {TABS.map((p) => (
          <a key={p} href={`#/${p}`} aria-current={active === p ? "page" : undefined}>
            <TabIcon page={p} />
            <span>{PAGES[p]}</span>
            {p === "signals" && waiting > 0 && (
              <span className="badge" aria-label={`${waiting} waiting`}>
                {waiting}
              </span>
            )}
          </a>
        ))}
      </nav>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session>();
  const [problem, setProblem] = useState<string>();
  const check = () => {
    call<Session>("GET", "/api/session")
      .then(setSession)
      .catch((e: unknown) => setProblem(e instanceof Error ? e.message : String(e)));
  };
  useEffect(() => {
    check();
    const relock = () => setSession((s) => (s ? { ...s, authenticated: false } : s));
    locked.addEventListener("locked", relock);
    return () => locked.removeEventListener("locked", relock);
  }, []);
  if (problem) return <main className="page narrow"><Notice tone="bad">{problem}</Notice></main>;
  if (!session) return null;
  if (session.pin_required && !session.authenticated) return <PinScreen onOpen={check} />;
  return <Shell />;
}
