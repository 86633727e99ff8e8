import { describe, expect, it } from "vitest";
import { type Socket, TickStore } from "./store";

function fakeSocket() {
  const sent: string[] = [];
  const socket: Socket = {
    send: (d) => sent.push(d),
    close: () => socket.onclose?.(),
    onopen: null,
    onmessage: null,
    onclose: null,
  };
  return { socket, sent };
}

function setup() {
  const sockets: ReturnType<typeof fakeSocket>[] = [];
  const frames: (() => void)[] = [];
  const timers: (() => void)[] = [];
  const store = new TickStore({
    connect: () => {
      const s = fakeSocket();
      sockets.push(s);
      return s.socket;
    },
    schedule: (fn) => frames.push(fn),
    setTimer: (fn) => timers.push(fn),
  });
  return { store, sockets, frames, timers };
}

describe("TickStore", () => {
  it("opens one socket for many symbols and subscribes once it is open", () => {
    const { store, sockets } = setup();
    store.watch("NSE:INFY", () => {});
    store.watch("NSE:TCS", () => {});
    store.watch("NSE:INFY", () => {});
    expect(sockets).toHaveLength(1);
    sockets[0]!.socket.onopen?.();
    expect(sockets[0]!.sent.map((s) => JSON.parse(s))).toEqual([
      { action: "subscribe", symbols: ["NSE:INFY", "NSE:TCS"], mode: "quote" },
    ]);
  });

  it("batches a burst of ticks into one notification per frame", () => {
    const { store, sockets, frames } = setup();
    let calls = 0;
    store.watch("NSE:INFY", () => calls++);
    sockets[0]!.socket.onopen?.();
    for (let i = 0; i < 10; i++) {
      store.receive(JSON.stringify({ type: "ticks", data: { "NSE:INFY": { ltp: 1500 + i } } }));
    }
    expect(calls).toBe(0);
    expect(frames).toHaveLength(1);
    frames[0]!();
    expect(calls).toBe(1);
    expect(store.get("NSE:INFY")?.ltp).toBe(1509);
  });

  it("merges partial ticks and ignores other messages", () => {
    const { store } = setup();
    store.receive(JSON.stringify({ type: "ticks", data: { "NSE:INFY": { ltp: 1, volume: 5 } } }));
    store.receive(JSON.stringify({ type: "ticks", data: { "NSE:INFY": { ltp: 2 } } }));
    store.receive(JSON.stringify({ type: "subscribed", symbols: ["NSE:INFY"] }));
    store.receive("not json");
    expect(store.get("NSE:INFY")).toEqual({ ltp: 2, volume: 5 });
  });

  it("unsubscribes when the last listener leaves", () => {
    const { store, sockets } = setup();
    const stopA = store.watch("NSE:INFY", () => {});
    const stopB = store.watch("NSE:INFY", () => {});
    sockets[0]!.socket.onopen?.();
    stopA();
    expect(sockets[0]!.sent).toHaveLength(1);
    stopB();
    expect(JSON.parse(sockets[0]!.sent[1]!)).toEqual({ action: "unsubscribe", symbols: ["NSE:INFY"] });
  });

  it("reconnects after a drop and subscribes again", () => {
    const { store, sockets, timers } = setup();
    store.watch("NSE:INFY", () => {});
    sockets[0]!.socket.onopen?.();
    expect(store.connected).toBe(true);
    sockets[0]!.socket.onclose?.();
    expect(store.connected).toBe(false);
    timers[0]!();
    expect(sockets).toHaveLength(2);
    sockets[1]!.socket.onopen?.();
    expect(JSON.parse(sockets[1]!.sent[0]!)).toEqual({
      action: "subscribe",
      symbols: ["NSE:INFY"],
      mode: "quote",
    });
  });
  it("keeps a REST-filled tick's source only until the socket's next tick", () => {
    const { store } = setup();
    store.receive(JSON.stringify({ type: "ticks", data: { "NSE:INFY": { ltp: 1500, source: "rest" } } }));
    expect(store.get("NSE:INFY")?.source).toBe("rest");
    store.receive(JSON.stringify({ type: "ticks", data: { "NSE:INFY": { ltp: 1501 } } }));
    expect(store.get("NSE:INFY")).toMatchObject({ ltp: 1501, source: undefined });
  });
});
