export * from "./axis";
export * from "./money";
export * from "./time";
export * from "./words";
export * from "./instrument";
export * from "./indicator";
export * from "./brokers";
