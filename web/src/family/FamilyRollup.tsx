// The consolidated view (spec §10.6): combined net worth and day P&L, a row per member, and
// each symbol across members as one row. Every figure is the API's rollup.
import { Badge, Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { type Column, DataTable } from "@/components/DataTable";
import { Figure } from "@/components/Figure";
import { Money } from "@/components/Money";
import { qty } from "@/format";
import { problem } from "@/journal/journalWords";
import { Notice } from "@/orders/Notice";
import { Allocation } from "@/wealth/Allocation";
import { asOfWords, sourcesLine, valuedLine } from "@/wealth/wealthWords";
import { type FamilyHolding, type GroupChoice, type MemberWealth, useConsolidated } from "./familyApi";
import { memberName, roleName } from "./familyWords";
import { type Scope, setScope } from "./scope";

const memberColumns = (today: string): Column<MemberWealth>[] => [
  { key: "member", header: "Member", card: "title", render: (m) => memberName(m), value: (m) => memberName(m) },
  { key: "role", header: "Role", render: (m) => roleName(m.role), value: (m) => m.role },
  { key: "net", header: "Net worth (₹)", numeric: true, render: (m) => <Money value={m.net_worth} />, value: (m) => m.net_worth },
  { key: "day", header: "Day P&L (₹)", numeric: true, render: (m) => <Money value={m.day_pnl} pnl />, value: (m) => m.day_pnl },
  { key: "equity", header: "Equity (₹)", numeric: true, render: (m) => <Money value={m.equity} />, value: (m) => m.equity },
  { key: "funds", header: "Mutual funds (₹)", numeric: true, render: (m) => <Money value={m.mutual_funds} />, value: (m) => m.mutual_funds },
  { key: "cash", header: "Cash (₹)", numeric: true, render: (m) => <Money value={m.cash} />, value: (m) => m.cash },
  { key: "oldest", header: "Oldest figure of", render: (m) => asOfWords(m.oldest_as_of, today), value: (m) => m.oldest_as_of },
];

function holdingColumns(names: Map<number, string>, today: string): Column<FamilyHolding>[] {
  return [
    { key: "symbol", header: "Symbol", card: "title", render: (h) => <Text size="sm" fw={600} span>{h.symbol}</Text>, value: (h) => h.symbol },
    { key: "qty", header: "Qty.", numeric: true, render: (h) => qty(h.quantity), value: (h) => h.quantity },
    { key: "ltp", header: "Last price (₹)", numeric: true, render: (h) => <Money value={h.last_price} />, value: (h) => h.last_price },
    { key: "value", header: "Value (₹)", numeric: true, render: (h) => <Money value={h.value} />, value: (h) => h.value },
    { key: "day", header: "Day P&L (₹)", numeric: true, render: (h) => <Money value={h.day_pnl} pnl />, value: (h) => h.day_pnl },
    {
      key: "members", header: "Held by",
      render: (h) => h.members.map((id) => names.get(id) ?? `Member ${id}`).join(", "),
      value: (h) => h.members.length,
    },
    { key: "asof", header: "Price of", render: (h) => asOfWords(h.as_of, today), value: (h) => h.as_of },
    { key: "sources", header: "From", render: (h) => sourcesLine(h.sources) },
  ];
}

/** The API's answer when you are in several groups and none is named: a choice of them. */
function ChooseGroup({ groups }: { groups: GroupChoice[] }) {
  return (
    <Notice color="blue" role="status" title="Which family?">
      <Text size="sm" mb="xs">You are in {groups.length} family groups. Choose one to see its combined figures.</Text>
      <Group gap="xs">
        {groups.map((g) => (
          <Button key={g.id} size="xs" variant="default" onClick={() => setScope({ kind: "all", groupId: g.id })}>
            {g.name} ({g.members === 1 ? "1 member" : `${g.members} members`})
          </Button>
        ))}
      </Group>
    </Notice>
  );
}

/** The rollup of the switcher's choice. */
export function FamilyRollup({ scope }: { scope: Scope }) {
  const rollup = useConsolidated(scope);
  if (rollup.isPending) return <Loader aria-label="Loading the family's figures" />;
  if (rollup.error) return <Notice role="alert" color="red">{problem(rollup.error)}</Notice>;
  const r = rollup.data;
  if (r.scope === "choose_group") return <ChooseGroup groups={r.groups} />;
  const names = new Map(r.members.map((m) => [m.user_id, memberName(m)]));
  const warnings = r.members.flatMap((m) => m.warnings.map((w) => `${memberName(m)}: ${w}`));
  return (
    <Stack gap="md">
      <Card withBorder component="section" aria-label="Combined net worth">
        <Title order={2} size="h5" mb="xs">
          {r.group_name ? `${r.group_name}, together` : "You"}{" "}
          <Badge variant="outline" color="gray" ml={4}>{r.members.length === 1 ? "1 member" : `${r.members.length} members`}</Badge>
        </Title>
        <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="md" mb="md">
          <Figure label="Combined net worth"><Money value={r.net_worth} /></Figure>
          <Figure label="Day P&L, summed"><Money value={r.day_pnl} pnl /></Figure>
          <Figure label="Equity"><Money value={r.equity} /></Figure>
          <Figure label="Mutual funds"><Money value={r.mutual_funds} /></Figure>
          <Figure label="Cash"><Money value={r.cash} /></Figure>
        </SimpleGrid>
        <Allocation parts={r.allocation} />
        <Text size="xs" c="dimmed" mt="xs">{valuedLine(r.as_of, r.oldest_as_of)}</Text>
      </Card>
      <Card withBorder component="section" aria-label="Per member">
        <Title order={2} size="h5" mb="xs">Per member</Title>
        <DataTable caption="Net worth per member" columns={memberColumns(r.as_of)} rows={r.members} rowKey={(m) => m.user_id} phoneCards />
      </Card>
      <Card withBorder component="section" aria-label="Holdings across members">
        <Title order={2} size="h5" mb={4}>Holdings across members</Title>
        <Text size="xs" c="dimmed" mb="xs">A symbol held by several members is one row: quantities, values and day P&L summed.</Text>
        <DataTable caption="Holdings across members" columns={holdingColumns(names, r.as_of)} rows={r.holdings}
          rowKey={(h) => h.isin ?? h.symbol} phoneCards initialSort={{ key: "value", desc: true }} empty="Nobody holds anything yet." />
      </Card>
      {warnings.length > 0 && (
        <Notice color="yellow" role="note" title="Some figures are incomplete">
          {warnings.map((w) => <Text size="sm" key={w}>{w}</Text>)}
        </Notice>
      )}
      <Text size="xs" c="dimmed">
        A view of each member's holdings, net worth and day P&L. Broker logins, strategies and risk rules stay each
        person's own, and nothing can be placed for another member.
      </Text>
    </Stack>
  );
}
