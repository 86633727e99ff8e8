"""Family groups: membership, invitations and the consolidated (view-only) wealth."""
