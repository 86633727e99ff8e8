import { Checkbox, Group, SimpleGrid, TextInput } from "@mantine/core";
import type { ReactNode } from "react";
import type { FieldErrors } from "@/api/errors";
import type { FoldValues } from "./walkForward";

/** A walk-forward's folds as a form holds them (window lengths, gaps, anchored), each box
 * showing the server's word on its field; `children` sit beside the anchored box (an equity
 * run's search, an options run's objective). Shared by the equity and options forms. */
export function FoldInputs({ folds, setFold, fields, children }: {
  folds: FoldValues;
  setFold: <K extends keyof FoldValues>(key: K, value: FoldValues[K]) => void;
  fields: FieldErrors;
  children?: ReactNode;
}) {
  return (
    <>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <TextInput label="In-sample days" description="trading days each fold chooses on" inputMode="numeric"
          value={folds.in_sample_days} onChange={(e) => setFold("in_sample_days", e.currentTarget.value)} error={fields.in_sample_days} />
        <TextInput label="Out-of-sample days" description="trading days each choice is scored on" inputMode="numeric"
          value={folds.out_of_sample_days} onChange={(e) => setFold("out_of_sample_days", e.currentTarget.value)} error={fields.out_of_sample_days} />
        <TextInput label="Purge days" description="left out before out-of-sample" inputMode="numeric"
          value={folds.purge_days} onChange={(e) => setFold("purge_days", e.currentTarget.value)} error={fields.purge_days} />
        <TextInput label="Embargo days" description="first out-of-sample days unscored" inputMode="numeric"
          value={folds.embargo_days} onChange={(e) => setFold("embargo_days", e.currentTarget.value)} error={fields.embargo_days} />
      </SimpleGrid>
      <Group gap="md" wrap="wrap" align="end">
        <Checkbox label="Anchored: every in-sample window starts on the first day and grows" checked={folds.anchored}
          onChange={(e) => setFold("anchored", e.currentTarget.checked)} />
        {children}
      </Group>
    </>
  );
}
