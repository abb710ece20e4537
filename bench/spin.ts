/** Busy CPU work for `ms` milliseconds (a stand-in for a parsing or embedding task). */
export function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x = (x * 31 + 7) % 1_000_003;
  return x;
}
