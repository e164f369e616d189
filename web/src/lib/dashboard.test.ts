import { describe, expect, it } from 'vitest'
import { addLights, addStatusCounts, tallyOverdue } from './dashboard'
import { worstLight } from './labels'

describe('dashboard sums', () => {
  it('adds the lights of several plans', () => {
    expect(addLights([{ red: 1, green: 4 }, { yellow: 2, green: 1 }, {}])).toEqual({ red: 1, yellow: 2, green: 5 })
  })
  it('counts only overdue work, per unit, largest first', () => {
    const rows = [
      { overdue: true, unit_id: 'a', unit_name: '县疾控中心' },
      { overdue: false, unit_id: 'a', unit_name: '县疾控中心' },
      { overdue: true, unit_id: 'b', unit_name: '县医保局' },
      { overdue: true, unit_id: 'b', unit_name: '县医保局' },
    ]
    expect(tallyOverdue(rows, (r) => r.unit_id, (_k, r) => r.unit_name)).toEqual([
      { key: 'b', name: '县医保局', count: 2 },
      { key: 'a', name: '县疾控中心', count: 1 },
    ])
    const region: Record<string, string> = { a: '360121', b: '360121' }
    expect(tallyOverdue(rows, (r) => region[r.unit_id], (k) => (k === '360121' ? '南昌县' : k))).toEqual([
      { key: '360121', name: '南昌县', count: 3 },
    ])
  })
  it('adds indicator status counts', () => {
    expect(addStatusCounts([{ achieved: 1, off_track: 2 }, { off_track: 1 }])).toEqual({ achieved: 1, off_track: 3 })
  })
  it('takes the worst light', () => {
    expect(worstLight(['green', 'yellow'])).toBe('yellow')
    expect(worstLight(['yellow', 'red', 'green'])).toBe('red')
    expect(worstLight([])).toBe('green')
  })
})
