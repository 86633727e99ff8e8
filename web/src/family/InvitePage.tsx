// The invitation link's page (`/family/invite#group=…&token=…`, from the e-mail). The token
// stays in the fragment, which browsers never send to a server, and in this tab's session
// storage while the person signs in; only the invited address can answer (the API checks).
import { Anchor, Button, Card, Center, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { useMe } from "@/auth/useMe";
import { problem } from "@/journal/journalWords";
import { Notice } from "@/orders/Notice";
import { accept, decline, refreshFamily, useMyInvites } from "./familyApi";
import { inviteFromHash, roleName } from "./familyWords";

const KEY = "tradertape-family-invite";

/** The link's invitation: from the address bar's fragment (then wiped from it), or kept
 * from before signing in. */
function useInviteLink(): { groupId: number; token: string } | null {
  const [found] = useState(() => {
    const fromHash = inviteFromHash(window.location.hash);
    if (fromHash) {
      sessionStorage.setItem(KEY, JSON.stringify(fromHash));
      window.history.replaceState(null, "", window.location.pathname);
      return fromHash;
    }
    try {
      const kept = JSON.parse(sessionStorage.getItem(KEY) ?? "null") as { groupId: number; token: string } | null;
      return kept ? inviteFromHash(`#group=${kept.groupId}&token=${kept.token}`) : null;
    } catch {
      return null;
    }
  });
  return found;
}

function Answer({ groupId, token, email }: { groupId: number; token: string; email: string }) {
  const invites = useMyInvites();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState<"accept" | "decline" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [declined, setDeclined] = useState(false);
  const mine = invites.data?.find((i) => i.group_id === groupId);
  const answer = async (yes: boolean) => {
    setBusy(yes ? "accept" : "decline");
    setError(null);
    try {
      if (yes) await accept(groupId, token);
      else await decline(groupId, token);
      sessionStorage.removeItem(KEY);
      await refreshFamily(client);
      if (yes) await navigate("/family");
      else setDeclined(true);
    } catch (e) {
      setError(problem(e));
    } finally {
      setBusy(null);
    }
  };
  if (invites.isPending) return <Loader aria-label="Loading the invitation" />;
  if (declined) return <Text role="status">You declined. Nothing was shared.</Text>;
  return (
    <Stack gap="sm">
      {mine ? (
        <Text>
          You are invited to <b>{mine.group_name}</b> as {roleName(mine.role).toLowerCase()}. Members see each other's
          holdings, net worth and day P&L; nothing else is shared, and nobody can trade for another.
        </Text>
      ) : (
        <Notice color="yellow" role="note" title="No open invitation for this address">
          You are signed in as {email}. The invitation may have been sent to another address, answered already, or
          withdrawn. Sign in with the invited address, or ask for a new invitation.
        </Notice>
      )}
      {error && <Text c="red.8" role="alert">{error}</Text>}
      <Group gap="xs">
        <Button onClick={() => void answer(true)} loading={busy === "accept"} disabled={busy !== null || !mine}>Join the group</Button>
        <Button variant="default" onClick={() => void answer(false)} loading={busy === "decline"} disabled={busy !== null || !mine}>Decline</Button>
      </Group>
    </Stack>
  );
}

export function Component() {
  const link = useInviteLink();
  const me = useMe();
  useEffect(() => {
    document.title = "Family invitation · TraderTape";
  }, []);
  return (
    <Center mih="100vh" p="md">
      <Card withBorder maw={520} w="100%" component="main">
        <Title order={1} size="h3" mb="sm">Family invitation</Title>
        {!link ? (
          <Text>This link has no invitation in it. Open the link from the e-mail again, or see your invitations on the <Anchor component={Link} to="/family">Family</Anchor> page.</Text>
        ) : me.isPending ? (
          <Loader aria-label="Loading" />
        ) : !me.data ? (
          <Stack gap="sm">
            <Text>Sign in with the e-mail address this invitation was sent to; you come back here to answer it.</Text>
            <Button component={Link} to="/signin?next=%2Ffamily%2Finvite" w="fit-content">Sign in</Button>
          </Stack>
        ) : (
          <Answer groupId={link.groupId} token={link.token} email={me.data.email} />
        )}
      </Card>
    </Center>
  );
}
