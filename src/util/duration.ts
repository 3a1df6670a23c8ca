/**
 * Pure: the one duration formatter. Two styles:
 * - `elapsed` (steps, deploys, history): "2.1s" under 10 s, "52s", "2m 5s", "1h 2m";
 * - `age` (uptime, "... ago", coarse on purpose): "5s", "2m", "3h01m", "2d1h".
 */
export function formatDuration(seconds: number, style: 'elapsed' | 'age' = 'elapsed'): string {
  if (style === 'elapsed') {
    if (seconds < 9.95) return `${Math.max(0, seconds).toFixed(1)}s`
    const s = Math.round(seconds)
    if (s < 60) return `${s}s`
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
    return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  }
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`
}
