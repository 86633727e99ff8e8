// One market-watch row. Memoised and subscribed to its own symbol only, so a tick repaints
// one row (at most once per animation frame), never the list.
import { ActionIcon, Anchor, Box, Group, Table } from "@mantine/core";
import { memo, useEffect, useRef } from "react";
import { Link } from "react-router";
import { direction, instrumentLabel, pct, plain } from "@/format";
import { InstrumentName } from "@/components/InstrumentName";
import { ticks } from "@/ticks/store";
import { MarketDepth } from "./MarketDepth";
import { quoteFigures } from "./quote";
import { isFromRest, isStale, useFeed } from "./feed";
import { openTicket } from "@/components/openTicket";
import { BellIcon } from "@/components/icons";
import "./market.css";

interface Props {
  symbol: string;
  index: number;
  count: number;
  selected: boolean;
  expanded: boolean;
  onSelect: (symbol: string) => void;
  onToggle: (symbol: string) => void;
  onMove: (symbol: string, by: number) => void;
  onRemove: (symbol: string) => void;
}

/** The three live cells (on a phone, the % change under the price, as Kite's app shows it,
 * so B, S and the row's buttons fit the screen). A tick writes their text directly (once per
 * animation frame, from the tick store's batch) instead of re-rendering React: 50 rows at 2
 * ticks/s stay far below a 50 ms task even on a busy machine. */
const LiveCells = memo(function LiveCells({ symbol }: { symbol: string }) {
  const ltp = useRef<HTMLSpanElement>(null);
  const change = useRef<HTMLTableCellElement>(null);
  const changePct = useRef<HTMLTableCellElement>(null);
  const phonePct = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const store = ticks();
    const paint = () => {
      const figures = quoteFigures(store.get(symbol));
      const dir = direction(figures?.change);
      const tone = dir === "flat" ? "num" : `num mw-${dir}`;
      const texts = [
        figures ? plain(figures.ltp) : "—",
        figures?.change == null ? "—" : `${figures.change > 0 ? "+" : ""}${plain(figures.change)}`,
        pct(figures?.changePct, { signed: true }),
        pct(figures?.changePct, { signed: true }),
      ];
      [ltp, change, changePct, phonePct].forEach((cell, i) => {
        const el = cell.current;
        if (!el) return;
        if (el.textContent !== texts[i]) el.textContent = texts[i] ?? "—";
        const cls = el.className.replace(/\bnum\b|\bmw-(up|down)\b/g, "").trim();
        el.className = `${cls} ${tone}`;
      });
    };
    paint();
    return store.watch(symbol, paint);
  }, [symbol]);
  const feed = useFeed().data;
  // A quiet feed's prices are stale, unless the broker's REST quote is filling them.
  const rest = isFromRest(feed);
  const stale = isStale(feed) && !rest;
  const note = rest ? " (from the broker's REST quote)" : stale ? " (stale)" : "";
  return (
    <>
      <Table.Td className="num" aria-label={`${instrumentLabel(symbol)} last price${note}`}
        data-stale={stale || undefined} data-rest={rest || undefined}>
        <span ref={ltp} className="num">—</span>
        {(stale || rest) && <Box component="span" className="mw-stale" display="block" fz="xs">{rest ? "REST quote" : "stale"}</Box>}
        <Box component="span" ref={phonePct} className="num" hiddenFrom="sm" display="block" fz="xs">—</Box>
      </Table.Td>
      <Table.Td ref={change} className="num" visibleFrom="sm">—</Table.Td>
      <Table.Td ref={changePct} className="num" visibleFrom="sm">—</Table.Td>
    </>
  );
});

export const WatchRow = memo(function WatchRow(props: Props) {
  const { symbol, index, count, selected, expanded } = props;
  const label = instrumentLabel(symbol);
  return (
    <Table.Tr
      data-selected={selected || undefined}
      aria-current={selected ? "true" : undefined}
      onClick={() => { props.onSelect(symbol); props.onToggle(symbol); }}
      style={selected ? { background: "var(--mantine-color-default-hover)" } : undefined}
    >
      <Table.Td>
        <Anchor component={Link} to={`/market/chart/${encodeURIComponent(symbol)}`} fz="sm"
          onFocus={() => props.onSelect(symbol)}>
          <InstrumentName symbol={symbol} compact />
        </Anchor>
      </Table.Td>
      <LiveCells symbol={symbol} />
      <Table.Td>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          <ActionIcon size="sm" variant="light" color="blue" aria-label={`Buy ${label}`}
            onClick={(e) => { e.stopPropagation(); openTicket({ symbol, side: "BUY" }); }}>B</ActionIcon>
          <ActionIcon size="sm" variant="light" color="orange" aria-label={`Sell ${label}`}
            onClick={(e) => { e.stopPropagation(); openTicket({ symbol, side: "SELL" }); }}>S</ActionIcon>
          <ActionIcon size="sm" variant="subtle" visibleFrom="sm" aria-label={`Alert on ${label}`} component={Link}
            to={`/alerts?symbol=${encodeURIComponent(symbol)}`} onClick={(e) => e.stopPropagation()}><BellIcon /></ActionIcon>
          <ActionIcon size="sm" variant="subtle" aria-label={`${expanded ? "Hide" : "Show"} depth of ${label}`}
            aria-expanded={expanded} onClick={(e) => { e.stopPropagation(); props.onToggle(symbol); }}>
            {expanded ? "▾" : "▸"}
          </ActionIcon>
          <ActionIcon size="sm" variant="subtle" visibleFrom="sm" aria-label={`Move ${label} up`} disabled={index === 0}
            onClick={(e) => { e.stopPropagation(); props.onMove(symbol, -1); }}>↑</ActionIcon>
          <ActionIcon size="sm" variant="subtle" visibleFrom="sm" aria-label={`Move ${label} down`} disabled={index === count - 1}
            onClick={(e) => { e.stopPropagation(); props.onMove(symbol, 1); }}>↓</ActionIcon>
          <ActionIcon size="sm" variant="subtle" color="gray" aria-label={`Remove ${label}`}
            onClick={(e) => { e.stopPropagation(); props.onRemove(symbol); }}>×</ActionIcon>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
});

/** The row's market depth, under it across the table (`MarketDepth`). */
export const DepthRow = memo(function DepthRow({ symbol }: { symbol: string }) {
  return (
    <Table.Tr>
      <Table.Td colSpan={5} px={4}>
        <MarketDepth symbol={symbol} />
      </Table.Td>
    </Table.Tr>
  );
});
