/**
 * Charts of the usage report (SPEC ID-8, AD-2): one small chart per figure — active people,
 * messages, files, file bytes, spaces created — drawn with uPlot (small, canvas, no dependencies),
 * fetched as its own chunk only when the reports page opens (React.lazy in UsageReport). Each chart is an image with a written
 * summary (total, highest day) for screen readers; the table beside it is the full data alternative.
 * @module
 */
import { useEffect, useRef } from 'react';
import type { UsageDay } from '@flint/protocol';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useI18n } from '../../i18n/index.tsx';

type Figure = 'activePeople' | 'messages' | 'files' | 'fileBytes' | 'spacesCreated';

const FIGURES: { key: Figure; label: 'reportActive' | 'reportMessages' | 'reportFiles' | 'reportBytes' | 'reportSpaces'; color: string }[] = [
  { key: 'activePeople', label: 'reportActive', color: '#1f6feb' },
  { key: 'messages', label: 'reportMessages', color: '#8250df' },
  { key: 'files', label: 'reportFiles', color: '#1a7f37' },
  { key: 'fileBytes', label: 'reportBytes', color: '#9a6700' },
  { key: 'spacesCreated', label: 'reportSpaces', color: '#cf222e' },
];

const HEIGHT = 180;

function Chart({ days, figure, label, color }: { days: UsageDay[]; figure: Figure; label: string; color: string }) {
  const { t, fileSize } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const values = days.map((d) => d[figure]);
  const total = values.reduce((a, b) => a + b, 0);
  const max = Math.max(0, ...values);
  const maxDay = days[values.indexOf(max)]?.day ?? '';
  const show = (n: number) => (figure === 'fileBytes' ? fileSize(n) : String(n));

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const xs = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
    // Canvas does not follow CSS: take the theme's colours (light or dark) from the stylesheet.
    const css = getComputedStyle(el);
    const ink = css.getPropertyValue('--ink').trim() || '#1b1f24';
    const line = css.getPropertyValue('--line').trim() || '#e2e5ea';
    const axis = { stroke: ink, grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1 } };
    const plot = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        // Half a day either side, so the first and last days' bars are whole.
        scales: { x: { time: true, range: (_u, lo, hi) => [lo - 43_200, hi + 43_200] }, y: { range: (_u, _min, hi) => [0, Math.max(1, hi)] } },
        axes: [
          axis,
          {
            ...axis,
            // Counts are whole: integer steps only.
            ...(figure === 'fileBytes' ? {} : { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7] }),
            values: (_u, ticks) => ticks.map((v) => (figure === 'fileBytes' ? fileSize(v) : String(v))),
            size: figure === 'fileBytes' ? 70 : 44,
          },
        ],
        series: [{}, { label, stroke: color, fill: color, width: 1, paths: uPlot.paths.bars!({ size: [0.7, 40] }), points: { show: false } }],
      },
      // A day without activity draws no bar (a zero-height bar would be a stray line on the axis).
      [xs, values.map((v) => (v === 0 ? null : v))],
      el,
    );
    // The charts follow their column's width (the phone layout has one column).
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, figure, label, color, fileSize]);

  const summary = t('chartSummary', { label, total: show(total), days: days.length, max: show(max), day: maxDay });
  return (
    <figure className="usage-chart" data-figure={figure}>
      <h4>{label}</h4>
      <div ref={box} className="chart-canvas" role="img" aria-label={summary} />
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}

/** Loaded with React.lazy by the reports page, so uPlot is its own chunk. */
export default function UsageCharts({ days }: { days: UsageDay[] }) {
  const { t } = useI18n();
  if (days.length === 0) return null;
  return (
    <section aria-label={t('reportCharts')} className="usage-charts" data-testid="usage-charts">
      {FIGURES.map((f) => (
        <Chart key={f.key} days={days} figure={f.key} label={t(f.label)} color={f.color} />
      ))}
    </section>
  );
}
