// The import wizard's bookkeeping: the distinct unresolved unit names of a preview and what the
// planner decided for each, and which previewed values were edited before confirming.

export interface UnitFindingLike {
  name: string
  status: string
}

export interface ItemFindingLike {
  code: string
  kind: string
  title: string
  units?: UnitFindingLike[]
  deadlines?: { due_on: string; text?: string | null }[]
}

export type UnitLevel = 'province' | 'city' | 'county' | 'township' | 'other'

/** Each unresolved name once, in the order the document first names it, with its task count. */
export function unresolvedNames(items: ItemFindingLike[]): { name: string; tasks: number }[] {
  const seen = new Map<string, number>()
  for (const it of items) {
    for (const u of it.units ?? []) {
      if (u.status === 'unresolved') seen.set(u.name, (seen.get(u.name) ?? 0) + 1)
    }
  }
  return [...seen].map(([name, tasks]) => ({ name, tasks }))
}

/** The level a new unit of a region most likely has (GB/T 2260: 省 xx0000, 市 xxxx00). */
export function levelOfRegion(code: string): 'province' | 'city' | 'county' {
  if (/^\d{2}0000$/.test(code)) return 'province'
  if (/^\d{4}00$/.test(code)) return 'city'
  return 'county'
}

export interface ItemEdit {
  title: string
  due_on: string | null
}

/** Edits that differ from what the document said, keyed by item code. */
export function changedEdits(items: ItemFindingLike[], edits: Record<string, ItemEdit>): Record<string, Partial<ItemEdit>> {
  const out: Record<string, Partial<ItemEdit>> = {}
  for (const it of items) {
    const e = edits[it.code]
    if (!e) continue
    const change: Partial<ItemEdit> = {}
    if (e.title.trim() && e.title.trim() !== it.title) change.title = e.title.trim()
    const original = it.deadlines?.length ? it.deadlines[it.deadlines.length - 1].due_on : null
    if ((e.due_on || null) !== original) change.due_on = e.due_on || null
    if (Object.keys(change).length) out[it.code] = change
  }
  return out
}
