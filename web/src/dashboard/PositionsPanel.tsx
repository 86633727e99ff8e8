import { Card, Group, Stack, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { inr, instrumentLabel, qty, words } from "@/format";
import { closePosition, type Position, useModelAction } from "@/portfolios/modelApi";
import { ConfirmButton } from "./ConfirmButton";
import { exitWorkingWords } from "./exitWorking";
import { LiveLtp } from "./LiveLtp";
import { markedPnl } from "./livePnl";
import { useTick } from "@/ticks/useTick";


function CloseButton({ position }: { position: Position }) {
  const close = useModelAction(closePosition);
  return (
    <ConfirmButton size="xs" variant="default" label={`Close ${instrumentLabel(position.symbol)}`}
      title={`Close ${instrumentLabel(position.symbol)} now?`} confirm="Sell to close" danger
      onConfirm={() => close.mutateAsync(position.id)}
      body={
        <Text>
          Sells all {qty(position.quantity)} shares of {instrumentLabel(position.symbol)} (bought at{" "}
          {inr(position.entry_price)}; last {inr(position.last_price)}) at the market now, as a manual exit.
        </Text>
      }>
      Close
    </ConfirmButton>
  );
}

/** The row's P&L at the LTP the row shows (the same tick), else the API's. */
function LivePositionPnl({ position }: { position: Position }) {
  const tick = useTick(position.symbol, "ltp");
  return <Money value={markedPnl(position, tick?.ltp)} pnl />;
}

/** The row's sale working in the book, in words (null: none). */
function ExitNote({ position }: { position: Position }) {
  if (!position.exit_working) return null;
  return <Text size="xs" c="orange.9" data-testid="exit-working">{exitWorkingWords(position.exit_working)}</Text>;
}

/** Close while nothing sells the row; while a sale works, what it has sold (no second sale). */
function RowAction({ position }: { position: Position }) {
  if (position.exit_working) return <Text size="xs">Exit working</Text>;
  return position.status === "open" ? <CloseButton position={position} /> : <Text size="xs">{words(position.status)}</Text>;
}

const columns: Column<Position>[] = [
  { key: "symbol", header: "Symbol", render: (p) => <>{instrumentLabel(p.symbol)}<ExitNote position={p} /></>, value: (p) => p.symbol },
  { key: "qty", header: "Qty", numeric: true, render: (p) => qty(p.quantity), value: (p) => p.quantity },
  { key: "avg", header: "Avg", numeric: true, render: (p) => <Money value={p.entry_price} />, value: (p) => p.entry_price },
  { key: "ltp", header: "LTP", numeric: true, render: (p) => <LiveLtp symbol={p.symbol} fallback={p.last_price} />, value: (p) => p.last_price },
  { key: "pnl", header: "P&L", numeric: true, render: (p) => <LivePositionPnl position={p} />, value: (p) => p.unrealised_pnl },
  { key: "stop", header: "Stop", numeric: true, drop: 2, render: (p) => <Money value={p.stop_price} />, value: (p) => p.stop_price },
  { key: "sector", header: "Sector", drop: 1, render: (p) => p.sector ?? "—", value: (p) => p.sector },
];

/** Open positions: the API's average, the live LTP from the tick stream and the P&L at that
 *  LTP (as Holdings marks its rows); close one. A row whose sale works in the book says how
 *  much is sold (the portfolio books it when the order ends) and offers no second Close. */
export function PositionsPanel({ positions, name }: { positions: Position[]; name: string }) {
  const phone = useMediaQuery("(max-width: 48em)");
  if (phone) {
    if (positions.length === 0) return <Text c="dimmed" size="sm">No open positions.</Text>;
    return (
      <Stack gap="xs" role="list" aria-label={`Open positions of ${name}`}>
        {positions.map((p) => (
          <Card key={p.id} withBorder padding="xs" role="listitem" aria-label={instrumentLabel(p.symbol)}>
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Text fw={600}>{instrumentLabel(p.symbol)}</Text>
                <Text size="xs" c="dimmed">{qty(p.quantity)} @ {inr(p.entry_price)} · LTP <LiveLtp symbol={p.symbol} fallback={p.last_price} /></Text>
                <ExitNote position={p} />
              </div>
              <Group gap="xs" wrap="nowrap">
                <Text size="sm" fw={600}><LivePositionPnl position={p} /></Text>
                {p.status === "open" && !p.exit_working && <CloseButton position={p} />}
              </Group>
            </Group>
          </Card>
        ))}
      </Stack>
    );
  }
  return (
    <DataTable caption={`Open positions of ${name}`} columns={columns} rows={positions} rowKey={(p) => p.id}
      csvName="positions" empty="No open positions."
      rowActions={(p) => <RowAction position={p} />} />
  );
}
