// The chain simulator: pick an underlying, a past day and time and an expiry; see the chain at
// that minute (the API's prices, IV and greeks, and where they came from); add legs from it;
// play the day on at 1×, 5× or 30× (or a minute at a time) with the running MTM and the payoff;
// exit legs mid-way; save what happened to the journal. Every figure is the API's.
import { Alert, Badge, Button, Group, NumberInput, Paper, ScrollArea, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { Figure } from "@/components/Figure";
import { LineChart } from "@/components/LineChart";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { inr, istTime, plain } from "@/format";
import { PayoffChart } from "@/options/PayoffChart";
import { useMarketClock } from "@/shell/deskApi";
import {
  type Frame, inSession, LAST_MINUTE, legFrom, mergeFrames, minuteClock, mtmLines, openLegsWords, type PastChain, pastMoment,
  type Session, sourceWords, SPEEDS, type Speed, stepMinutes,
} from "./simulation";

const UNDERLYINGS = ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTYNXT50"];

/** The weekday before the market's day (the server's market clock: a demo replays its own
 * day, not the wall's), as an IST date. */
function lastWeekday(marketTime?: string): string {
  const now = marketTime ? Date.parse(marketTime) : Date.now();
  const d = new Date(now + 330 * 60_000 - 86_400_000); // IST's date, a day back
  while (d.getUTCDay() === 0 || d.getUTCDay() === 6) d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function usePastChain(underlying: string, at: string, expiry: string | null, enabled: boolean) {
  return useQuery({
    queryKey: ["simulator", "chain", underlying, at, expiry],
    enabled,
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: async () =>
      unwrap(await api.GET("/api/simulator/chain", { params: { query: { underlying, at, expiry: expiry ?? undefined, window: 8 } } })),
  });
}

function ChainAtMinute({ chain, onLeg, busy }: { chain: PastChain; onLeg?: (strike: string, kind: "CE" | "PE", side: "BUY" | "SELL") => void; busy: boolean }) {
  const cell = (c: PastChain["rows"][number]["call"], kind: "CE" | "PE", strike: string) => (
    <Group gap={4} wrap="nowrap" justify={kind === "CE" ? "flex-end" : "flex-start"}>
      <Stack gap={0} align={kind === "CE" ? "flex-end" : "flex-start"}>
        <Text size="sm" className="num">{c?.ltp != null ? inr(c.ltp) : "–"}</Text>
        <Text size="xs" c="dimmed" className="num">{c?.iv != null ? `IV ${c.iv.toFixed(1)}` : "no IV"}</Text>
      </Stack>
      {onLeg && c?.ltp != null && (
        <Stack gap={2}>
          <Button size="compact-xs" color="blue.8" disabled={busy} aria-label={`Buy ${strike} ${kind}`} onClick={() => onLeg(strike, kind, "BUY")}>B</Button>
          <Button size="compact-xs" color="red.9" disabled={busy} aria-label={`Sell ${strike} ${kind}`} onClick={() => onLeg(strike, kind, "SELL")}>S</Button>
        </Stack>
      )}
    </Group>
  );
  return (
    <ScrollArea type="auto">
      <Table fz="sm" horizontalSpacing={4} aria-label="Chain at the minute" striped>
        <Table.Thead>
          <Table.Tr><Table.Th ta="right">Call</Table.Th><Table.Th ta="center">Strike</Table.Th><Table.Th>Put</Table.Th></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {chain.rows.map((r) => (
            <Table.Tr key={r.strike} fw={r.strike === chain.atm_strike ? 700 : undefined}>
              <Table.Td>{cell(r.call, "CE", r.strike)}</Table.Td>
              <Table.Td ta="center" className="num">{plain(r.strike, 0)}</Table.Td>
              <Table.Td>{cell(r.put, "PE", r.strike)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

function LegsTable({ session, onExit, busy }: { session: Session; onExit: (id: number) => void; busy: boolean }) {
  if (session.legs.length === 0) return <Text size="sm" c="dimmed">Press B or S beside a contract to enter a leg at this minute.</Text>;
  return (
    <ScrollArea type="auto">
      <Table fz="xs" horizontalSpacing={4} aria-label="Legs">
        <Table.Thead>
          <Table.Tr><Table.Th>Leg</Table.Th><Table.Th ta="right">Entry</Table.Th><Table.Th ta="right">Now</Table.Th><Table.Th ta="right">P&amp;L</Table.Th><Table.Th /></Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {session.legs.map((l) => (
            <Table.Tr key={l.id}>
              <Table.Td>
                <Badge size="xs" variant="filled" color={l.side === "BUY" ? "blue.8" : "red.9"}>{l.side === "BUY" ? "Buy" : "Sell"}</Badge>
                <Text size="xs">{plain(l.strike, 0)} {l.option_type}</Text><Text size="xs" c="dimmed">{l.lots} lot{l.lots > 1 ? "s" : ""}</Text>
              </Table.Td>
              <Table.Td ta="right"><Text size="xs" className="num">{inr(l.entry_price)}</Text><Text size="xs" c="dimmed">{istTime(l.entry_at)}</Text></Table.Td>
              <Table.Td ta="right"><Text size="xs" className="num">{inr(l.current_price)}</Text>{l.exit_at && <Text size="xs" c="dimmed">out {istTime(l.exit_at)}</Text>}</Table.Td>
              <Table.Td ta="right"><Money value={l.pnl} pnl /></Table.Td>
              <Table.Td>{l.open && <Button size="compact-xs" variant="default" disabled={busy} onClick={() => onExit(l.id)} aria-label={`Exit leg ${l.id}`}>Exit</Button>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

export function Component() {
  const [underlying, setUnderlying] = useState("NIFTY");
  const clock = useMarketClock();
  const [picked, setDay] = useState<string | null>(null);
  const day = picked ?? lastWeekday(clock.data?.market_time);
  const [time, setTime] = useState("10:00");
  const [expiry, setExpiry] = useState<string | null>(null);
  const [lots, setLots] = useState(1);
  const [session, setSession] = useState<Session | null>(null);
  const [frames, setFrames] = useState<Frame[]>([]);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<Speed>(1);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ trades: number; exited: string[] } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const stepping = useRef(false);

  const validTime = inSession(time);
  const at = session ? session.at : pastMoment(day, time);
  const chain = usePastChain(session?.underlying ?? underlying, at, session?.expiry ?? expiry, Boolean(day) && validTime);
  const chainError = chain.error instanceof ApiError ? chain.error.message : chain.error ? "The chain could not be read." : null;

  const act = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    try {
      await work();
    } catch (e) {
      setProblem(e instanceof Error ? e.message : "Something went wrong.");
      setPlaying(false);
    } finally {
      setBusy(false);
    }
  }, []);

  const start = () => act(async () => {
    const made = unwrap(await api.POST("/api/simulator/sessions", { body: { underlying, at: pastMoment(day, time), expiry: expiry ?? undefined } }));
    setSession(made);
    setFrames([]);
    setSaved(null);
    setConfirming(false);
  });

  const addLeg = (strike: string, kind: "CE" | "PE", side: "BUY" | "SELL") => act(async () => {
    if (!session) return;
    const next = unwrap(await api.POST("/api/simulator/sessions/{session_id}/legs", {
      params: { path: { session_id: session.id } }, body: legFrom(strike, kind, side, lots, session.expiry),
    }));
    setSession(next);
  });

  const exitLeg = (id: number) => act(async () => {
    if (!session) return;
    setSession(unwrap(await api.POST("/api/simulator/sessions/{session_id}/legs/{leg_id}/exit", { params: { path: { session_id: session.id, leg_id: id } } })));
  });

  const step = useCallback(async (minutes: number) => {
    if (!session || minutes < 1 || stepping.current) return;
    stepping.current = true;
    try {
      const out = unwrap(await api.POST("/api/simulator/sessions/{session_id}/step", { params: { path: { session_id: session.id } }, body: { minutes } }));
      setSession(out.session);
      setFrames((kept) => mergeFrames(kept, out.frames));
      if (out.session.minute >= LAST_MINUTE) setPlaying(false);
    } catch (e) {
      setProblem(e instanceof Error ? e.message : "The step failed.");
      setPlaying(false);
    } finally {
      stepping.current = false;
    }
  }, [session]);

  useEffect(() => {
    if (!playing || !session) return;
    const timer = window.setInterval(() => void step(stepMinutes(session.minute, speed)), 1000);
    return () => window.clearInterval(timer);
  }, [playing, session, speed, step]);

  const openWords = session ? openLegsWords(session) : null;
  // Open legs are never saved half-open: the trader says first that they exit (or settle).
  const save = (exitOpen: boolean) => act(async () => {
    if (!session) return;
    const out = unwrap(await api.POST("/api/simulator/sessions/{session_id}/journal", {
      params: { path: { session_id: session.id } }, body: { exit_open: exitOpen },
    }));
    setSession(out.session);
    setSaved({ trades: out.trades, exited: out.exited });
    setConfirming(false);
  });
  const askSave = () => (openWords ? setConfirming(true) : save(false));

  const lines = useMemo(() => mtmLines(frames), [frames]);
  const series = useMemo(() => [
    { name: "MTM", color: "#1c7ed6", points: lines.mtm },
    { name: "Net of charges", color: "#f08c00", points: lines.net, dashed: true },
  ], [lines]);
  const data = chain.data;

  return (
    <Stack gap="md">
      <PageTitle>Simulator</PageTitle>
      <Paper withBorder p="md" component="section" aria-label="Day and time">
        <Group align="end" gap="sm" wrap="wrap">
          <Select size="xs" w={140} label="Underlying" data={UNDERLYINGS} value={session?.underlying ?? underlying} disabled={Boolean(session)} allowDeselect={false}
            onChange={(v) => { setUnderlying(v ?? "NIFTY"); setExpiry(null); }} />
          <TextInput size="xs" w={150} type="date" label="Day" value={session?.date ?? day} disabled={Boolean(session)} onChange={(e) => { setDay(e.currentTarget.value); setExpiry(null); }} />
          <TextInput size="xs" w={90} label="Time (IST)" value={session ? minuteClock(session.start_minute) : time} disabled={Boolean(session)}
            error={!validTime ? "09:15 to 15:29" : undefined} onChange={(e) => setTime(e.currentTarget.value)} />
          <Select size="xs" w={140} label="Expiry" data={data?.expiries ?? []} value={session?.expiry ?? expiry ?? data?.expiry ?? null} disabled={Boolean(session)}
            onChange={setExpiry} allowDeselect={false} />
          {session
            ? <Button size="xs" variant="default" onClick={() => { setSession(null); setPlaying(false); setFrames([]); }}>New simulation</Button>
            : <Button size="xs" onClick={start} loading={busy} disabled={!validTime || !data}>Start here</Button>}
        </Group>
        {data && (
          <Group gap="xs" mt="sm">
            <Text size="sm" fw={700}>{sourceWords(data.source)}</Text>
            <Text size="xs" c="dimmed">{data.source_note}</Text>
          </Group>
        )}
      </Paper>
      {problem && <Alert color="red" role="alert">Not done: {problem}</Alert>}
      {chainError && !data && <Alert color="red" role="alert">No chain: {chainError}</Alert>}

      {session && (
        <Paper withBorder p="md" component="section" aria-label="Playback">
          <Stack gap="sm">
            <Group justify="space-between" wrap="wrap" gap="xs">
              <Title order={2} size="h4">{session.underlying} at {minuteClock(session.minute)} IST</Title>
              <Group gap="xs" wrap="wrap">
                <Button size="xs" onClick={() => setPlaying((p) => !p)} disabled={session.minute >= LAST_MINUTE}>{playing ? "Pause" : "Play"}</Button>
                <SegmentedControl size="xs" aria-label="Speed" value={String(speed)} onChange={(v) => setSpeed(Number(v) as Speed)}
                  data={SPEEDS.map((s) => ({ value: String(s), label: `${s}×` }))} />
                <Button size="xs" variant="default" disabled={playing || session.minute >= LAST_MINUTE} onClick={() => void step(1)}>Step 1 min</Button>
              </Group>
            </Group>
            <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="xs">
              <Figure label="Index">{session.spot != null ? inr(session.spot) : "–"}</Figure>
              <Figure label="MTM"><Money value={session.mtm} pnl /></Figure>
              <Figure label="Charges"><Money value={session.charges} /></Figure>
              <Figure label="Net"><Money value={session.net} pnl /></Figure>
            </SimpleGrid>
          </Stack>
        </Paper>
      )}

      {data && (
        <Paper withBorder p="md" component="section" aria-label="Chain">
          <Group justify="space-between" mb="xs" wrap="wrap">
            <Title order={2} size="h4">Chain {data.expiry} at {minuteClock(data.minute)} IST</Title>
            <Group gap="xs">
              <Text size="sm" className="num">Index {data.spot != null ? inr(data.spot) : "–"}</Text>
              {data.future && <Text size="sm" c="dimmed" className="num">Future {inr(data.future.ltp)}</Text>}
              {session && <NumberInput size="xs" w={80} label="Lots" min={1} max={100} allowDecimal={false} value={lots} onChange={(v) => setLots(Math.max(1, Number(v) || 1))} />}
            </Group>
          </Group>
          <ChainAtMinute chain={data} onLeg={session ? addLeg : undefined} busy={busy} />
        </Paper>
      )}

      {session && (
        <>
          <Paper withBorder p="md" component="section" aria-label="Your legs">
            <Group justify="space-between" mb="xs">
              <Title order={2} size="h4">Legs</Title>
              <Button size="xs" variant="default" onClick={askSave} disabled={busy || confirming || session.upload_id != null || session.legs.length === 0}>
                {session.upload_id != null ? "Saved to journal" : "Save to journal"}
              </Button>
            </Group>
            {confirming && openWords && session.upload_id == null && (
              <Alert color="yellow" c="black" mb="xs" role="region" aria-label="Open legs">
                <Text size="sm" mb="xs">{openWords} Nothing is saved half-open: the journal would hold them on an expired contract with no settlement price.</Text>
                <Group gap="xs">
                  <Button size="xs" onClick={() => save(true)} disabled={busy}>Exit open legs and save</Button>
                  <Button size="xs" variant="default" onClick={() => setConfirming(false)} disabled={busy}>Cancel</Button>
                </Group>
              </Alert>
            )}
            {saved != null && (
              <Alert color="teal" mb="xs">
                Saved {saved.trades} trades to your journal (Uploads lists it as a simulation).
                {saved.exited.map((line) => <Text key={line} size="xs">{line}</Text>)}
              </Alert>
            )}
            <LegsTable session={session} onExit={exitLeg} busy={busy} />
          </Paper>
          <Paper withBorder p="md" component="section" aria-label="Running MTM">
            <Title order={2} size="h4" mb="xs">Running MTM</Title>
            {frames.length > 0
              ? <LineChart series={series} label="MTM by minute" height={220} format={(v) => inr(v)} />
              : <Text size="sm" c="dimmed">Play or step to draw the MTM minute by minute.</Text>}
          </Paper>
          {session.payoff && (
            <Paper withBorder p="md" component="section" aria-label="Payoff">
              <Title order={2} size="h4" mb="xs">Payoff at {minuteClock(session.minute)} IST</Title>
              <PayoffChart payoff={session.payoff} label="Payoff of the open legs" />
            </Paper>
          )}
        </>
      )}
    </Stack>
  );
}
