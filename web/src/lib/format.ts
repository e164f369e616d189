// Dates and numbers the way Chinese government documents write them: 2025年8月4日, 1,234.5.

const SHANGHAI = 'Asia/Shanghai'

/** A calendar date (YYYY-MM-DD) → 2025年8月4日; full year, no leading zeros (GB/T 9704). */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—'
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)
  if (!m) return value
  if (value.length > 10) return formatDateTime(value).split(' ')[0]
  return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`
}

/** A timestamp → 2025年8月4日 14:05, in Beijing time whatever the browser's zone. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—'
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('zh-CN', {
      timeZone: SHANGHAI,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  )
  return `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}`
}

const numberFormat = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 })

export function formatNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isFinite(n) ? numberFormat.format(n) : String(value)
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${formatNumber(value)}%`
}

/** Today in Beijing as YYYY-MM-DD (deadlines are Beijing calendar dates). */
export function todayInShanghai(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: SHANGHAI }).format(now)
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} 字节`
  if (n < 1024 * 1024) return `${formatNumber(Math.round((n / 1024) * 10) / 10)} KB`
  return `${formatNumber(Math.round((n / 1024 / 1024) * 10) / 10)} MB`
}
