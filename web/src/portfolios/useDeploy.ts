// Deploying a model portfolio from any form: the API call, its field errors and the refresh.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/api/client";
import { ApiError, type FieldErrors, unwrap } from "@/api/errors";
import { type DeployValues, toDeployBody } from "./deployForm";
import { type Portfolio, refreshModel } from "./modelApi";

/** `deploy(values)` posts the form; a 422's errors land on their fields, others in `error`. */
export function useDeploy(onDeployed: (portfolio: Portfolio) => void) {
  const client = useQueryClient();
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const deploy = async (values: DeployValues) => {
    setFields({});
    setError(null);
    if (!values.strategy_id) {
      setFields({ strategy_id: "Pick a strategy" }); // said here: the API would refuse it as a number
      return;
    }
    setBusy(true);
    try {
      const made = unwrap(await api.POST("/api/model/portfolios/deploy", { body: toDeployBody(values) }));
      await refreshModel(client);
      onDeployed(made);
    } catch (err) {
      if (err instanceof ApiError) {
        setFields(err.fields);
        if (Object.keys(err.fields).length === 0) setError(err.message);
      } else setError(String(err));
    } finally {
      setBusy(false);
    }
  };
  return { deploy, fields, error, busy };
}
