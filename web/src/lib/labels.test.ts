import { describe, expect, it } from 'vitest'
import { label, NOTICE_KIND, noticeTarget } from './labels'

describe('inbox notices', () => {
  it('lead to the 督办单 list, the extension requests, or the assignment', () => {
    for (const kind of ['supervision_notice', 'supervision_notice_answered', 'supervision_notice_closed', 'supervision_notice_returned']) {
      expect(noticeTarget(kind)).toBe('supervision')
    }
    expect(noticeTarget('extension_requested')).toBe('extension')
    expect(noticeTarget('extension_decided')).toBe('extension')
    for (const kind of ['due_soon', 'overdue', 'no_report', 'not_acknowledged', 'urge', 'something_new']) {
      expect(noticeTarget(kind)).toBe('assignment')
    }
  })
  it('name every kind the task service writes, and show an unknown one as it is', () => {
    expect(label(NOTICE_KIND, 'urge')).toBe('催办')
    expect(label(NOTICE_KIND, 'not_acknowledged')).toBe('未签收提醒')
    expect(label(NOTICE_KIND, 'something_new')).toBe('something_new')
  })
})
