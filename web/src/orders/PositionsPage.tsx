// Kite's positions: net or day, the live last price from the tick stream, the API's P&L,
// and an exit that opens the ticket with the opposite side and the open quantity.
import { Button, Group, Paper, SegmentedControl, Stack, Text } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { Notice } from "@/orders/Notice";
import { useEffect, useState } from "react";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { InstrumentName } from "@/components/InstrumentName";
import { instrumentName, qty } from "@/format";
import { BookFilter } from "./BookFilter";
import { DeliveryObligation } from "./DeliveryObligation";
import { LiveLtp, LivePnl, type Position, bookColumn, bookLabel, num, str, symbolOf, useBook, useBooks, usePositions, useSeveralBooks } from "./books";
import { PositionsTotals } from "./Totals";
import { useOrderTicket } from "./ticket/OrderTicketContext";
import type { Product } from "./ticket/form";

const nameOf = (r: Position) => instrumentName(str(r, "tradingsymbol"), str(r, "exchange"));

const columns: Column<Position>[] = [
  { key: "product", header: "Product", render: (r) => str(r, "product"), value: (r) => str(r, "product") },
  { key: "instrument", header: "Instrument", render: (r) => (
    <><InstrumentName symbol={str(r, "tradingsymbol")} exchange={str(r, "exchange")} /><DeliveryObligation row={r} /></>
  ), value: (r) => str(r, "tradingsymbol") },
  { key: "qty", header: "Qty.", numeric: true, render: (r) => qty(num(r, "quantity")), value: (r) => num(r, "quantity") },
  { key: "avg", header: "Avg.", numeric: true, render: (r) => <Money value={num(r, "average_price")} />, value: (r) => num(r, "average_price") },
  { key: "ltp", header: "LTP", numeric: true, render: (r) => <LiveLtp symbol={symbolOf(r)} fallback={num(r, "last_price")} />, value: (r) => num(r, "last_price") },
  { key: "pnl", header: "P&L", numeric: true, render: (r) => <LivePnl row={r} />, value: (r) => num(r, "pnl") },
  { key: "m2m", header: "M2M", numeric: true, render: (r) => <LivePnl row={r} field="m2m" />, value: (r) => num(r, "m2m") },
];

/** The phone layout: one card per position, thumb-sized exit (a wide table would scroll). */
function PositionCards({ rows, onExit, bookOf }: { rows: Position[]; onExit: (row: Position) => void; bookOf: (row: Position) => string }) {
  if (rows.length === 0) return <Text c="dimmed" ta="center" py="md">No positions.</Text>;
  return (
    <Stack gap="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Positions">
      {rows.map((r) => (
        <Paper component="li" withBorder p="sm" key={`${r.book ?? ""}:${symbolOf(r)}:${str(r, "product")}`}
          aria-label={`${nameOf(r)} ${str(r, "exchange")} ${str(r, "product")}${bookOf(r) ? `, ${bookOf(r)}` : ""}`}>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <div>
              <Text fw={600}>{nameOf(r)} <Text span size="xs" c="dimmed">{str(r, "exchange")} · {str(r, "product")}</Text></Text>
              <Text size="sm">Qty. {qty(num(r, "quantity"))} · Avg. <Money value={num(r, "average_price")} /></Text>
              <Text size="sm">LTP <LiveLtp symbol={symbolOf(r)} fallback={num(r, "last_price")} /></Text>
              {bookOf(r) && <Text size="xs" c="dimmed">{bookOf(r)}</Text>}
              <DeliveryObligation row={r} />
            </div>
            <Stack gap={6} align="flex-end">
              <Text fw={700} aria-label="P&L"><LivePnl row={r} /></Text>
              {num(r, "quantity") !== 0 && (
                <Button size="sm" variant="default" onClick={() => onExit(r)}
                  aria-label={`Exit ${nameOf(r)} ${str(r, "product")}`}>Exit</Button>
              )}
            </Stack>
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

export function Component() {
  const [view, setView] = useState<"net" | "day">("net");
  const [book] = useBook();
  const books = useBooks();
  const positions = usePositions(book);
  // a broker's account is one book (its name is above): no Book column there
  const several = useSeveralBooks(book);
  const ticket = useOrderTicket();
  useEffect(() => () => ticket.select(null), [ticket]); // B/S forget this page's row
  const rows = positions.data?.[view] ?? [];
  const phone = useMediaQuery("(max-width: 36em)");
  const exit = (r: Position) => {
    const open = num(r, "quantity");
    ticket.open({
      symbol: symbolOf(r),
      side: open > 0 ? "SELL" : "BUY",
      quantity: Math.abs(open),
      product: str(r, "product") as Product,
      orderType: "MARKET",
      // a portfolio's delivery shares are sold in its book, so the portfolio gives them up
      ...(r.book?.startsWith("portfolio:") && open > 0 && str(r, "product") === "CNC" ? { book: r.book } : {}),
    });
  };
  return (
    <>
      <PageTitle
        actions={
          <Group gap="xs" wrap="wrap">
          <BookFilter />
          <SegmentedControl aria-label="Positions view" value={view} onChange={(v) => setView(v as "net" | "day")}
            data={[{ value: "net", label: "Net" }, { value: "day", label: "Day" }]} />
          </Group>
        }
      >
        Positions
      </PageTitle>
      {positions.error && <Notice role="alert" color="red" mb="sm">{positions.error.message}</Notice>}
      {rows.length > 0 && <PositionsTotals rows={rows} />}
      {phone ? <PositionCards rows={rows} onExit={exit} bookOf={(r) => (several ? bookLabel(books.data, r.book) : "")} /> : <DataTable
        caption={`${view === "net" ? "Net" : "Day"} positions`}
        columns={several ? [bookColumn<Position>(books.data), ...columns] : columns}
        rows={rows}
        rowKey={(r) => `${r.book ?? ""}:${symbolOf(r)}:${str(r, "product")}`}
        csvName={`positions-${view}`}
        onRowSelect={(r) => ticket.select(symbolOf(r))}
        loading={positions.isPending} empty="No positions."
        rowActions={(r) =>
          num(r, "quantity") ? (
            <Button size="compact-xs" variant="default" onClick={() => exit(r)}
              aria-label={`Exit ${nameOf(r)} ${str(r, "product")}`}>
              Exit
            </Button>
          ) : null
        }
      />}
    </>
  );
}
