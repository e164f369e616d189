// What a leader's dashboard adds up: lights across plans, overdue work by unit and by region,
// indicator statuses across plans. Pure functions over the API's answers.

export interface LightCounts {
  red: number
  yellow: number
  green: number
}

export function addLights(counts: Iterable<Record<string, number>>): LightCounts {
  const total: LightCounts = { red: 0, yellow: 0, green: 0 }
  for (const c of counts) {
    for (const k of ['red', 'yellow', 'green'] as const) total[k] += c[k] ?? 0
  }
  return total
}

export interface OverdueLike {
  overdue: boolean
  unit_id: string
  unit_name: string
}

export interface Tally {
  key: string
  name: string
  count: number
}

/** Overdue assignments counted per key, largest first (ties by name, so the order is stable). */
export function tallyOverdue<T extends OverdueLike>(
  rows: T[],
  keyOf: (row: T) => string | null | undefined,
  nameOf: (key: string, row: T) => string,
): Tally[] {
  const by = new Map<string, Tally>()
  for (const r of rows) {
    if (!r.overdue) continue
    const key = keyOf(r) ?? '未知'
    const t = by.get(key) ?? { key, name: nameOf(key, r), count: 0 }
    t.count += 1
    by.set(key, t)
  }
  return [...by.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name, 'zh-CN'))
}

export function addStatusCounts(counts: Iterable<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {}
  for (const c of counts) for (const [k, v] of Object.entries(c)) total[k] = (total[k] ?? 0) + v
  return total
}
