// The option chain as a table: calls left, puts right, strikes between; the columns a trader
// picks (OI, OI change, volume, bid, ask, IV and the greeks, every figure the API's), the ATM
// strike outlined and the in-the-money side shaded. On a phone the cells are compact (lakh,
// crore) and fewer columns start shown; the picker is the same.
import { ActionIcon, Badge, Button, Checkbox, Group, Popover, ScrollArea, SimpleGrid, Table, Text } from "@mantine/core";
import { useElementSize, useLocalStorage, useMediaQuery } from "@mantine/hooks";
import { inr, istDate, plain } from "@/format";
import { type ChainColumn, COLUMNS, type ColumnKey, columnsThatFit, DESK_COLUMNS, itmSide, PHONE_COLUMNS, shownColumns } from "./chainColumns";
import type { Chain, Contract } from "./optionApi";
import type { Side } from "./spread";

const ITM = "var(--mantine-color-yellow-light)";

function Trade({ contract, onAdd, phone }: { contract: Contract | null; onAdd: (symbol: string, side: Side) => void; phone: boolean }) {
  if (!contract) return null;
  const name = `${contract.strike} ${contract.option_type}`;
  // on a phone B above S: side by side they push the puts off a 390 px screen
  return (
    <Group gap={2} wrap="nowrap" style={phone ? { flexDirection: "column" } : undefined}>
      <ActionIcon size="sm" variant="filled" color="blue.8" aria-label={`Buy ${name}`} onClick={() => onAdd(contract.tradingsymbol, "BUY")}>B</ActionIcon>
      <ActionIcon size="sm" variant="filled" color="red.9" aria-label={`Sell ${name}`} onClick={() => onAdd(contract.tradingsymbol, "SELL")}>S</ActionIcon>
    </Group>
  );
}

/** The picker: a checkbox per column, in the chain's order; once `fit` are picked the rest
 * wait until one is dropped (more would push the puts off the screen). */
export function ColumnPicker({ value, onChange, fit }: { value: readonly ColumnKey[]; onChange: (v: ColumnKey[]) => void; fit: number }) {
  const full = value.length >= fit;
  return (
    <Popover position="bottom-end" shadow="md" withinPortal>
      <Popover.Target>
        <Button size="xs" variant="default">Columns</Button>
      </Popover.Target>
      <Popover.Dropdown maw={360}>
        <Checkbox.Group label="Chain columns" description={full ? `${fit} fit on this screen: drop one to add another.` : undefined}
          value={[...value]} onChange={(v) => onChange(v as ColumnKey[])}>
          <SimpleGrid cols={2} spacing="xs" verticalSpacing={6} mt="xs">
            {COLUMNS.map((c) => <Checkbox key={c.key} value={c.key} label={c.title} size="xs" disabled={full && !value.includes(c.key)} />)}
          </SimpleGrid>
        </Checkbox.Group>
      </Popover.Dropdown>
    </Popover>
  );
}

function Cells({ columns, contract, compact, shade }: { columns: ChainColumn[]; contract: Contract | null; compact: boolean; shade: boolean }) {
  return (
    <>
      {columns.map((col) => (
        <Table.Td key={col.key} ta="right" className="num" style={shade ? { background: ITM } : undefined}>
          {contract ? col.cell(contract, compact) : "—"}
        </Table.Td>
      ))}
    </>
  );
}

/** Calls left, puts right, strikes between; `onAdd` puts a contract in the structure. */
export function ChainTable({ chain, onAdd }: { chain: Chain; onAdd: (symbol: string, side: Side) => void }) {
  const phone = useMediaQuery("(max-width: 36em)") ?? false;
  // a pick each for the desk and the phone: what suits 1440 px would not fit 390
  const [desk, setDesk] = useLocalStorage<ColumnKey[]>({ key: "chain-columns-desk", defaultValue: [...DESK_COLUMNS], getInitialValueInEffect: false });
  const [hand, setHand] = useLocalStorage<ColumnKey[]>({ key: "chain-columns-phone", defaultValue: [...PHONE_COLUMNS], getInitialValueInEffect: false });
  const [picked, setPicked] = phone ? [hand, setHand] : [desk, setDesk];
  const { ref, width } = useElementSize();
  const fit = columnsThatFit(width, phone);
  const columns = shownColumns(picked).slice(0, fit);
  const mirrored = [...columns].reverse(); // calls read outward from the strike, as puts do
  const price = (v: number | string | null | undefined, decimals = 2) => (phone ? plain(v, decimals) : inr(v, decimals));
  const side = columns.length + 2; // the trade buttons, the picked columns, LTP
  return (
    <div ref={ref}>
      <Group justify="space-between" mb={4} wrap="nowrap" gap="xs">
        <Text size="xs" c="dimmed">
          <span style={{ background: ITM, padding: "0 4px", borderRadius: 2 }}>Shaded</span>: in the money. Greeks per unit; theta ₹ a day, vega ₹ an IV point.
        </Text>
        <div style={{ flexShrink: 0 }}><ColumnPicker value={columns.map((c) => c.key)} onChange={setPicked} fit={fit} /></div>
      </Group>
      <ScrollArea type="auto">
        <Table highlightOnHover stickyHeader fz={phone ? "xs" : "sm"} miw={phone ? undefined : 180 + side * 2 * 72} horizontalSpacing={phone ? 2 : "xs"}
          aria-label={`${chain.underlying} option chain, ${istDate(chain.expiry)}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th colSpan={side} ta="center">Calls</Table.Th>
              <Table.Th />
              <Table.Th colSpan={side} ta="center">Puts</Table.Th>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Trade</Table.Th>
              {mirrored.map((c) => <Table.Th key={c.key} ta="right" title={c.title}>{c.label}</Table.Th>)}
              <Table.Th ta="right">LTP</Table.Th>
              <Table.Th ta="center">Strike</Table.Th>
              <Table.Th ta="right">LTP</Table.Th>
              {columns.map((c) => <Table.Th key={c.key} ta="right" title={c.title}>{c.label}</Table.Th>)}
              <Table.Th>Trade</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {chain.rows.map((r) => {
              const atm = Number(r.strike) === Number(chain.atm_strike);
              const itm = itmSide(r);
              const callShade = itm.call ? { background: ITM } : undefined;
              const putShade = itm.put ? { background: ITM } : undefined;
              return (
                <Table.Tr key={String(r.strike)} aria-current={atm ? "true" : undefined} data-itm={itm.call ? "call" : itm.put ? "put" : undefined}
                  style={atm ? { outline: "2px solid var(--mantine-color-blue-5)", outlineOffset: -2 } : undefined}>
                  <Table.Td style={callShade}><Trade contract={r.call} onAdd={onAdd} phone={phone} /></Table.Td>
                  <Cells columns={mirrored} contract={r.call} compact={phone} shade={itm.call} />
                  <Table.Td ta="right" className="num" fw={600} style={callShade}>{price(r.call?.ltp)}</Table.Td>
                  <Table.Td ta="center" fw={700}>
                    <span className="num">{price(r.strike, 0)}</span>
                    {atm && (phone ? <div><Badge size="xs">ATM</Badge></div> : <Badge size="xs" ml={4}>ATM</Badge>)}
                  </Table.Td>
                  <Table.Td ta="right" className="num" fw={600} style={putShade}>{price(r.put?.ltp)}</Table.Td>
                  <Cells columns={columns} contract={r.put} compact={phone} shade={itm.put} />
                  <Table.Td style={putShade}><Trade contract={r.put} onAdd={onAdd} phone={phone} /></Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    </div>
  );
}
