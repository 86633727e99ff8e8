// The pages that talk to the cloud's files, loaded when first opened: Mutual funds (the CAS
// funds the cloud values) and Uploads (a tradebook or ledger, scaled here when obfuscation is
// on, forwarded with the agent's key; the cloud's report beside the real figures).
import { Fragment, useState, type FormEvent } from "react";
import { inr, istDate, istDateTime, pct, plain, qty, words } from "@format";
import { call, useApi, type MutualFunds, type UploadColumn, type UploadDone, type UploadKind, type Uploads } from "./api";
import { Card, Figure, Loading, Notice, Pnl } from "./ui";

// -- Mutual funds ---------------------------------------------------------------------------

export function MutualFundsPage() {
  const { data, error, reload } = useApi<MutualFunds>("/api/mutual-funds", 60_000);
  if (!data) return <Loading error={error} reload={reload} />;
  if (!data.available)
    return (
      <Notice tone="warn">
        The cloud did not answer: {data.problem ?? "try again in a moment"}{" "}
        <button type="button" className="link" onClick={reload}>
          Try again
        </button>
      </Notice>
    );
  const gain = data.total_value !== undefined && data.total_invested !== undefined ? Number(data.total_value) - Number(data.total_invested) : null;
  return (
    <>
      {(data.warnings ?? []).map((w) => (
        <Notice key={w} tone="warn">
          {w}
        </Notice>
      ))}
      {data.funds.length === 0 ? (
        <Card>
          <p className="muted">
            None yet. Mutual funds appear here once a CAS statement (CAMS, KFintech, NSDL or CDSL) is uploaded in the TraderTape web
            app (Wealth). A CAS is a PDF the agent cannot scale, so it is not sent from here.
          </p>
        </Card>
      ) : (
        <>
          <Card title="All funds">
            <div className="hero">
              <span className="label">Current value</span>
              <span className="big">{inr(data.total_value)}</span>
              {data.as_of && <span className="muted small">valued {istDate(data.as_of)}</span>}
            </div>
            <div className="figures">
              <Figure label="Invested">{inr(data.total_invested)}</Figure>
              <Figure label="Gain">
                <Pnl value={gain} />
              </Figure>
              <Figure label="XIRR">{data.funds_xirr ? pct(Number(data.funds_xirr) * 100) : "Not known"}</Figure>
              <Figure label="Schemes">{qty(data.funds.length)}</Figure>
            </div>
          </Card>
          <Card title="Schemes">
            <ul className="rows">
              {data.funds.map((f) => (
                <li key={`${f.folio ?? ""}:${f.isin ?? f.scheme}`} className="row">
                  <div className="row-main">
                    <strong>{f.scheme}</strong>
                    <span className="num">{inr(f.value)}</span>
                  </div>
                  <div className="row-main small">
                    <span className="muted">
                      {plain(f.units, 3)} units · NAV {plain(f.nav, 4)}
                      {f.nav_date && <> ({istDate(f.nav_date)})</>}
                    </span>
                    <Pnl value={f.gain} />
                  </div>
                  <div className="muted small">
                    Folio {f.folio ?? "not given"} · invested {inr(f.invested)}
                    {f.xirr && <> · XIRR {pct(Number(f.xirr) * 100)}</>}
                  </div>
                </li>
              ))}
            </ul>
          </Card>
        </>
      )}
    </>
  );
}

// -- Uploads ---------------------------------------------------------------------------------

const KIND_WORDS: Record<UploadKind, string> = { tradebook: "Tradebook", ledger: "Ledger" };

async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return window.btoa(text);
}

function sentTotal(c: UploadColumn, scaled: boolean): string {
  const shares = (v: string) => (Number.isInteger(Number(v)) ? qty(v) : plain(v, 3));
  const show = (v: string) => (c.measure === "quantity" ? shares(v) : inr(v));
  return scaled ? `${show(c.real_total)} (the cloud sees ${show(c.sent_total)})` : show(c.real_total);
}

