// Kite's funds: available margin as a sum (opening balance + pay-in − the debits listed +
// today's credits), cash and M2M, as the API's margins say; paper money can be added (confirmed with the amount and the cash now).
import { Button, Group, Modal, Paper, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { Notice } from "@/orders/Notice";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, unwrap } from "@/api/errors";
import { refreshAccount } from "@/api/refresh";
import { Money } from "@/components/Money";
import { PageTitle } from "@/components/PageTitle";
import { inr } from "@/format";
import { BookFilter } from "./BookFilter";
import { EVERY_BOOK, type BookSummary, type MarginAvailable, type MarginUtilised, type NumberKey, num, useBook, useBooks, useMargins } from "./books";

const AVAILABLE: [NumberKey<MarginAvailable>, string][] = [
  ["cash", "Cash now"],
  ["collateral", "Collateral (pledged)"],
  ["adhoc_margin", "Adhoc margin"],
];
const UTILISED: [NumberKey<MarginUtilised>, string, "pnl"?][] = [
  ["payout", "Payout"],
  ["m2m_realised", "Realised M2M today", "pnl"],
  ["m2m_unrealised", "Unrealised M2M today", "pnl"],
];
/** The debits Kite lists under used margin; they add up to it to the paisa. */
const DEBITS: [NumberKey<MarginUtilised>, string][] = [
  ["var", "Equity intraday (VaR)"],
  ["span", "SPAN"],
  ["exposure", "Exposure"],
  ["option_premium", "Options premium"],
  ["delivery", "Delivery"],
];

/** Available margin as a sum, as Kite's Funds page reads: opening balance + pay-in − used
 * margin (its debits listed) + today's credits = available. Every row is the API's own
 * figure to the paisa, so the column adds up on screen. */
function FundsSum({ available, utilised, net }: { available: MarginAvailable; utilised: MarginUtilised; net: number }) {
  const row = (sign: string, name: string, value: number, strong = false, part = false) => (
    <Table.Tr key={name} fw={strong ? 700 : undefined}
      style={strong ? { borderTop: "2px solid var(--mantine-color-default-border)" } : undefined}>
      <Table.Th scope="row" fw="inherit" pl={part ? "xl" : undefined}>
        <Text span c={part ? "dimmed" : undefined} size="sm">{sign && <Text span ff="monospace">{sign} </Text>}{name}</Text>
      </Table.Th>
      <Table.Td className="num">{part ? <Text span c="dimmed" size="sm"><Money value={value} /></Text> : <Money value={value} />}</Table.Td>
    </Table.Tr>
  );
  return (
    <Table fz="sm" aria-label="Funds sum" mb="md">
      <Table.Tbody>
        {row("", "Opening balance", num(available, "opening_balance"))}
        {row("+", "Pay-in today", num(available, "intraday_payin"))}
        {row("−", "Used margin", num(utilised, "debits"))}
        {DEBITS.map(([key, name]) => row("", name, num(utilised, key), false, true))}
        {row("+", "Credits today", num(available, "credits"))}
        {row("=", "Available margin", net, true)}
      </Table.Tbody>
    </Table>
  );
}

