import { Alert, Button, Card, Collapse, Group, Loader, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { ApiError } from "@/api/errors";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { ConfirmButton } from "@/dashboard/ConfirmButton";
import { inr, universeName, words } from "@/format";
import { DeployForm } from "./DeployForm";
import { modeWords } from "./mode";
import { type Portfolio, portfolioAction, scanNow, useModelAction, usePortfolios } from "./modelApi";
import { PortfolioHistory } from "./PortfolioHistory";

function Actions({ p, onSelect, onMessage }: { p: Portfolio; onSelect: () => void; onMessage: (m: string, ok: boolean) => void }) {
  const pause = useModelAction(portfolioAction("pause"));
  const resume = useModelAction(portfolioAction("resume"));
  const retire = useModelAction(portfolioAction("retire"));
  const reset = useModelAction(portfolioAction("reset"));
  const scan = useModelAction(scanNow);
  const fail = (e: unknown) => onMessage(e instanceof ApiError ? e.message : String(e), false);
  if (p.status === "retired") return <Button size="xs" variant="subtle" onClick={onSelect} aria-label={`History of ${p.name}`}>History</Button>;
  return (
    <Group gap={4} wrap="nowrap">
      <Button size="xs" variant="subtle" onClick={onSelect} aria-label={`History of ${p.name}`}>History</Button>
      <Button size="xs" variant="default" loading={scan.isPending} aria-label={`Scan ${p.name} now`}
        onClick={() => scan.mutateAsync(p.id).then((r) => {
          const s = r[0];
          const guessed = s?.provisional_calendar ? " The day is past NSE's published holiday list (provisional calendar)." : "";
          onMessage(s?.skipped ? `Scan skipped: ${s.skipped}` : `Scanned ${s?.date ?? ""}: ${s?.entries.length ?? 0} entries, ${s?.exits.length ?? 0} exits.${guessed}`, true);
        }, fail)}>Scan</Button>
      {p.status === "paused" ? (
        <Button size="xs" variant="default" loading={resume.isPending} aria-label={`Resume ${p.name}`}
          onClick={() => resume.mutateAsync(p.id).catch(fail)}>Resume</Button>
      ) : (
        <Button size="xs" variant="default" loading={pause.isPending} aria-label={`Pause ${p.name}`}
          onClick={() => pause.mutateAsync(p.id).catch(fail)}>Pause</Button>
      )}
      {p.paper_mode && (
        <ConfirmButton size="xs" variant="default" label={`Reset ${p.name}`} title={`Reset ${p.name}?`} danger confirm="Reset"
          onConfirm={() => reset.mutateAsync(p.id)}
          body={<Text>Starts the paper portfolio over at {inr(p.starting_capital)}: its positions, signals and equity curve are cleared
            (now {inr(p.total_capital)}, realised {inr(p.realised_pnl)}) and its waiting GTTs cancelled.</Text>}>
          Reset
        </ConfirmButton>
      )}
      <ConfirmButton size="xs" color="red.9" variant="outline" label={`Retire ${p.name}`} title={`Retire ${p.name}?`} danger confirm="Retire"
        onConfirm={() => retire.mutateAsync(p.id)}
        body={<Text>Retiring stops it for good: pending signals expire and waiting entry GTTs are cancelled, freeing
          {" "}{inr(p.committed_capital)} committed. It is refused while positions are open ({inr(p.deployed_capital)} deployed).</Text>}>
        Retire
      </ConfirmButton>
    </Group>
  );
}

/** Model portfolios: deploy, pause, resume, retire, reset, and each one's history. */
export function Component() {
  const [status, setStatus] = useState("open");
  const list = usePortfolios(status === "retired" ? "retired" : undefined);
  const [deploying, setDeploying] = useState(false);
  const [selected, setSelected] = useState<Portfolio | null>(null);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);

  const columns: Column<Portfolio>[] = [
    { key: "name", header: "Portfolio", render: (p) => p.name, value: (p) => p.name, card: "title" },
    { key: "strategy", header: "Version", drop: 2, render: (p) => `v${p.strategy_version}`, value: (p) => p.strategy_version },
    { key: "universe", header: "Universe", render: (p) => universeName(p.universe), value: (p) => p.universe },
    { key: "mode", header: "Mode", render: (p) => modeWords(p), value: (p) => modeWords(p) },
    { key: "status", header: "Status", render: (p) => <Text size="sm" fw={p.status === "active" ? 400 : 600}>{words(p.status)}</Text>, value: (p) => p.status },
    { key: "total", header: "Total capital", numeric: true, render: (p) => <Money value={p.total_capital} />, value: (p) => p.total_capital },
    { key: "realised", header: "Realised", numeric: true, render: (p) => <Money value={p.realised_pnl} pnl />, value: (p) => p.realised_pnl },
    { key: "size", header: "Position size", numeric: true, drop: 3, render: (p) => <Money value={p.position_size} />, value: (p) => p.position_size },
    { key: "max", header: "Max pos.", numeric: true, drop: 1, render: (p) => p.max_positions, value: (p) => p.max_positions },
  ];

  return (
    <>
      <PageTitle actions={<Button onClick={() => setDeploying((d) => !d)} aria-expanded={deploying}>{deploying ? "Close the form" : "Deploy a portfolio"}</Button>}>
        Model portfolios
      </PageTitle>
      <Collapse in={deploying}>
        <Card withBorder mb="md" component="section" aria-label="Deploy">
          <Title order={2} size="h5" mb="sm">Deploy a strategy</Title>
          {deploying && <DeployForm onDeployed={(p) => { setDeploying(false); setSelected(p); setMessage({ text: `Deployed ${p.name}.`, ok: true }); }} />}
        </Card>
      </Collapse>
      {message && (
        <Alert color={message.ok ? "blue" : "red"} role={message.ok ? "status" : "alert"} mb="sm" withCloseButton
          closeButtonLabel="Dismiss" onClose={() => setMessage(null)}>{message.text}</Alert>
      )}
      <Stack gap="md">
        <SegmentedControl value={status} onChange={setStatus} aria-label="Which portfolios"
          data={[{ value: "open", label: "Active and paused" }, { value: "retired", label: "Retired" }]} style={{ alignSelf: "flex-start" }} />
        {list.isPending && <Loader aria-label="Loading portfolios" />}
        {list.isError && <Alert color="red" role="alert">{list.error.message}</Alert>}
        {list.data && (
          <DataTable caption="Model portfolios" columns={columns} rows={list.data} rowKey={(p) => p.id} csvName="portfolios" phoneCards
            empty="No portfolios here." rowActions={(p) => <Actions p={p} onSelect={() => setSelected(p)}
              onMessage={(text, ok) => setMessage({ text, ok })} />} />
        )}
        {selected && (
          <Card withBorder component="section" aria-label={`History of ${selected.name}`}>
            <Title order={2} size="h5" mb="sm">{selected.name}: history</Title>
            <PortfolioHistory portfolio={selected} />
          </Card>
        )}
      </Stack>
    </>
  );
}
