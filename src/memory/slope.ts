/**
 * Least-squares slope of `v` over `t` (units of v per unit of t; the monitor passes seconds and
 * bytes). Both series are shifted by their first point before centring, so epoch-ms timestamps and
 * byte counts lose no precision and equal timestamps cancel exactly. Fewer than two points, all-equal
 * timestamps, or non-finite input give 0, never NaN.
 */
export function slope(points: ReadonlyArray<{ t: number; v: number }>): number {
  const n = points.length;
  const first = points[0];
  if (n < 2 || first === undefined) return 0;
  let sumT = 0;
  let sumV = 0;
  for (const p of points) {
    sumT += p.t - first.t;
    sumV += p.v - first.v;
  }
  const meanT = sumT / n;
  const meanV = sumV / n;
  let sTV = 0;
  let sTT = 0;
  for (const p of points) {
    const dt = p.t - first.t - meanT;
    sTV += dt * (p.v - first.v - meanV);
    sTT += dt * dt;
  }
  const s = sTV / sTT;
  return sTT > 0 && Number.isFinite(s) ? s : 0;
}
