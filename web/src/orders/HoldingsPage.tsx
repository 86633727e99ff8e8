// Kite's holdings: quantities (T+1 apart), average cost, the live last price, and the API's
// P&L and day change, under Kite's summary of them.

import { Notice } from "./Notice";
import { useOrderTicket } from "./ticket/OrderTicketContext";
import { useEffect } from "react";
import { type Column, DataTable } from "@/components/DataTable";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { InstrumentName } from "@/components/InstrumentName";
import { qty } from "@/format";
import { BookFilter } from "./BookFilter";
import { SharesOwed } from "./DeliveryObligation";
import { HoldingsTotals } from "./Totals";
import { held } from "./totals";
import { LiveHoldingDayPct, LiveHoldingPnl, LiveLtp, type Holding, bookColumn, num, str, symbolOf, useBook, useBooks, useHoldings, useSeveralBooks } from "./books";

const columns: Column<Holding>[] = [
  { key: "instrument", header: "Instrument", card: "title", render: (r) => <><InstrumentName symbol={str(r, "tradingsymbol")} exchange={str(r, "exchange")} /><SharesOwed row={r} /></>, value: (r) => str(r, "tradingsymbol") },
  // settled and T1, as Kite's app counts them: the units the row's P&L is on (a phone card
  // without the T1 column showed Qty. 10 beside a P&L of 12)
  { key: "qty", header: "Qty.", numeric: true, render: (r) => qty(held(r)), value: (r) => held(r) },
  { key: "t1", header: "T1 qty.", numeric: true, drop: 2, render: (r) => qty(num(r, "t1_quantity")), value: (r) => num(r, "t1_quantity") },
  { key: "avg", header: "Avg. cost", numeric: true, render: (r) => <Money value={num(r, "average_price")} />, value: (r) => num(r, "average_price") },
  { key: "ltp", header: "LTP", numeric: true, render: (r) => <LiveLtp symbol={symbolOf(r)} fallback={num(r, "last_price")} />, value: (r) => num(r, "last_price") },
  { key: "pnl", header: "P&L", numeric: true, card: "aside", render: (r) => <LiveHoldingPnl row={r} />, value: (r) => num(r, "pnl") },
  { key: "day", header: "Day chg.", numeric: true, drop: 3, render: (r) => <LiveHoldingPnl row={r} day />, value: (r) => num(r, "day_change") },
  { key: "day_pct", header: "Day chg. %", numeric: true, render: (r) => <LiveHoldingDayPct row={r} />, value: (r) => num(r, "day_change_percentage") },
];

export function Component() {
  const [book] = useBook();
  const books = useBooks();
  const holdings = useHoldings(book);
  const several = useSeveralBooks(book);
  const ticket = useOrderTicket();
  useEffect(() => () => ticket.select(null), [ticket]); // B/S forget this page's row
  return (
    <>
      <PageTitle actions={<BookFilter />}>Holdings</PageTitle>
      {holdings.error && <Notice role="alert" color="red" mb="sm">{holdings.error.message}</Notice>}
      {(holdings.data?.length ?? 0) > 0 && <HoldingsTotals rows={holdings.data ?? []} />}
      <DataTable caption="Holdings" columns={several ? [bookColumn<Holding>(books.data), ...columns] : columns}
        rows={holdings.data ?? []} rowKey={(r) => `${r.book ?? ""}:${symbolOf(r)}`}
        csvName="holdings" phoneCards onRowSelect={(r) => ticket.select(symbolOf(r))} loading={holdings.isPending} empty="No holdings." initialSort={{ key: "instrument" }} />
    </>
  );
}
