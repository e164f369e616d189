// Tables page through the API's keyset cursors: `{items, next_cursor}`. Going back needs the
// cursors of the pages already seen, since a cursor only points forward.

export interface Page<T> {
  items: T[]
  next_cursor?: string | null
}

export class CursorPager {
  private stack: (string | null)[] = [null]
  next: string | null = null

  get current(): string | null {
    return this.stack[this.stack.length - 1]
  }
  get pageNumber(): number {
    return this.stack.length
  }
  get hasPrev(): boolean {
    return this.stack.length > 1
  }
  get hasNext(): boolean {
    return this.next !== null
  }
  /** Record what the current page said about the next one. */
  loaded(nextCursor: string | null | undefined): void {
    this.next = nextCursor ?? null
  }
  forward(): string | null {
    if (this.next === null) return this.current
    this.stack.push(this.next)
    this.next = null
    return this.current
  }
  back(): string | null {
    if (this.stack.length > 1) this.stack.pop()
    this.next = null
    return this.current
  }
  reset(): void {
    this.stack = [null]
    this.next = null
  }
}

/** Every item of a listing, page by page (for choices such as the unit picker). */
export async function allPages<T>(
  load: (cursor: string | null) => Promise<Page<T>>,
  maxPages = 50,
): Promise<T[]> {
  const out: T[] = []
  let cursor: string | null = null
  for (let i = 0; i < maxPages; i++) {
    const page: Page<T> = await load(cursor)
    out.push(...page.items)
    if (!page.next_cursor) break
    cursor = page.next_cursor
  }
  return out
}
