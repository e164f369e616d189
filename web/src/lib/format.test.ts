import { describe, expect, it } from 'vitest'
import { formatBytes, formatDate, formatDateTime, formatNumber, formatPercent, todayInShanghai } from './format'

describe('dates in Chinese document style', () => {
  it('writes calendar dates with full year and no leading zeros', () => {
    expect(formatDate('2025-08-04')).toBe('2025年8月4日')
    expect(formatDate('2027-12-31')).toBe('2027年12月31日')
  })
  it('shows a dash for nothing and leaves what it cannot read', () => {
    expect(formatDate(null)).toBe('—')
    expect(formatDate('下半年')).toBe('下半年')
  })
  it('shows timestamps in Beijing time whatever the zone they were written in', () => {
    expect(formatDateTime('2026-12-06T16:30:00Z')).toBe('2026年12月7日 00:30')
    expect(formatDate('2026-12-06T16:30:00Z')).toBe('2026年12月7日')
  })
  it('takes today as the date in Beijing', () => {
    expect(todayInShanghai(new Date('2026-12-06T16:30:00Z'))).toBe('2026-12-07')
    expect(todayInShanghai(new Date('2026-12-06T15:59:00Z'))).toBe('2026-12-06')
  })
})

describe('numbers', () => {
  it('groups thousands and keeps at most two decimals', () => {
    expect(formatNumber(1234567.891)).toBe('1,234,567.89')
    expect(formatNumber('3.20')).toBe('3.2')
    expect(formatNumber(null)).toBe('—')
    expect(formatPercent(80)).toBe('80%')
    expect(formatBytes(2048)).toBe('2 KB')
  })
})
