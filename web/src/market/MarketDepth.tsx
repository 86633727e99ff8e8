// Market depth as Kite shows it when a market-watch row is opened: five bids and five offers,
// each with its orders and quantity, the totals, and the day's figures under them. Live from
// the tick socket in full mode; the REST quote (the same last tick) until the first tick.
import { Box, Group, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { memo } from "react";
import { api } from "@/api/client";
import { unwrap } from "@/api/errors";
import { instrumentLabel, istTime, plain, qty } from "@/format";
import { useTick } from "@/ticks/useTick";
import { type DepthQuote, depthRows, fromRest } from "./quote";

/** "Orders", shortened on a phone so both sides fit in 390 px. */
function OrdersHeading() {
  return (
    <Table.Th className="num" aria-label="Orders">
      <Box component="span" visibleFrom="sm">Orders</Box>
      <Box component="span" hiddenFrom="sm">Ord.</Box>
    </Table.Th>
  );
}

/** The book and the day's figures of one quote (a tick or the REST quote). */
export function DepthTable({ symbol, quote }: { symbol: string; quote: DepthQuote | undefined }) {
  const book = depthRows(quote);
  const cell = (value: number | undefined, show: (v: number) => string) => (value === undefined ? "—" : show(value));
  const ohlc = quote?.ohlc;
  const figures: [string, string][] = [
    ["Open", ohlc ? plain(ohlc.open) : "—"],
    ["High", ohlc ? plain(ohlc.high) : "—"],
    ["Low", ohlc ? plain(ohlc.low) : "—"],
    ["Prev. close", ohlc ? plain(ohlc.close) : "—"],
    ["Volume", typeof quote?.volume === "number" ? qty(quote.volume) : "—"],
    ["LTQ", typeof quote?.last_quantity === "number" ? qty(quote.last_quantity) : "—"],
  ];
  return (
    <div className="mw-depth">
      <Table fz="xs" withRowBorders={false} horizontalSpacing={3} verticalSpacing={2} aria-label={`Market depth of ${instrumentLabel(symbol)}`}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th className="num">Bid</Table.Th>
            <OrdersHeading />
            <Table.Th className="num">Qty.</Table.Th>
            <Table.Th className="num">Offer</Table.Th>
            <OrdersHeading />
            <Table.Th className="num">Qty.</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {book.levels.map((l, i) => (
            <Table.Tr key={i}>
              <Table.Td className="num mw-bid">{cell(l.bid?.price, plain)}</Table.Td>
              <Table.Td className="num mw-bid">{cell(l.bid?.orders, qty)}</Table.Td>
              <Table.Td className="num mw-bid">{cell(l.bid?.quantity, qty)}</Table.Td>
              <Table.Td className="num mw-offer">{cell(l.offer?.price, plain)}</Table.Td>
              <Table.Td className="num mw-offer">{cell(l.offer?.orders, qty)}</Table.Td>
              <Table.Td className="num mw-offer">{cell(l.offer?.quantity, qty)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
        <Table.Tfoot>
          <Table.Tr>
            <Table.Th>Total</Table.Th>
            <Table.Td />
            <Table.Td className="num mw-bid" aria-label="Total bid quantity">{qty(book.totalBid)}</Table.Td>
            <Table.Th>Total</Table.Th>
            <Table.Td />
            <Table.Td className="num mw-offer" aria-label="Total offer quantity">{qty(book.totalOffer)}</Table.Td>
          </Table.Tr>
        </Table.Tfoot>
      </Table>
      <Group gap="md" mt={4} wrap="wrap" aria-label={`Day of ${symbol}`}>
        {figures.map(([label, value]) => (
          <Text key={label} size="xs" c="dimmed">{label} <b className="num">{value}</b></Text>
        ))}
        {typeof quote?.timestamp === "string" && <Text size="xs" c="dimmed">as of {istTime(quote.timestamp)} IST</Text>}
        {fromRest(quote) && <Text size="xs" className="mw-stale" fw={600}>from the broker's REST quote (the feed is quiet)</Text>}
      </Group>
    </div>
  );
}

/** The depth of `symbol`: subscribed in full mode while shown. */
export const MarketDepth = memo(function MarketDepth({ symbol }: { symbol: string }) {
  const tick = useTick(symbol, "full");
  const rest = useQuery({
    queryKey: ["market", "quote", symbol],
    enabled: !tick?.depth,
    queryFn: async () => unwrap(await api.GET("/api/market/quote", { params: { query: { i: [symbol] } } })),
  });
  const quote: DepthQuote | undefined = tick?.depth ? tick : Object.values(rest.data?.quotes ?? {})[0];
  if (!quote && rest.data) return <Text size="xs" c="dimmed" p={4}>No prices yet for {symbol}: the market has not printed it.</Text>;
  return <DepthTable symbol={symbol} quote={quote} />;
});
