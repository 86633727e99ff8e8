// The user's drawings on the candles, as a lightweight-charts series primitive (its plugin
// API): trend lines, horizontal levels and Fibonacci retracements drawn on the pane's canvas,
// their labels inside the pane (never over the price or time scale). Positions come from the
// chart's own converters, so the drawings follow every scroll and zoom.
import type {
  IChartApi, IPrimitivePaneRenderer, IPrimitivePaneView, ISeriesApi, ISeriesPrimitive, SeriesAttachedParameter, SeriesType, Time,
} from "lightweight-charts";
import { type DrawingKind, fibLevels, labelLeft } from "./chartDrawing";

type Target = Parameters<IPrimitivePaneRenderer["draw"]>[0];
export type Shape = { kind: DrawingKind; points: { time: Time; price: number }[]; pending?: boolean };

const COLOUR = { trend: "#1c7ed6", horizontal: "#ae3ec9", fibonacci: "#e8590c" } as const;
const FONT = "11px system-ui, sans-serif";

export class DrawingsPrimitive implements ISeriesPrimitive<Time> {
  private chart: IChartApi | null = null;
  private series: ISeriesApi<SeriesType> | null = null;
  private requestUpdate: (() => void) | null = null;
  private shapes: Shape[] = [];
  private readonly view: IPrimitivePaneView;

  constructor(private readonly priceWords: (price: number) => string) {
    this.view = { renderer: () => ({ draw: (target: Target) => this.draw(target) }) };
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.chart = param.chart as IChartApi;
    this.series = param.series;
    this.requestUpdate = param.requestUpdate;
  }

  detached(): void {
    this.chart = null;
    this.series = null;
    this.requestUpdate = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return [this.view];
  }

  /** Replace what is drawn. */
  setShapes(shapes: Shape[]): void {
    this.shapes = shapes;
    this.requestUpdate?.();
  }

  private draw(target: Target): void {
    const chart = this.chart;
    const series = this.series;
    if (!chart || !series) return;
    target.useMediaCoordinateSpace(({ context: ctx, mediaSize }) => {
      const x = (t: Time) => chart.timeScale().timeToCoordinate(t);
      const y = (p: number) => series.priceToCoordinate(p);
      ctx.save();
      ctx.font = FONT;
      ctx.lineWidth = 1.5;
      for (const shape of this.shapes) {
        const colour = COLOUR[shape.kind];
        ctx.strokeStyle = colour;
        ctx.fillStyle = colour;
        ctx.setLineDash(shape.pending ? [4, 4] : []);
        const [a, b] = shape.points;
        if (!a) continue;
        const xa = x(a.time) ?? 0;
        const ya = y(a.price);
        if (ya === null) continue;
        if (shape.kind === "horizontal") {
          this.line(ctx, 0, ya, mediaSize.width, ya);
          this.label(ctx, this.priceWords(a.price), 0, ya, mediaSize.width);
          continue;
        }
        if (!b) {
          ctx.beginPath();
          ctx.arc(xa, ya, 3, 0, Math.PI * 2);
          ctx.fill();
          continue;
        }
        const xb = x(b.time) ?? mediaSize.width;
        const yb = y(b.price);
        if (yb === null) continue;
        if (shape.kind === "trend") {
          this.line(ctx, xa, ya, xb, yb);
          continue;
        }
        const left = Math.min(xa, xb);
        for (const level of fibLevels(a.price, b.price)) {
          const yl = y(level.price);
          if (yl === null) continue;
          ctx.globalAlpha = level.ratio === 0 || level.ratio === 1 ? 1 : 0.7;
          this.line(ctx, left, yl, mediaSize.width, yl);
          this.label(ctx, `${(level.ratio * 100).toFixed(1)}% ${this.priceWords(level.price)}`, left, yl, mediaSize.width);
        }
        ctx.globalAlpha = 1;
      }
      ctx.restore();
    });
  }

  private line(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number): void {
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
  }

  /** A label just above its line, inside the pane (clear of the price scale on the right). */
  private label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, paneWidth: number): void {
    const width = ctx.measureText(text).width;
    ctx.fillText(text, labelLeft(x, width, paneWidth), Math.max(12, y - 3));
  }
}
