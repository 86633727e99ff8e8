import { Tabs } from "@mantine/core";
import { useLocation, useNavigate } from "react-router";

/** Runs and tokens: the two pages of the algo workers. */
export function WorkersNav() {
  const navigate = useNavigate();
  const tab = useLocation().pathname.startsWith("/workers/tokens") ? "tokens" : "runs";
  return (
    <Tabs value={tab} onChange={(v) => navigate(v === "tokens" ? "/workers/tokens" : "/workers")} mb="md">
      <Tabs.List aria-label="Algo workers">
        <Tabs.Tab value="runs">Runs</Tabs.Tab>
        <Tabs.Tab value="tokens">Tokens</Tabs.Tab>
      </Tabs.List>
    </Tabs>
  );
}
