// What's new: the release notes (CHANGELOG.md), newest first, as the server ships them.
import { Alert, Badge, Group, List, Stack, Text, Title } from "@mantine/core";
import { istDate } from "@/format";
import { AGENT_INSTALL } from "./agentInstall";
import { useReleaseNotes } from "./tradingAgentApi";

export function WhatsNewSection() {
  const notes = useReleaseNotes();
  if (notes.error) return <Alert color="red" role="alert">{notes.error.message}</Alert>;
  if (!notes.data) return <Text c="dimmed">Loading the release notes…</Text>;
  if (notes.data.releases.length === 0) return <Text>This installation has no release notes.</Text>;
  return (
    <Stack gap="lg">
      <Text size="sm" c="dimmed">
        The server, the web app, the local agent and the SDK are released together under one version. Upgrade the agent from your clone of the
        repository: <code>git pull</code>, then <code>{AGENT_INSTALL}</code>.
      </Text>
      {notes.data.releases.map((release, i) => (
        <Stack key={release.version} gap="xs" component="section" aria-label={`Release ${release.version}`}>
          <Group gap="xs">
            <Title order={2} size="h4">{release.version}</Title>
            {release.date && <Text size="sm" c="dimmed">{istDate(release.date)}</Text>}
            {i === 0 && <Badge color="teal.9" variant="filled">Latest</Badge>}
          </Group>
          {release.sections.map((section) => (
            <Stack key={section.title} gap={4}>
              <Title order={3} size="h5">{section.title}</Title>
              <List size="sm" spacing={4}>
                {section.items.map((item) => <List.Item key={item}>{item}</List.Item>)}
              </List>
            </Stack>
          ))}
        </Stack>
      ))}
    </Stack>
  );
}
