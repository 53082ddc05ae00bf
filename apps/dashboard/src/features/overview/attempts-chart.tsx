// The overview's chart, loaded with the overview only (uPlot and its CSS are a chunk of their own).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export type ChartPoint = { at: string; succeeded: number; failed: number };

const COLORS = { succeeded: "#059669", failed: "#dc2626" };

/** Succeeded and failed attempts per bucket, stacked as areas; sized to its container. */
export function AttemptsChart({ points, bucket }: { points: ChartPoint[]; bucket: "hour" | "day" }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    const axis = {
      stroke: dark ? "#a1a1aa" : "#52525b",
      grid: { stroke: dark ? "#27272a" : "#e4e4e7" },
      ticks: { stroke: dark ? "#3f3f46" : "#d4d4d8" },
    };
    const times = points.map((p) => new Date(p.at).getTime() / 1000);
    const failed = points.map((p) => p.failed);
    const total = points.map((p) => p.failed + p.succeeded);
    const chart = new uPlot(
      {
        width: element.clientWidth,
        height: 240,
        // The viewer's own time zone, as the buckets are.
        tzDate: (ts) => new Date(ts * 1000),
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [axis, { ...axis, size: 40 }],
        series: [
          {},
          {
            label: "All attempts (succeeded on top)",
            stroke: COLORS.succeeded,
            fill: `${COLORS.succeeded}33`,
            width: 2,
          },
          { label: "Failed", stroke: COLORS.failed, fill: `${COLORS.failed}40`, width: 2 },
        ],
      },
      [times, total, failed],
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: 240 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [points, bucket]);
  return <div ref={container} className="w-full" data-testid="attempts-chart" />;
}
