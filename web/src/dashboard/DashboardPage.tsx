import { Alert, Anchor, Loader, Tabs, Text } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { PageTitle } from "@/components/PageTitle";
import { usePortfolios } from "@/portfolios/modelApi";
import { CombinedView } from "./CombinedView";
import { PortfolioBoard } from "./PortfolioBoard";

/** The desk at a glance: a tab per model portfolio and a combined view (`?view=all`). */
export function Component() {
  const portfolios = usePortfolios();
  const [params, setParams] = useSearchParams();
  const list = portfolios.data ?? [];
  const first = list[0];
  const wanted = params.get("view") ?? params.get("portfolio") ?? (first ? String(first.id) : "all");
  const tab = wanted === "all" || list.some((p) => String(p.id) === wanted) ? wanted : "all";
  const open = (value: string | null) => {
    if (value) setParams(value === "all" ? { view: "all" } : { portfolio: value }, { replace: true });
  };

  return (
    <>
      <PageTitle>Dashboard</PageTitle>
      {portfolios.isPending && <Loader aria-label="Loading portfolios" />}
      {portfolios.isError && <Alert color="red" role="alert">{portfolios.error.message}</Alert>}
      {portfolios.data && list.length === 0 && (
        <Text>No model portfolios yet. <Anchor component={Link} to="/portfolios">Deploy one</Anchor>.</Text>
      )}
      {list.length > 0 && (
        <Tabs value={tab} onChange={open} keepMounted={false}>
          <Tabs.List mb="md">
            {list.map((p) => (
              <Tabs.Tab key={p.id} value={String(p.id)} style={{ whiteSpace: "nowrap" }}>{p.name}</Tabs.Tab>
            ))}
            <Tabs.Tab value="all">All portfolios</Tabs.Tab>
          </Tabs.List>
          {list.map((p) => (
            <Tabs.Panel key={p.id} value={String(p.id)}><PortfolioBoard id={p.id} /></Tabs.Panel>
          ))}
          <Tabs.Panel value="all"><CombinedView portfolios={list} onOpen={(id) => open(String(id))} /></Tabs.Panel>
        </Tabs>
      )}
    </>
  );
}
