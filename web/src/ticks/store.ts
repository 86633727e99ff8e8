// Live prices: one WebSocket (`WS /api/ws/ticks`) for the whole app, feeding a small store
// that components read by symbol. Ticks arrive in bursts; listeners are told once per
// animation frame, so 50 symbols at 2 ticks/s cost a handful of renders, not hundreds.

export interface Tick {
  ltp: number;
  high?: number;
  low?: number;
  volume?: number;
  change?: number;
  ohlc?: { open: number; high: number; low: number; close: number };
  depth?: {
    buy: { price: number; quantity: number; orders: number }[];
    sell: { price: number; quantity: number; orders: number }[];
  };
  [field: string]: unknown;
}

export type Mode = "ltp" | "quote" | "full";
type Listener = () => void;

export interface Socket {
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
}

export interface TickStoreOptions {
  connect: () => Socket;
  schedule?: (flush: () => void) => void; // requestAnimationFrame in the browser
  reconnectDelayMs?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => void;
}

export class TickStore {
  private readonly ticks = new Map<string, Tick>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly wanted = new Map<string, { count: number; mode: Mode }>();
  private readonly dirty = new Set<string>();
  private statusListeners = new Set<Listener>();
  private socket: Socket | null = null;
  private open = false;
  private scheduled = false;
  private attempts = 0;
  connected = false;

  constructor(private readonly options: TickStoreOptions) {}

  /** The latest tick of `symbol`, or undefined before the first one. */
  get(symbol: string): Tick | undefined {
    return this.ticks.get(symbol);
  }

  /** Listen to `symbol`'s ticks; subscribes on the socket while anyone listens. */
  watch(symbol: string, listener: Listener, mode: Mode = "quote"): () => void {
    let set = this.listeners.get(symbol);
    if (!set) this.listeners.set(symbol, (set = new Set()));
    set.add(listener);
    this.want(symbol, mode);
    return () => {
      set.delete(listener);
      this.unwant(symbol);
    };
  }

  /** Listen to the connection state (the top bar shows it). */
  watchStatus(listener: Listener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Feed one server message (exposed for tests and for the socket handler). */
  receive(text: string): void {
    let message: { type?: string; data?: Record<string, Tick> };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.type !== "ticks" || !message.data) return;
    for (const [symbol, tick] of Object.entries(message.data)) {
      const before = this.ticks.get(symbol);
      // `source` ("rest") marks only the ticks that carry it: a socket tick clears it
      this.ticks.set(symbol, before ? { ...before, source: undefined, ...tick } : tick);
      this.dirty.add(symbol);
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const schedule = this.options.schedule ?? ((fn) => requestAnimationFrame(fn));
    schedule(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const symbols = [...this.dirty];
    this.dirty.clear();
    for (const symbol of symbols) this.listeners.get(symbol)?.forEach((l) => l());
  }

  private want(symbol: string, mode: Mode): void {
    const entry = this.wanted.get(symbol);
    const rank = { ltp: 0, quote: 1, full: 2 } as const;
    if (entry) {
      entry.count += 1;
      if (rank[mode] > rank[entry.mode]) {
        entry.mode = mode;
        this.sendSubscribe([symbol], mode);
      }
      return;
    }
    this.wanted.set(symbol, { count: 1, mode });
    this.ensureSocket();
    this.sendSubscribe([symbol], mode);
  }

  private unwant(symbol: string): void {
    const entry = this.wanted.get(symbol);
    if (!entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    this.wanted.delete(symbol);
    if (this.open) this.socket?.send(JSON.stringify({ action: "unsubscribe", symbols: [symbol] }));
  }

  private sendSubscribe(symbols: string[], mode: Mode): void {
    if (this.open) this.socket?.send(JSON.stringify({ action: "subscribe", symbols, mode }));
  }

  private setConnected(value: boolean): void {
    this.connected = value;
    this.statusListeners.forEach((l) => l());
  }

  private ensureSocket(): void {
    if (this.socket) return;
    const socket = this.options.connect();
    this.socket = socket;
    socket.onopen = () => {
      this.open = true;
      this.attempts = 0;
      this.setConnected(true);
      const byMode = new Map<Mode, string[]>();
      for (const [symbol, { mode }] of this.wanted) {
        byMode.set(mode, [...(byMode.get(mode) ?? []), symbol]);
      }
      for (const [mode, symbols] of byMode) this.sendSubscribe(symbols, mode);
    };
    socket.onmessage = (event) => {
      if (typeof event.data === "string") this.receive(event.data);
    };
    socket.onclose = () => {
      this.socket = null;
      this.open = false;
      this.setConnected(false);
      if (this.wanted.size === 0) return;
      const delay = (this.options.reconnectDelayMs ?? backoff)(this.attempts++);
      (this.options.setTimer ?? setTimeout)(() => this.ensureSocket(), delay);
    };
  }
}

function backoff(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** attempt);
}

function browserSocket(): Socket {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return new WebSocket(`${scheme}://${window.location.host}/api/ws/ticks`) as unknown as Socket;
}

/** The app's one store (created on first use, so tests can build their own). */
let shared: TickStore | null = null;
export function ticks(): TickStore {
  shared ??= new TickStore({ connect: browserSocket });
  return shared;
}
