import { Badge, Menu, UnstyledButton } from "@mantine/core";
import { useMe } from "@/auth/useMe";
import { useAccount } from "./account";

/** The header's account switch: names the account every page shows (paper or a connected
 * broker) and changes it for all of them at once. */
export function AccountSwitch() {
  const account = useAccount();
  const me = useMe();
  const live = !account.paper;
  const name = account.label || "…";
  return (
    <Menu position="bottom-start" withinPortal>
      <Menu.Target>
        <UnstyledButton aria-label={`Account: ${name}. Switch account`} data-testid="account-switch">
          <Badge color={live ? "red" : "dark"} variant={live ? "filled" : "outline"} style={{ cursor: "pointer" }}>
            {name} ▾
          </Badge>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Account on screen</Menu.Label>
        {account.choices.map((c) => (
          <Menu.Item key={c.value} onClick={() => account.choose(c.value)} fw={c.value === account.value ? 700 : undefined}
            aria-current={c.value === account.value ? "true" : undefined}>
            {c.label}{c.value === "paper" ? " (simulated)" : " (real money)"}
          </Menu.Item>
        ))}
        {account.choices.length === 1 && <Menu.Label>Connect a broker in Settings to see its account</Menu.Label>}
        <Menu.Divider />
        <Menu.Label>{me.data?.live_trading_enabled ? "Live trading is on" : "Live trading is off: orders are paper"}</Menu.Label>
      </Menu.Dropdown>
    </Menu>
  );
}
