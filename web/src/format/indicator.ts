// Indicators by the names traders write, with their parameters: "SMA 20", "RSI 14",
// "Bollinger upper (20, 2)", "MACD signal (12, 26, 9)", "20-day high". The DSL's identifier
// (sma20, bb20_upper, macd_12_26_9_signal: indicators/names.py) is what a strategy stores and
// the API reads; this is the one mapping from it to words, for the rule builder, the chart
// legend, the rules in sentences and a backtest's results.

const BB_DEVIATIONS = "2"; // implied when a bb name gives no K (names.py's BB_DEVIATIONS)

/** [words, whether the words are a common noun ("close", "20-day high") that a sentence says
 * in lower case] */
type Said = [string, boolean];

const FIXED: Record<string, Said> = {
  open: ["Open", true],
  high: ["High", true],
  low: ["Low", true],
  close: ["Close", true],
  volume: ["Volume", true],
  tr: ["True range", true],
  obv: ["OBV", false],
  vol_regime: ["Volatility regime", true],
  trend_alignment: ["Trend alignment", true],
  high52w: ["52-week high", true],
  low52w: ["52-week low", true],
  dist_high52w_pct: ["% from the 52-week high", true],
  dist_low52w_pct: ["% from the 52-week low", true],
};

const BB_PART: Record<string, string> = { upper: "upper", middle: "middle", lower: "lower", pctb: "%B", width: "width" };
const UPPER = ["sma", "ema", "wma", "rsi", "atr", "natr", "adx", "roc", "cci", "mfi"];

const SHAPES: [RegExp, (m: RegExpExecArray) => Said][] = [
  [/^macd_(\d+)_(\d+)_(\d+)(_signal|_hist)?$/, (m) => {
    const part = m[4] === "_signal" ? " signal" : m[4] === "_hist" ? " histogram" : "";
    return [`MACD${part} (${m[1]}, ${m[2]}, ${m[3]})`, false];
  }],
  [/^bb(\d+)(?:_(\d+))?_(upper|middle|lower|pctb|width)$/, (m) => {
    const part = BB_PART[m[3] as string] as string;
    // the middle band is the SMA: the width K does not change it
    const params = m[3] === "middle" ? m[1] : `${m[1]}, ${m[2] ?? BB_DEVIATIONS}`;
    return [`Bollinger ${part} (${params})`, false];
  }],
  [/^dist_(sma|ema|wma)(\d+)_pct$/, (m) => [`% from ${(m[1] as string).toUpperCase()} ${m[2]}`, true]],
  [/^dist_(high|low)(\d+)_pct$/, (m) => [`% from the ${m[2]}-day ${m[1]}`, true]],
  [/^vol_ratio(\d+)$/, (m) => [`Volume ÷ its ${m[1]}-day average`, true]],
  [/^vol_sma(\d+)$/, (m) => [`Volume SMA ${m[1]}`, true]],
  [/^high(\d+)$/, (m) => [`${m[1]}-day high`, true]],
  [/^low(\d+)$/, (m) => [`${m[1]}-day low`, true]],
  [/^plus_di(\d+)$/, (m) => [`+DI ${m[1]}`, false]],
  [/^minus_di(\d+)$/, (m) => [`−DI ${m[1]}`, false]],
  [/^stoch(\d+)_d$/, (m) => [`Stochastic %D ${m[1]}`, false]],
  [/^stoch(\d+)$/, (m) => [`Stochastic %K ${m[1]}`, false]],
  [/^willr(\d+)$/, (m) => [`Williams %R ${m[1]}`, false]],
  [/^stddev(\d+)$/, (m) => [`Std dev ${m[1]}`, true]],
  [new RegExp(`^(${UPPER.join("|")})(\\d+)$`), (m) => [`${(m[1] as string).toUpperCase()} ${m[2]}`, false]],
];

function said(name: string): Said | null {
  const fixed = FIXED[name];
  if (fixed) return fixed;
  for (const [re, show] of SHAPES) {
    const m = re.exec(name);
    if (m) return show(m);
  }
  return null;
}

/** An indicator identifier in words: sma20 → "SMA 20", bb20_upper → "Bollinger upper (20, 2)",
 * high20 → "20-day high", close → "Close". `midSentence` lowers a common noun ("close >
 * SMA 20"). A name no form knows is shown de-snaked, as written. */
export function indicatorName(name: string, { midSentence = false }: { midSentence?: boolean } = {}): string {
  const found = said(name);
  if (!found) return name.replace(/_/g, " ");
  const [text, common] = found;
  return midSentence && common ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/** Whether `name` has the shape of an indicator identifier (the server still judges its
 * parameters). */
export function isIndicatorName(name: string): boolean {
  return said(name) !== null;
}
