import { describe, expect, it } from 'vitest'
import { allPages, CursorPager } from './paging'

describe('CursorPager', () => {
  it('goes forward on next_cursor and back through the cursors seen', () => {
    const p = new CursorPager()
    expect(p.current).toBeNull()
    p.loaded('c2')
    expect(p.hasNext).toBe(true)
    expect(p.forward()).toBe('c2')
    p.loaded('c3')
    expect(p.forward()).toBe('c3')
    p.loaded(null)
    expect(p.hasNext).toBe(false)
    expect(p.pageNumber).toBe(3)
    expect(p.back()).toBe('c2')
    expect(p.back()).toBeNull()
    expect(p.hasPrev).toBe(false)
    expect(p.back()).toBeNull()
  })
  it('does not move past the last page', () => {
    const p = new CursorPager()
    p.loaded(undefined)
    expect(p.forward()).toBeNull()
    expect(p.pageNumber).toBe(1)
  })
})

describe('allPages', () => {
  it('follows next_cursor to the end', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      start: { items: [1, 2], next_cursor: 'b' },
      b: { items: [3], next_cursor: 'c' },
      c: { items: [4], next_cursor: null },
    }
    const asked: (string | null)[] = []
    const items = await allPages(async (cursor) => {
      asked.push(cursor)
      return pages[cursor ?? 'start']
    })
    expect(items).toEqual([1, 2, 3, 4])
    expect(asked).toEqual([null, 'b', 'c'])
  })
})