function UploadResult({ done }: { done: UploadDone }) {
  const { report, sent } = done;
  const ok = report.status === "imported";
  const totals = sent.columns.filter((c) => c.measure !== "price");
  return (
    <Card title={sent.filename} aside={<span className={`chip ${ok ? "imported" : "rejected"}`}>{ok ? "Imported" : "Rejected"}</span>}>
      <p className="small">
        {KIND_WORDS[sent.kind]} sent {istDateTime(done.at)}, {sent.scaled ? "scaled by your factor" : "as it is (obfuscation is off)"}.
      </p>
      <dl className="facts">
        <dt>Rows read</dt>
        <dd>{qty(report.rows_read)}</dd>
        <dt>Added</dt>
        <dd>{qty(report.rows_added)}</dd>
        <dt>Already there</dt>
        <dd>{qty(report.duplicates)}</dd>
        <dt>Skipped</dt>
        <dd>{qty(report.skipped)}</dd>
        {report.account_code && (
          <>
            <dt>Account</dt>
            <dd>{report.account_code}</dd>
          </>
        )}
        {totals.map((c) => (
          <Fragment key={c.name}>
            <dt>{c.measure === "balance" ? `Closing ${words(c.name).toLowerCase()}` : words(c.name)}</dt>
            <dd>{sentTotal(c, sent.scaled)}</dd>
          </Fragment>
        ))}
      </dl>
      {report.errors.length > 0 && (
        <ul className="rows compact">
          {report.errors.slice(0, 10).map((e) => (
            <li key={`${e.row}:${e.reason}`} className="small">
              Row {e.row}: {e.reason}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function UploadsPage() {
  const { data, error, reload, set } = useApi<Uploads>("/api/uploads", 30_000);
  const [kind, setKind] = useState<UploadKind>("tradebook");
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  if (!data) return <Loading error={error} reload={reload} />;

  async function send(e: FormEvent) {
    e.preventDefault();
    if (!file || !data) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const done = await call<UploadDone>("POST", "/api/uploads", { kind, filename: file.name, content_base64: await base64Of(file) });
      set({ ...data, uploads: [done, ...data.uploads] });
      setFile(null);
      (e.target as HTMLFormElement).reset();
    } catch (err) {
      setProblem(err instanceof Error ? err.message.replace(/^file: /, "") : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Card title="Send a tradebook or ledger">
        {data.obfuscate === null ? (
          <Notice tone="warn">The agent has not polled the cloud yet; it learns there whether to scale. Try again in a moment.</Notice>
        ) : data.obfuscate ? (
          <Notice tone="good">
            Obfuscation is on: quantities, prices and amounts are multiplied by your secret factor before the file leaves this machine. The
            cloud stores scaled figures; this page shows you the real ones.
          </Notice>
        ) : (
          <Notice>Obfuscation is off (TraderTape Settings → Trading agent): the file reaches the cloud as it is.</Notice>
        )}
        <form className="stack" onSubmit={(e) => void send(e)}>
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value as UploadKind)}>
              {data.kinds.map((k) => (
                <option key={k} value={k}>
                  {KIND_WORDS[k]}
                </option>
              ))}
            </select>
          </label>
          <label>
            File (XLSX or CSV: Zerodha Console, Upstox, Groww)
            <input type="file" accept=".xlsx,.csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </label>
          {problem && <Notice tone="bad">{problem}</Notice>}
          <button type="submit" className="primary" disabled={!file || busy || data.obfuscate === null}>
            {busy ? "Sending…" : "Send to TraderTape"}
          </button>
        </form>
        <p className="muted small">
          Holdings a tradebook leaves are counted in reconciliation, so shares bought before TraderTape stop showing as drift.
        </p>
      </Card>
      {data.uploads.map((u) => (
        <UploadResult key={`${u.at}:${u.sent.filename}`} done={u} />
      ))}
    </>
  );
}
