// Settings, one tab per sub-route (/settings/brokers, /settings/keys, …) so each is linkable.
import { Tabs } from "@mantine/core";
import { Navigate, useNavigate, useParams } from "react-router";
import { PageTitle } from "@/components/PageTitle";
import { AssistantConfirmations, AssistantKeysSection } from "./AssistantSection";
import { BrokersSection } from "./BrokersSection";
import { AgentKeysSection, WorkerTokensSection } from "./KeysSection";
import { LiveTradingSection } from "./LiveTradingSection";
import { ServerSection } from "./ServerSection";
import { TradingAgentSection } from "./TradingAgentSection";
import { WhatsNewSection } from "./WhatsNewSection";
import { FundsSection, NotificationsSection, SessionsSection, TelegramSection } from "./OtherSections";

const SECTIONS = [
  { path: "brokers", label: "Brokers", render: () => <BrokersSection /> },
  { path: "live", label: "Live trading", render: () => <LiveTradingSection /> },
  { path: "keys", label: "Keys and tokens", render: () => (<><AgentKeysSection /><div style={{ height: 24 }} /><WorkerTokensSection /></>) },
  { path: "assistant", label: "AI assistant", render: () => (<><AssistantConfirmations /><div style={{ height: 24 }} /><AssistantKeysSection /></>) },
  { path: "agent", label: "Trading agent", render: () => <TradingAgentSection /> },
  { path: "whats-new", label: "What's new", render: () => <WhatsNewSection /> },
  { path: "telegram", label: "Telegram", render: () => <TelegramSection /> },
  { path: "sessions", label: "Sessions", render: () => <SessionsSection /> },
  { path: "funds", label: "Paper funds", render: () => <FundsSection /> },
  { path: "notifications", label: "Notifications", render: () => <NotificationsSection /> },
  { path: "server", label: "Server", render: () => <ServerSection /> },
];

export function Component() {
  const section = useParams()["*"]?.split("/")[0] || "";
  const navigate = useNavigate();
  const current = SECTIONS.find((s) => s.path === section);
  if (!current) return <Navigate to="/settings/brokers" replace />;
  return (
    <>
      <PageTitle>Settings</PageTitle>
      <Tabs value={current.path} onChange={(v) => v && navigate(`/settings/${v}`)} keepMounted={false}>
        <Tabs.List aria-label="Settings sections" mb="md">
          {SECTIONS.map((s) => <Tabs.Tab key={s.path} value={s.path}>{s.label}</Tabs.Tab>)}
        </Tabs.List>
        {SECTIONS.map((s) => <Tabs.Panel key={s.path} value={s.path}>{s.path === current.path && s.render()}</Tabs.Panel>)}
      </Tabs>
    </>
  );
}