/** Label and amount rows; a row marked "pnl" is a profit or loss (signed, in colour). */
function Figures<T extends object>({ rows, data, label }: { rows: [NumberKey<T>, string, "pnl"?][]; data: T; label: string }) {
  return (
    <Table fz="sm" aria-label={label}>
      <Table.Tbody>
        {rows.map(([key, name, kind]) => (
          <Table.Tr key={key}>
            <Table.Th scope="row" fw={400}>{name}</Table.Th>
            <Table.Td className="num"><Money value={num(data, key)} pnl={kind === "pnl"} /></Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function AddFunds({ cash, onClose }: { cash: number; onClose: () => void }) {
  const client = useQueryClient();
  const [amount, setAmount] = useState("");
  const [confirming, setConfirming] = useState(false);
  const add = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/portfolio/funds", { body: { amount: amount.trim() } })),
    onSuccess: () => {
      void refreshAccount(client);
      onClose();
    },
    onError: () => setConfirming(false),
  });
  const fieldError = add.error instanceof ApiError ? add.error.fields.amount : undefined;
  return (
    <Modal closeButtonProps={{ "aria-label": "Close dialog" }} opened onClose={onClose} title="Add paper funds">
      <form onSubmit={(e) => { e.preventDefault(); if (confirming) add.mutate(); else setConfirming(true); }}>
        <Stack gap="sm">
          <TextInput label="Amount (₹)" inputMode="decimal" value={amount} autoComplete="off"
            onChange={(e) => { setAmount(e.currentTarget.value); setConfirming(false); }}
            error={fieldError} readOnly={confirming} data-autofocus />
          {add.error && !fieldError && <Notice role="alert" color="red">{add.error.message}</Notice>}
          {confirming && (
            <Text size="sm">
              Add <b>{inr(amount)}</b> to the paper account? Cash now: {inr(cash)}.
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={confirming ? () => setConfirming(false) : onClose}>
              {confirming ? "Back" : "Cancel"}
            </Button>
            <Button type="submit" loading={add.isPending} disabled={amount.trim() === ""}>
              {confirming ? `Add ${inr(amount)}` : "Continue"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const BOOK_FIGURES = [
  ["cash", "Cash"], ["opening_balance", "Opening balance"], ["positions_value", "Positions value"],
  ["realised_today", "Realised today"], ["unrealised", "Unrealised (vs average cost)"],
] as const;

/** Each book's money, then "All books" (their sum, which is the account); on a phone, one
 * card a book (five figures do not fit across). */
function BooksTable({ books, selected }: { books: BookSummary[]; selected: string }) {
  const phone = useMediaQuery("(max-width: 36em)") ?? false;
  const figure = (b: BookSummary, key: (typeof BOOK_FIGURES)[number][0]) =>
    <Money value={Number(b[key])} pnl={key === "realised_today" || key === "unrealised"} />;
  return (
    <Paper withBorder p="md" maw={960} mt="md">
      <Title order={2} size="h4" mb="sm">Books</Title>
      {phone ? (
        <Stack gap="xs" component="ul" aria-label="Books" style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {books.map((b) => (
            <Paper component="li" withBorder p="xs" key={b.book} aria-label={b.label}>
              <Text fw={700} size="sm" mb={4}>{b.label}</Text>
              <SimpleGrid cols={2} spacing="xs" verticalSpacing={2}>
                {BOOK_FIGURES.map(([key, name]) => (
                  <div key={key}>
                    <Text size="xs" c="dimmed">{name}</Text>
                    <Text size="sm" fw={b.book === EVERY_BOOK || b.book === selected ? 700 : undefined}>{figure(b, key)}</Text>
                  </div>
                ))}
              </SimpleGrid>
            </Paper>
          ))}
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table fz="sm" aria-label="Books" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Book</Table.Th>
                {BOOK_FIGURES.map(([key, name]) => <Table.Th key={key} className="num">{name}</Table.Th>)}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {books.map((b) => (
                <Table.Tr key={b.book} fw={b.book === EVERY_BOOK || b.book === selected ? 700 : undefined}
                  style={b.book === EVERY_BOOK ? { borderTop: "2px solid var(--mantine-color-default-border)" } : undefined}>
                  <Table.Th scope="row" fw="inherit">{b.label}</Table.Th>
                  {BOOK_FIGURES.map(([key]) => <Table.Td key={key} className="num">{figure(b, key)}</Table.Td>)}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Text size="xs" c="dimmed" mt="xs">
        A portfolio's capital is allocated from the account's cash when it is deployed, so the books add up to the account: nothing is counted twice. Unrealised here is each open position against its average cost, since it was opened; the M2M above counts today only.
      </Text>
    </Paper>
  );
}

export function Component() {
  const [book] = useBook();
  const books = useBooks();
  const margins = useMargins(book);
  const [adding, setAdding] = useState(false);
  const equity = margins.data?.equity;
  const available: MarginAvailable = equity?.available ?? {};
  const utilised: MarginUtilised = equity?.utilised ?? {};
  return (
    <>
      <PageTitle actions={<Group gap="xs"><BookFilter /><Button onClick={() => setAdding(true)}>Add funds</Button></Group>}>Funds</PageTitle>
      {margins.error && <Notice role="alert" color="red" mb="sm">{margins.error.message}</Notice>}
      {equity && (
        <Paper withBorder p="md" maw={720}>
          <Title order={2} size="h4" mb="sm">Equity</Title>
          <SimpleGrid cols={{ base: 1, sm: 2 }} mb="md">
            <div>
              <Text size="sm" c="dimmed">Available margin</Text>
              <Text size="xl" fw={700} data-testid="available-margin"><Money value={num(equity, "net")} /></Text>
            </div>
            <div>
              <Text size="sm" c="dimmed">Used margin</Text>
              <Text size="xl" fw={700} data-testid="used-margin"><Money value={num(utilised, "debits")} /></Text>
            </div>
          </SimpleGrid>
          <FundsSum available={available} utilised={utilised} net={num(equity, "net")} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Figures rows={AVAILABLE} data={available} label="Available" />
            <Figures rows={UTILISED} data={utilised} label="Utilised" />
          </SimpleGrid>
          <Text size="xs" c="dimmed" mt="xs">
            Credits are what came back today: the proceeds of what was sold, intraday positions, futures and sold options at their marks, less the day's charges (for one book, also what the books sharing its money leave it). Cash now is the ledger's cash after today's trades. M2M is today's profit or loss: what is held since yesterday is marked from yesterday's close, what was bought today from its price. Realised is on positions closed today; unrealised on those still open.
          </Text>
        </Paper>
      )}
      {books.data && <BooksTable books={books.data} selected={book} />}
      {adding && <AddFunds cash={num(available, "cash")} onClose={() => setAdding(false)} />}
    </>
  );
}
