import { describe, expect, it } from 'vitest'
import { buildTree, listOf } from './tree'

describe('buildTree', () => {
  it('nests items under their parents in position order and attaches lights', () => {
    const items = [
      { id: 't2', parent_id: 's1', position: 2, title: '任务2' },
      { id: 's1', parent_id: null, position: 1, title: '一、' },
      { id: 't1', parent_id: 's1', position: 1, title: '任务1' },
      { id: 's2', parent_id: null, position: 2, title: '二、' },
      { id: 'orphan', parent_id: 'gone', position: 0, title: '上级不可见' },
    ]
    const tree = buildTree(items, new Map([['t1', 'red']]))
    expect(tree.map((n) => n.id)).toEqual(['orphan', 's1', 's2'])
    expect(tree[1].children!.map((n) => n.id)).toEqual(['t1', 't2'])
    expect(tree[1].children![0].light).toBe('red')
    expect(tree[2].children).toBeUndefined()
  })
})

describe('listOf', () => {
  it('reads arrays and pages alike', () => {
    expect(listOf([1, 2])).toEqual([1, 2])
    expect(listOf({ items: [3], next_cursor: null } as { items: number[] })).toEqual([3])
    expect(listOf(undefined)).toEqual([])
  })
})
