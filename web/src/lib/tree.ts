// A plan's items (sections, tasks, projects) in document order → the tree the console shows,
// each task carrying its light, deadline and units.

export interface ItemLike {
  id: string
  parent_id?: string | null
  position: number
}

export type Node<T, L> = T & { light?: L; children?: Node<T, L>[] }

export function buildTree<T extends ItemLike, L>(items: T[], lights: Map<string, L>): Node<T, L>[] {
  const nodes = new Map<string, Node<T, L>>()
  for (const it of items) nodes.set(it.id, { ...it, light: lights.get(it.id) })
  const roots: Node<T, L>[] = []
  for (const it of items) {
    const node = nodes.get(it.id)!
    const parent = it.parent_id ? nodes.get(it.parent_id) : undefined
    if (parent) (parent.children ??= []).push(node)
    else roots.push(node)
  }
  const sort = (list: Node<T, L>[]) => {
    list.sort((a, b) => a.position - b.position)
    for (const n of list) if (n.children) sort(n.children)
  }
  sort(roots)
  return roots
}

/** A list route's answer, whether it is still a bare array or already a `{items}` page. */
export function listOf<T>(data: T[] | { items: T[] } | undefined | null): T[] {
  if (!data) return []
  return Array.isArray(data) ? data : data.items
}
