// Market watch: the user's saved watchlists with live prices over the app's one tick socket.
// ↑/↓ move the selection, B/S open the order ticket for the selected row (as on Kite).
import { Alert, Box, Button, Group, Paper, ScrollArea, Stack, Table, Text, TextInput, UnstyledButton } from "@mantine/core";
import { type KeyboardEvent, useCallback, useEffect, useState } from "react";
import { PageLoader } from "@/components/PageLoader";
import { PageTitle } from "@/components/PageTitle";
import { InstrumentName } from "@/components/InstrumentName";
import { instrumentLabel } from "@/format";
import { withAdded, withMoved, withRemoved } from "./reorder";
import { openTicket, selectForTicket } from "@/components/openTicket";
import { useCreateList, useInstrumentSearch, useSetItems, useWatchlists } from "./useWatchlists";
import { DepthRow, WatchRow } from "./WatchRow";
import { feedNotice, isFromRest, useFeed } from "./feed";
import { FeedBadge } from "./FeedBadge";

function AddInstrument({ onAdd, present }: { onAdd: (symbol: string) => void; present: string[] }) {
  const [q, setQ] = useState("");
  const found = useInstrumentSearch(q);
  return (
    <Stack gap={4}>
      <TextInput label="Add instrument" placeholder="Search, e.g. INFY" value={q}
        onChange={(e) => setQ(e.currentTarget.value)} />
      {q.trim() && found.data && (
        <Paper withBorder p={4} role="list" aria-label="Search results">
          {found.data.length === 0 && <Text size="sm" c="dimmed" p={4}>No instrument matches.</Text>}
          {found.data.map((i) => (
            <div role="listitem" key={i.key}>
              <UnstyledButton w="100%" p={4} disabled={present.includes(i.key)}
                aria-label={`Add ${instrumentLabel(i.key)}`}
                onClick={() => { onAdd(i.key); setQ(""); }}>
                <Text size="sm"><b><InstrumentName symbol={i.key} /></b> · {i.name}{present.includes(i.key) ? " (in list)" : ""}</Text>
              </UnstyledButton>
            </div>
          ))}
        </Paper>
      )}
    </Stack>
  );
}

function NewList({ onDone }: { onDone: (id: number) => void }) {
  const [name, setName] = useState("");
  const create = useCreateList();
  return (
    <form onSubmit={(e) => { e.preventDefault(); create.mutate(name, { onSuccess: (l) => { setName(""); onDone(l.id); } }); }}>
      <Group align="flex-end" gap="xs">
        <TextInput size="xs" label="New list" value={name} onChange={(e) => setName(e.currentTarget.value)}
          error={create.error?.message} />
        <Button size="xs" type="submit" variant="default" disabled={!name.trim()} loading={create.isPending}>Create</Button>
      </Group>
    </form>
  );
}

export function Component() {
  const lists = useWatchlists();
  const setItems = useSetItems();
  const feedState = useFeed().data;
  const feed = feedNotice(feedState);
  const [activeId, setActiveId] = useState<number | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<string | null>(null);
  const all = lists.data ?? [];
  const active = all.find((l) => l.id === activeId) ?? all[0];
  const items = active?.items ?? [];

  useEffect(() => {
    if (selected && !items.includes(selected)) setSelected(null);
  }, [items, selected]);
  // B / S open the ticket for the selected row wherever the focus is (the ticket's own keys)
  useEffect(() => {
    selectForTicket(selected);
  }, [selected]);
  useEffect(() => () => selectForTicket(null), []);

  const mutate = setItems.mutate;
  const activeListId = active?.id;
  const save = useCallback((next: string[]) => {
    if (activeListId !== undefined) mutate({ id: activeListId, items: next });
  }, [activeListId, mutate]);
  const onMove = useCallback((s: string, by: number) => save(withMoved(items, s, by)), [items, save]);
  const onRemove = useCallback((s: string) => save(withRemoved(items, s)), [items, save]);
  const onToggle = useCallback((s: string) => setExpanded((e) => (e === s ? null : s)), []);

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.tagName === "INPUT" || e.ctrlKey || e.metaKey || e.altKey) return;
    const at = selected ? items.indexOf(selected) : -1;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
      if (next) setSelected(next);
    } else if ((e.key === "d" || e.key === "D") && selected) {
      e.preventDefault();
      onToggle(selected);
    } else if ((e.key === "b" || e.key === "B" || e.key === "s" || e.key === "S") && selected) {
      e.preventDefault();
      openTicket({ symbol: selected, side: e.key.toLowerCase() === "b" ? "BUY" : "SELL" });
    }
  };

  if (lists.isPending) return <PageLoader />;
  if (lists.error) return <Alert color="red" title="Could not load your watchlists">{lists.error.message}</Alert>;

  return (
    <>
      {/* the top bar's badge folds away on a phone (below 62em): a quiet feed is said here */}
      <PageTitle actions={<Box hiddenFrom="md"><FeedBadge quietOnly /></Box>}>Market watch</PageTitle>
      <Group gap="xs" role="group" aria-label="Watchlists">
        {all.map((l) => (
          <Button key={l.id} size="xs" variant={l.id === active?.id ? "filled" : "default"}
            aria-pressed={l.id === active?.id} onClick={() => setActiveId(l.id)}>{l.name}</Button>
        ))}
      </Group>
      <Group align="flex-start" mt="sm" gap="md" wrap="wrap">
        <div style={{ flex: "1 1 240px", maxWidth: 360 }}>
          <AddInstrument present={items} onAdd={(s) => save(withAdded(items, s))} />
        </div>
        <NewList onDone={setActiveId} />
      </Group>
      {setItems.error && <Alert color="red" mt="sm">{setItems.error.message}</Alert>}
      {feed && <Alert color="orange" c="black" mt="sm" title={isFromRest(feedState) ? "Prices from the broker's REST quote" : "Prices are stale"}>{feed}</Alert>}
      <Text size="xs" c="dimmed" mt="sm" visibleFrom="sm">Click a row for its market depth (or select it and press D); B to buy, S to sell; ↑/↓ move the selection.</Text>
      <ScrollArea type="auto" mt={4} onKeyDown={onKeyDown}>
        <Table highlightOnHover verticalSpacing={4} horizontalSpacing="xs" fz="sm" aria-label={`Watchlist ${active?.name ?? ""}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Instrument</Table.Th>
              <Table.Th className="num">LTP</Table.Th>
              <Table.Th className="num" visibleFrom="sm">Change</Table.Th>
              <Table.Th className="num" visibleFrom="sm">% Change</Table.Th>
              <Table.Th><span className="visually-hidden">Actions</span></Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.length === 0 && (
              <Table.Tr><Table.Td colSpan={5}><Text c="dimmed" ta="center" py="md">This list is empty: add an instrument above.</Text></Table.Td></Table.Tr>
            )}
            {items.map((symbol, index) => (
              <RowWithDepth key={symbol} symbol={symbol} index={index} count={items.length}
                selected={selected === symbol} expanded={expanded === symbol}
                onSelect={setSelected} onToggle={onToggle} onMove={onMove} onRemove={onRemove} />
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </>
  );
}

function RowWithDepth(props: Parameters<typeof WatchRow>[0]) {
  return (
    <>
      <WatchRow {...props} />
      {props.expanded && <DepthRow symbol={props.symbol} />}
    </>
  );
}
