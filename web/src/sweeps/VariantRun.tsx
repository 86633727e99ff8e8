// Opening a variant's own run from the sweep page: the API starts it once (or answers the one
// it started before); while it runs, its stages show here; once it has completed, its page.
import { Alert, Group, Loader, Progress, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useEventStream } from "@/api/eventStream";
import { type RunProgress, runEventsUrl, useRunFinished } from "@/backtests/backtestApi";
import { openVariantRun } from "./sweepApi";

export interface VariantRunState {
  open: (index: number) => void;
  /** the variant being opened, while its run starts or runs */
  opening: number | null;
  progress: RunProgress | null;
  error: string | null;
}

/** Open variant runs of sweep `sweepId`, going to each run's page once it has completed. */
export function useVariantRun(sweepId: number): VariantRunState {
  const navigate = useNavigate();
  const finished = useRunFinished();
  const [opening, setOpening] = useState<number | null>(null);
  const [runId, setRunId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = useMutation({ mutationFn: openVariantRun });
  const stream = useEventStream<RunProgress>(runId ? runEventsUrl(runId) : null, (end) => {
    void finished(end.id);
    setRunId(null);
    setOpening(null);
    if (end.status === "completed") navigate(`/backtests/runs/${end.id}`);
    else setError(end.error ?? "The variant's run failed.");
  });
  const open = (index: number) => {
    if (opening !== null) return;
    setError(null);
    setOpening(index);
    start.mutate({ sweepId, index }, {
      onSuccess: (run) => {
        if (run.status === "completed") navigate(`/backtests/runs/${run.id}`);
        else setRunId(run.id);
      },
      onError: (e) => {
        setOpening(null);
        setError(e.message);
      },
    });
  };
  return { open, opening, progress: stream.latest, error };
}

/** Where the opened variant's run is (or why it could not run). */
export function VariantRunNotice({ state, describe }: { state: VariantRunState; describe: (index: number) => string }) {
  if (state.error) return <Alert color="red" role="alert" mb="sm">{state.error}</Alert>;
  if (state.opening === null) return null;
  return (
    <Group gap="xs" role="status" aria-live="polite" mb="sm">
      <Loader size="xs" aria-hidden /> {/* the text and the bar beside it say what runs */}
      <Text size="sm">Running {describe(state.opening)} over the whole range…</Text>
      <Progress value={Math.round((state.progress?.fraction ?? 0) * 100)} aria-label="Variant run progress"
        style={{ flex: 1, minWidth: 120 }} animated />
    </Group>
  );
}
