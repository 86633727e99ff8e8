// Server-sent events of one job (a backtest's stages, a sweep's variants): the latest
// `progress` message and, once the job has ended, its `end` message. The browser's
// EventSource carries the session cookie (same origin) and reconnects by itself.
import { useEffect, useState } from "react";

export interface Stream<T> {
  latest: T | null;
  end: T | null;
  /** The connection dropped and the browser is reconnecting. */
  reconnecting: boolean;
}

/** Follow `url` (null: nothing to follow) until its `end` event; `onEnd` runs once then. */
export function useEventStream<T>(url: string | null, onEnd?: (end: T) => void): Stream<T> {
  const [state, setState] = useState<Stream<T>>({ latest: null, end: null, reconnecting: false });
  useEffect(() => {
    setState({ latest: null, end: null, reconnecting: false });
    if (!url) return;
    const source = new EventSource(url, { withCredentials: true });
    source.addEventListener("progress", (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as T;
      setState((s) => ({ ...s, latest: data, reconnecting: false }));
    });
    source.addEventListener("end", (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as T;
      source.close();
      setState({ latest: data, end: data, reconnecting: false });
      onEnd?.(data);
    });
    source.onerror = () => setState((s) => (s.end ? s : { ...s, reconnecting: true }));
    return () => source.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one stream per url
  }, [url]);
  return state;
}
